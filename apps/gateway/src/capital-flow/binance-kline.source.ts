import type { BinanceKline, BinanceKlinesApi } from '@app/upstream';
import { parseAmount } from './flow-decimal';
import { FlowSource } from './flow-source';
import { FlowMarket, FlowPoint } from './point-series';
import { TrackedToken } from './tracked-tokens';
import { latestClosedInstant, pointTimeOfKline, RETENTION_POINTS, StatWindow } from './windows';

/**
 * Flows of a closed kline: amount = quote volume, net inflow = taker-buy − taker-sell quote volume
 * = 2 × takerBuyQuoteVolume − quoteVolume (USDT taken as USD), at the instant the kline closes.
 */
export function klineToPoint(kline: BinanceKline, window: StatWindow): FlowPoint {
  const amount = parseAmount(kline.quoteVolume);
  const takerBuy = parseAmount(kline.takerBuyQuoteVolume);
  return { time: pointTimeOfKline(kline.openTime, window), amount, inflow: 2n * takerBuy - amount };
}

/**
 * Binance spot or USD-M klines as a flow source. A window's points come from klines of the same interval (Binance
 * aligns them on the epoch, like our grids), which equal the sums of the 5-minute bars in (T − W, T] and cost one
 * request per 100 points: backfill and the live path are the same call.
 */
export class BinanceKlineSource implements FlowSource {
  readonly venue: string;
  readonly market: FlowMarket;

  constructor(private readonly api: BinanceKlinesApi) {
    this.market = api.market === 'spot' ? 'spot' : 'contract';
    this.venue = api.market === 'spot' ? 'binance' : 'binance-usdm';
  }

  covers(token: TrackedToken): boolean {
    return this.pairOf(token) !== undefined;
  }

  async fetchPoints(token: TrackedToken, window: StatWindow, afterInstant: number | undefined, nowMs: number, signal?: AbortSignal): Promise<FlowPoint[]> {
    const pair = this.pairOf(token);
    const newest = latestClosedInstant(nowMs, window);
    if (!pair) return [];
    const oldestWanted = newest - (RETENTION_POINTS - 1) * window.ms;
    const first = Math.max(afterInstant === undefined ? oldestWanted : afterInstant + window.ms, oldestWanted);
    if (first > newest) return [];
    const count = (newest - first) / window.ms + 1;
    // the kline of the point at T opened at T − W; one more row for the bar still open, which is dropped
    const klines = await this.api.getKlines(pair, window.interval, { startTime: first - window.ms, limit: Math.min(count + 1, 1000) }, { signal });
    return klines
      .filter((kline) => kline.closeTime < nowMs && kline.openTime % window.ms === 0)
      .map((kline) => klineToPoint(kline, window))
      .filter((point) => point.time >= first && point.time <= newest);
  }

  private pairOf(token: TrackedToken): string | undefined {
    return this.market === 'spot' ? token.spotPair : token.futuresPair;
  }
}
