import { MarketDataMode } from '@app/config';
import { SIMULATED_CHAINS } from '@app/simulator';
import type { DexPoolConfig } from './dex-metrics/dex-metrics.config';
import type { GatewayConfig } from './gateway-config';

export type UpstreamBaseUrls = Record<'coingecko' | 'defillama' | 'coindesk' | 'deribit' | 'binance' | 'evm' | 'exchanges', string>;

/** Points every upstream client at the simulator (sandbox mode and tests); keys are dropped, they never leave the machine. */
export function withSimulatedUpstreams(config: GatewayConfig, baseUrls: UpstreamBaseUrls): GatewayConfig {
  // on top of the venues' config, whose upstreams already hold the simulated GeckoTerminal: starting again from
  // `config.upstreams` would point GeckoTerminal back at the real API
  const venues = withSimulatedVenues(config, baseUrls.exchanges);
  const { upstreams } = venues;
  return {
    ...venues,
    upstreams: {
      ...upstreams,
      coingecko: { ...upstreams.coingecko, baseUrl: baseUrls.coingecko, apiKey: undefined, plan: 'public' },
      defillama: { ...upstreams.defillama, baseUrl: baseUrls.defillama },
      coindesk: { ...upstreams.coindesk, baseUrl: baseUrls.coindesk, apiKey: undefined },
      deribit: { ...upstreams.deribit, baseUrl: baseUrls.deribit },
      // the simulator serves Binance spot (/api/v3) and USD-M futures (/fapi/v1) from one mount
      binance: { spotBaseUrl: baseUrls.binance, futuresBaseUrl: baseUrls.binance },
    },
    dex: {
      ...config.dex,
      // each simulated chain's JSON-RPC; in sandbox mode with no DEX_POOLS (nor DEX_POOLS_FILE), the simulated pools are tracked
      rpcUrls: Object.fromEntries(SIMULATED_CHAINS.map((chain) => [chain.name, `${baseUrls.evm}/${chain.name}`])),
      pools: config.dex.pools.length === 0 && !config.dex.poolsFile && config.marketData.mode === MarketDataMode.Sandbox ? SANDBOX_DEX_POOLS : config.dex.pools,
    },
  };
}

/** The simulator's pools (one per Swap event variant), all quoted in a USD stablecoin. */
export const SANDBOX_DEX_POOLS: DexPoolConfig[] = SIMULATED_CHAINS.flatMap((chain) =>
  chain.pools.map((pool) => ({ chain: chain.name, pool: pool.address, currency: 'USD', quoteToken: pool.quoteIndex === 0 ? ('token0' as const) : ('token1' as const) })),
);

/** Where `SPREADS_SOURCE=simulated` finds the spreads venues (and GeckoTerminal): the simulator's `/exchanges` root. */
export function withSimulatedVenues(config: GatewayConfig, exchangesBaseUrl: string): GatewayConfig {
  return {
    ...config,
    spreads: { ...config.spreads, simulatedVenuesUrl: exchangesBaseUrl },
    // the same GeckoTerminal client, on the simulator's pools: it has no rate limit, and the DEX legs are read every tick
    upstreams: { ...config.upstreams, geckoterminal: { baseUrl: `${exchangesBaseUrl}/api.geckoterminal.com/api/v2`, callsPerMinute: 60_000 } },
  };
}
