/** How to read and rewrite the timestamp (epoch ms) of one point of a recorded series. */
export interface TimeAccessor<T> {
  getMs(point: T): number;
  withMs(point: T, ms: number): T;
}

// The accessors below are generic in the point type so extra fields of a point survive the shift with their types.

/** CoinGecko market charts: `[unixMs, value]` pairs. */
export const unixMsPairTime = {
  getMs: (point: readonly [number, number | null]): number => point[0],
  withMs: <T extends readonly [number, number | null]>(point: T, ms: number): T => [ms, point[1]] as unknown as T,
};

/** DefiLlama stablecoin charts: `{ date: "<unix seconds as a string>" }`. */
export const unixSecondsStringDateTime = {
  getMs: (point: { date: string }): number => Number(point.date) * 1000,
  withMs: <T extends { date: string }>(point: T, ms: number): T => ({ ...point, date: String(Math.floor(ms / 1000)) }),
};

/** DefiLlama `/stablecoin/{id}` tokens and `/stablecoinprices`: `{ date: <unix seconds> }`. */
export const unixSecondsDateTime = {
  getMs: (point: { date: number }): number => point.date * 1000,
  withMs: <T extends { date: number }>(point: T, ms: number): T => ({ ...point, date: Math.floor(ms / 1000) }),
};

/** Moves every point of a series by `deltaMs`, keeping values and spacing. */
export function shiftSeries<T>(points: readonly T[], deltaMs: number, time: TimeAccessor<NoInfer<T>>): T[] {
  return points.map((point) => time.withMs(point, time.getMs(point) + deltaMs));
}

/**
 * The shift that moves a recorded series so its last point lands at `endMs`. With `alignToMs` the end is first
 * floored to that grid (daily series sit on 00:00 UTC, so a shifted daily series must too).
 * Use one delta for sibling series (prices, market_caps, total_volumes) so they stay aligned with each other.
 */
export function shiftToEndDelta(lastPointMs: number, endMs: number, alignToMs?: number): number {
  const target = alignToMs ? Math.floor(endMs / alignToMs) * alignToMs : endMs;
  return target - lastPointMs;
}

/** Shifts a recorded series so it ends at `endMs` (typically now). An empty series is returned as is. */
export function shiftSeriesToEnd<T>(points: readonly T[], endMs: number, time: TimeAccessor<NoInfer<T>>, alignToMs?: number): T[] {
  if (points.length === 0) return [];
  const lastMs = points.reduce((latest, point) => Math.max(latest, time.getMs(point)), -Infinity);
  return shiftSeries(points, shiftToEndDelta(lastMs, endMs, alignToMs), time);
}
