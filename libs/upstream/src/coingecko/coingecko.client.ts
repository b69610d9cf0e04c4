import type { AppConfig } from '@app/config';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { CoinGeckoApi, MarketChartParams, MarketsParams } from './coingecko.api';
import {
  CoinGeckoCoin,
  CoinGeckoGlobal,
  CoinGeckoMarket,
  CoinGeckoMarketChart,
  coinGeckoCoinSchema,
  coinGeckoGlobalResponseSchema,
  coinGeckoMarketChartSchema,
  coinGeckoMarketsSchema,
} from './coingecko.schemas';

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

/** CoinGecko v3 over the shared upstream HTTP client; every body is parsed by its zod schema. */
export class CoinGeckoClient implements CoinGeckoApi {
  constructor(private readonly http: UpstreamHttpClient) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  async getGlobal(): Promise<CoinGeckoGlobal> {
    const response = await this.http.getJson('/global', {}, { schema: coinGeckoGlobalResponseSchema });
    return response.data;
  }

  getCoin(id: string): Promise<CoinGeckoCoin> {
    return this.http.getJson(`/coins/${encodeURIComponent(id)}`, COIN_QUERY, { schema: coinGeckoCoinSchema });
  }

  getMarkets(params: MarketsParams): Promise<CoinGeckoMarket[]> {
    return this.http.getJson(
      '/coins/markets',
      {
        vs_currency: params.vs_currency,
        category: params.category,
        ids: params.ids?.join(','),
        order: 'market_cap_desc',
        per_page: params.per_page ?? 250,
        page: params.page ?? 1,
      },
      { schema: coinGeckoMarketsSchema },
    );
  }

  getMarketChart(id: string, params: MarketChartParams): Promise<CoinGeckoMarketChart> {
    return this.http.getJson(`/coins/${encodeURIComponent(id)}/market_chart`, { vs_currency: params.vs_currency, days: params.days }, { schema: coinGeckoMarketChartSchema });
  }
}
