import { FlowAmount } from './flow-decimal';
import { RETENTION_POINTS } from './windows';

/** The two markets of the seed: spot (`spotGoodsList`) and derivatives, i.e. perpetual futures (`contractList`). */
export type FlowMarket = 'spot' | 'contract';
export const FLOW_MARKETS: readonly FlowMarket[] = ['spot', 'contract'];

/** The flows of one window ending at `time`: net taker inflow and quote volume, in USD. */
export interface FlowPoint {
  time: number;
  inflow: FlowAmount;
  amount: FlowAmount;
}

/**
 * One window's points, oldest first, holding at most `capacity` (100): adding a newer point evicts the oldest.
 * An older point than the retained range is ignored (it would be evicted at once).
 */
export class PointSeries {
  private readonly items: FlowPoint[] = [];

  constructor(readonly capacity: number = RETENTION_POINTS) {}

  get size(): number {
    return this.items.length;
  }

  get latest(): FlowPoint | undefined {
    return this.items[this.items.length - 1];
  }

  get oldest(): FlowPoint | undefined {
    return this.items[0];
  }

  points(): readonly FlowPoint[] {
    return this.items;
  }

  /** Inserts or replaces the point at `point.time`; returns false when it fell outside the retained range. */
  put(point: FlowPoint): boolean {
    const index = this.indexAtOrBefore(point.time);
    if (index >= 0 && this.items[index].time === point.time) {
      this.items[index] = point;
      return true;
    }
    if (index < 0 && this.items.length >= this.capacity) return false;
    this.items.splice(index + 1, 0, point);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    return true;
  }

  /**
   * The point served for `instant`: the latest at or before it; for an instant older than the retained range, the
   * oldest retained point (the boundary); none when the series is empty.
   */
  pointFor(instant: number): FlowPoint | undefined {
    const index = this.indexAtOrBefore(instant);
    return index >= 0 ? this.items[index] : this.items[0];
  }

  /** index of the last point with time ≤ instant, −1 when none (binary search: the series is sorted) */
  private indexAtOrBefore(instant: number): number {
    let low = 0;
    let high = this.items.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.items[mid].time <= instant) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }
}
