import type { AppConfig } from '@app/config';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { CoinGeckoApi } from './coingecko.api';
import { CoinGeckoCoin, CoinGeckoGlobal, CoinGeckoGlobalResponse } from './coingecko.types';
import { coinProblems, globalProblems } from './coingecko.validation';

export type CoinGeckoSettings = AppConfig['upstreams']['coingecko'];

// The heavy sections of /coins/{id} default to true; the snapshot needs none of them.
const COIN_QUERY = { localization: false, tickers: false, market_data: false, community_data: false, developer_data: false, sparkline: false };

const KEY_HEADER = { public: undefined, demo: 'x-cg-demo-api-key', pro: 'x-cg-pro-api-key' } as const;

/** HTTP settings of CoinGecko from config: the key header matches the plan (a demo key on the pro root fails, and vice versa). */
export function coinGeckoHttpOptions(settings: CoinGeckoSettings): UpstreamHttpClientOptions {
  const header = KEY_HEADER[settings.plan];
  return {
    name: 'coingecko',
    baseUrl: settings.baseUrl,
    headers: header && settings.apiKey ? { [header]: settings.apiKey } : {},
    timeoutMs: 10_000,
    retries: 2,
    budget: { callsPerMinute: settings.callsPerMinute },
  };
}

/** CoinGecko v3 over the shared upstream HTTP client; translates HTTP to typed, shape-checked payloads. */
export class CoinGeckoClient implements CoinGeckoApi {
  constructor(private readonly http: UpstreamHttpClient) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  async getGlobal(): Promise<CoinGeckoGlobal> {
    const response = await this.http.getJson<CoinGeckoGlobalResponse>('/global', {}, { validate: globalProblems });
    return response.data;
  }

  getCoin(id: string): Promise<CoinGeckoCoin> {
    return this.http.getJson<CoinGeckoCoin>(`/coins/${encodeURIComponent(id)}`, COIN_QUERY, { validate: coinProblems });
  }
}
