import type { AppConfig } from '@app/config';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { BinanceInterval, BinanceKline, BinanceKlineQuery, BinanceKlinesApi } from './binance.api';

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

/** Binance klines over the shared upstream HTTP client: checks the row layout and names the columns. */
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
    const rows = await this.http.getJson<unknown[][]>(KLINES_PATH[this.market], { symbol, interval, ...query }, { validate: klineRowsProblems, signal: options.signal });
    return rows.map(parseKlineRow);
  }
}

/** `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]` */
export function parseKlineRow(row: readonly unknown[]): BinanceKline {
  return {
    openTime: row[0] as number,
    open: row[1] as string,
    high: row[2] as string,
    low: row[3] as string,
    close: row[4] as string,
    volume: row[5] as string,
    closeTime: row[6] as number,
    quoteVolume: row[7] as string,
    trades: row[8] as number,
    takerBuyBaseVolume: row[9] as string,
    takerBuyQuoteVolume: row[10] as string,
  };
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const COLUMNS: ReadonlyArray<[index: number, name: string, kind: 'int' | 'decimal']> = [
  [0, 'openTime', 'int'],
  [1, 'open', 'decimal'],
  [2, 'high', 'decimal'],
  [3, 'low', 'decimal'],
  [4, 'close', 'decimal'],
  [5, 'volume', 'decimal'],
  [6, 'closeTime', 'int'],
  [7, 'quoteVolume', 'decimal'],
  [8, 'trades', 'int'],
  [9, 'takerBuyBaseVolume', 'decimal'],
  [10, 'takerBuyQuoteVolume', 'decimal'],
];

/** Problems with a klines body (empty when every row has the documented layout). Reports at most 5. */
export function klineRowsProblems(body: unknown): string[] {
  if (!Array.isArray(body)) return [`expected an array of kline rows, got ${body === null ? 'null' : typeof body}`];
  const problems: string[] = [];
  for (let i = 0; i < body.length && problems.length < 5; i++) {
    const row: unknown = body[i];
    if (!Array.isArray(row) || row.length < 11) {
      problems.push(`[${i}]: expected a row of at least 11 columns`);
      continue;
    }
    for (const [index, name, kind] of COLUMNS) {
      const value: unknown = row[index];
      const ok = kind === 'int' ? Number.isSafeInteger(value) : typeof value === 'string' && DECIMAL.test(value);
      if (!ok) problems.push(`[${i}].${name}: expected ${kind === 'int' ? 'an integer' : 'a decimal string'}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
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
