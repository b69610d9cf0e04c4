import type { AppConfig } from '@app/config';
import { UpstreamBudget } from '../contracts';
import { COINGECKO_API } from '../coingecko/coingecko.api';
import { CoinGeckoClient, coinGeckoHttpOptions } from '../coingecko/coingecko.client';
import { DEFILLAMA_API } from '../defillama/defillama.api';
import { DefiLlamaClient, defiLlamaHttpOptions } from '../defillama/defillama.client';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import type { UpstreamPolicy, UpstreamPolicyOptions } from '../resilience/upstream-policy';
import { GECKOTERMINAL_API } from '../geckoterminal/geckoterminal.api';
import { GeckoTerminalClient, geckoTerminalHttpOptions } from '../geckoterminal/geckoterminal.client';
import { EVM_RPC_API } from '../evm-rpc/evm-rpc.api';
import { EvmRpcClients } from '../evm-rpc/evm-rpc.client';
import { BINANCE_FUTURES_API, BINANCE_SPOT_API } from '../binance/binance.api';
import { BinanceFuturesKlinesClient, BinanceSpotKlinesClient, binanceHttpOptions } from '../binance/binance.client';
import { COINDESK_API } from '../coindesk/coindesk.api';
import { CoinDeskClient, coinDeskHttpOptions } from '../coindesk/coindesk.client';
import { DERIBIT_API } from '../deribit/deribit.api';
import { DeribitClient, deribitHttpOptions } from '../deribit/deribit.client';

/** What building an upstream client may use. */
export interface UpstreamClientContext {
  /** base URLs and keys come from here (in sandbox mode the app points them at the simulator and drops the keys) */
  config: AppConfig;
  /** an `UpstreamHttpClient` with the app's metrics observer and logger already wired in */
  httpClient(options: UpstreamHttpClientOptions): UpstreamHttpClient;
  /** the resilience policy of an upstream whose client does its own HTTP (metrics, timeout, breaker wired in) */
  policy(upstream: string, options?: Omit<UpstreamPolicyOptions, 'upstream'>): UpstreamPolicy;
}

export interface UpstreamClientDefinition<T extends UpstreamBudget = UpstreamBudget> {
  /** the interface token features inject, e.g. `COINGECKO_API` */
  token: symbol;
  /** the class, injectable by itself too */
  type: abstract new (...args: never[]) => T;
  create(context: UpstreamClientContext): T;
}

/**
 * Every upstream provider. Adding an upstream = its client class (+ interface and token) and one entry here;
 * `UpstreamModule` provides and exports each entry and lists it in `UPSTREAM_BUDGETS`.
 */
export const UPSTREAM_CLIENTS: readonly UpstreamClientDefinition[] = [
  {
    token: COINGECKO_API,
    type: CoinGeckoClient,
    create: ({ config, httpClient }) => new CoinGeckoClient(httpClient(coinGeckoHttpOptions(config.upstreams.coingecko))),
  },
  {
    token: DEFILLAMA_API,
    type: DefiLlamaClient,
    create: ({ config, httpClient }) => new DefiLlamaClient(httpClient(defiLlamaHttpOptions(config.upstreams.defillama))),
  },
  {
    token: BINANCE_SPOT_API,
    type: BinanceSpotKlinesClient,
    create: ({ config, httpClient }) => new BinanceSpotKlinesClient(httpClient(binanceHttpOptions(config.upstreams.binance, 'spot'))),
  },
  {
    token: BINANCE_FUTURES_API,
    type: BinanceFuturesKlinesClient,
    create: ({ config, httpClient }) => new BinanceFuturesKlinesClient(httpClient(binanceHttpOptions(config.upstreams.binance, 'futures'))),
  },
  {
    token: COINDESK_API,
    type: CoinDeskClient,
    create: ({ config, httpClient }) => new CoinDeskClient(httpClient(coinDeskHttpOptions(config.upstreams.coindesk))),
  },
  {
    token: DERIBIT_API,
    type: DeribitClient,
    create: ({ config, httpClient }) => new DeribitClient(httpClient(deribitHttpOptions(config.upstreams.deribit))),
  },
  {
    token: GECKOTERMINAL_API,
    type: GeckoTerminalClient,
    create: ({ config, httpClient }) => new GeckoTerminalClient(httpClient(geckoTerminalHttpOptions(config.upstreams.geckoterminal))),
  },
  {
    token: EVM_RPC_API,
    type: EvmRpcClients,
    create: ({ policy }) => new EvmRpcClients(policy('evm-rpc', { retries: 2, timeoutMs: 15_000 })),
  },
];
