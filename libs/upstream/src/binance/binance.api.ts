import { UpstreamBudget } from '../contracts';
import type { BinanceKline } from './binance.schemas';

/** Injection tokens of the two Binance kline providers (separate hosts, separate budgets). */
export const BINANCE_SPOT_API = Symbol('BINANCE_SPOT_API');
export const BINANCE_FUTURES_API = Symbol('BINANCE_FUTURES_API');

/** Interval names Binance accepts for klines (those aligned to the Unix epoch). */
export type BinanceInterval = '1m' | '3m' | '5m' | '15m' | '30m' | '1h' | '2h' | '4h' | '6h' | '8h' | '12h' | '1d';

export interface BinanceKlineQuery {
  startTime?: number;
  endTime?: number;
  /** default 500 on Binance; spot caps at 1000, USD-M at 1500 */
  limit?: number;
}

/** Binance klines as the features see them: spot `GET /api/v3/klines` or USD-M futures `GET /fapi/v1/klines`. Uncached. */
export interface BinanceKlinesApi extends UpstreamBudget {
  readonly market: 'spot' | 'futures';
  /** rows oldest first; the last one may be the bar still open (closeTime in the future) */
  /** `signal` aborts the call (retries and budget waits included), e.g. at shutdown */
  getKlines(symbol: string, interval: BinanceInterval, query?: BinanceKlineQuery, options?: { signal?: AbortSignal }): Promise<BinanceKline[]>;
}
