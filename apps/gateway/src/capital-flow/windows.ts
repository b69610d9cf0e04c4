import type { BinanceInterval } from '@app/upstream';

/** A statistical window of the snapshot: its seed label, its length and the Binance kline interval of the same length. */
export interface StatWindow {
  /** seed `timeRange`, e.g. "m5", "h24" */
  label: string;
  /** seed `timeParticleEnum`: the window length in minutes */
  minutes: number;
  ms: number;
  interval: BinanceInterval;
}

const window = (label: string, minutes: number, interval: BinanceInterval): StatWindow => ({ label, minutes, ms: minutes * 60_000, interval });

/** The windows served, finest first (the order of `spotGoodsList` / `contractList`). */
export const STAT_WINDOWS: readonly StatWindow[] = [
  window('m5', 5, '5m'),
  window('m15', 15, '15m'),
  window('m30', 30, '30m'),
  window('h1', 60, '1h'),
  window('h4', 240, '4h'),
  window('h12', 720, '12h'),
  window('h24', 1440, '1d'),
];

export const WINDOW_BY_MINUTES: ReadonlyMap<number, StatWindow> = new Map(STAT_WINDOWS.map((w) => [w.minutes, w]));

/** Each window keeps its latest 100 points (seed "Data retention"). */
export const RETENTION_POINTS = 100;

/** The query step: `date` is floored to whole 5 minutes. */
export const STEP_MS = 5 * 60_000;

/** The seed's timezone. Only the grids of windows that don't divide 8 h (h12, h24) depend on it. */
export const UTC8_OFFSET_MS = 8 * 3_600_000;

/**
 * The grid of a window: instants T with T ≡ 0 (mod window) on the Unix epoch, which is where Binance aligns its
 * klines. In UTC+8 that puts m5…h4 on round local times, h12 at 08:00 and 20:00, and h24 at 08:00 each day
 * (the "same-day 08:00" of the seed's FAQ).
 */
export function floorToGrid(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

export function isOnGrid(ms: number, windowMs: number): boolean {
  return ms % windowMs === 0;
}

/** The queried instant: `date` floored to whole 5 minutes (15:16 → 15:15). */
export function floorToStep(dateMs: number): number {
  return floorToGrid(dateMs, STEP_MS);
}

/**
 * The point of window W at instant T holds the flows of (T − W, T]: the bars that closed in it, i.e. the kline of
 * interval W that opened at T − W. So a closed kline maps to the point at its open time + W.
 */
export function pointTimeOfKline(openTime: number, window: StatWindow): number {
  return openTime + window.ms;
}

/** The newest instant of `window` whose point has closed at `nowMs`. */
export function latestClosedInstant(nowMs: number, window: StatWindow): number {
  return floorToGrid(nowMs, window.ms);
}

/** The oldest instant a full retention of `window` holds when the newest is `latest`. */
export function oldestRetainedInstant(latest: number, window: StatWindow): number {
  return latest - (RETENTION_POINTS - 1) * window.ms;
}

/** "2026-03-16 17:50" in UTC+8, for logs and docs. */
export function formatUtc8(ms: number): string {
  return new Date(ms + UTC8_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
