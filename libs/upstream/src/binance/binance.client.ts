import type { AppConfig } from '@app/config';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { BinanceInterval, BinanceKlineQuery, BinanceKlinesApi } from './binance.api';
import { BinanceKline, binanceKlineRowSchema, binanceKlinesSchema } from './binance.schemas';

type Market = BinanceKlinesApi['market'];

const KLINES_PATH: Record<Market, string> = { spot: '/api/v3/klines', futures: '/fapi/v1/klines' };

/**
 * Request budgets well inside Binance's weight limits (spot 6000/min, USD-M 2400/min; a klines call weighs 1–5),
 * so a backfill burst never earns a 429/418 ban.
 */
const CALLS_PER_MINUTE: Record<Market, number> = { spot: 600, futures: 300 };

export function binanceHttpOptions(settings: AppConfig['upstreams']['binance'], market: Market): UpstreamHttpClientOptions {
  return {
    name: market === 'spot' ? 'binance-spot' : 'binance-futures',
    baseUrl: market === 'spot' ? settings.spotBaseUrl : settings.futuresBaseUrl,
    timeoutMs: 10_000,
    retries: 2,
    budget: { callsPerMinute: CALLS_PER_MINUTE[market], maxWaitMs: 30_000 },
  };
}

/** Binance klines over the shared upstream HTTP client: the zod schema checks the row layout and names the columns. */
export class BinanceKlinesClient implements BinanceKlinesApi {
  constructor(
    private readonly http: UpstreamHttpClient,
    readonly market: Market,
  ) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  async getKlines(symbol: string, interval: BinanceInterval, query: BinanceKlineQuery = {}, options: { signal?: AbortSignal } = {}): Promise<BinanceKline[]> {
    return this.http.getJson(KLINES_PATH[this.market], { symbol, interval, ...query }, { schema: binanceKlinesSchema, signal: options.signal });
  }
}

/** One recorded or raw row, named (throws a ZodError when it does not have the documented layout). */
export function parseKlineRow(row: readonly unknown[]): BinanceKline {
  return binanceKlineRowSchema.parse(row);
}

/** Spot klines (api.binance.com). A class per market so each can be injected by type too. */
export class BinanceSpotKlinesClient extends BinanceKlinesClient {
  constructor(http: UpstreamHttpClient) {
    super(http, 'spot');
  }
}

/** USD-M perpetual futures klines (fapi.binance.com). */
export class BinanceFuturesKlinesClient extends BinanceKlinesClient {
  constructor(http: UpstreamHttpClient) {
    super(http, 'futures');
  }
}
