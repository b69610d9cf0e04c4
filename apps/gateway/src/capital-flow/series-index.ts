import { FlowMarket, FlowPoint, PointSeries } from './point-series';
import type { SeriesKey, StoredPoint } from './point-store';
import type { SeriesLookup } from './snapshot';

const keyOf = (vsTokenId: number, market: FlowMarket, windowMinutes: number) => `${vsTokenId}:${market}:${windowMinutes}`;

/** Every retained series in memory (≤ 100 points each): snapshots are served from here, never from SQL. */
export class SeriesIndex {
  private readonly series = new Map<string, PointSeries>();
  /** bumped by every change: what was built from the index before is stale once it moves */
  private changes = 0;

  get version(): number {
    return this.changes;
  }

  get(key: SeriesKey): PointSeries | undefined {
    return this.series.get(keyOf(key.vsTokenId, key.market, key.windowMinutes));
  }

  latestTime(key: SeriesKey): number | undefined {
    return this.get(key)?.latest?.time;
  }

  add(key: SeriesKey, points: readonly FlowPoint[]): void {
    this.changes++;
    const id = keyOf(key.vsTokenId, key.market, key.windowMinutes);
    let series = this.series.get(id);
    if (!series) this.series.set(id, (series = new PointSeries()));
    for (const point of points) series.put(point);
  }

  /** Replaces everything with what the store holds (a replica that does not ingest follows the one that does). */
  replaceAll(points: readonly StoredPoint[]): void {
    this.changes++;
    this.series.clear();
    this.load(points);
  }

  load(points: readonly StoredPoint[]): void {
    for (const { time, inflow, amount, ...key } of points) this.add(key, [{ time, inflow, amount }]);
  }

  lookupFor(vsTokenId: number): SeriesLookup {
    return (market, window) => this.series.get(keyOf(vsTokenId, market, window.minutes));
  }
}
