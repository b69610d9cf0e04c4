import type { AppConfig } from '@app/config';

export type UpstreamBaseUrls = Record<'coingecko' | 'defillama' | 'coindesk' | 'deribit', string>;

/** Points every upstream client at the simulator (sandbox mode and tests); keys are dropped, they never leave the machine. */
export function withSimulatedUpstreams(config: AppConfig, baseUrls: UpstreamBaseUrls): AppConfig {
  const { upstreams } = config;
  return {
    ...config,
    upstreams: {
      coingecko: { ...upstreams.coingecko, baseUrl: baseUrls.coingecko, apiKey: undefined, plan: 'public' },
      defillama: { ...upstreams.defillama, baseUrl: baseUrls.defillama },
      coindesk: { ...upstreams.coindesk, baseUrl: baseUrls.coindesk, apiKey: undefined },
      deribit: { ...upstreams.deribit, baseUrl: baseUrls.deribit },
    },
  };
}
