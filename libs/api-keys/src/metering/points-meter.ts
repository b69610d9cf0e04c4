import type { PointsPeriodName } from '@app/config';
import { periodBounds } from './points-period';

/** A consumer as the meter needs it: who, and the quota per period. */
export interface MeteredConsumer {
  id: number;
  /** points per period */
  points: number;
  /** stable per-consumer tag that is unique across deployments (`ApiConsumer.trace`): names shared counters (Redis) */
  trace?: string;
}

export interface PointsBalance {
  limit: number;
  remaining: number;
  /** epoch ms when the quota resets */
  resetAt: number;
}

export interface ChargeResult extends PointsBalance {
  /** false: not enough points left; nothing was charged */
  charged: boolean;
  cost: number;
}

/** Where used points are counted: a single atomic "add cost unless it would pass the quota" per call. */
export interface PointsCounter {
  /** adds `cost` to the period's usage unless that would pass `quota`; the usage after (or as it stays) */
  tryAdd(consumer: MeteredConsumer, periodStart: number, periodEnd: number, cost: number, quota: number): Promise<{ added: boolean; used: number }>;
  used(consumer: MeteredConsumer, periodStart: number): Promise<number>;
}

/**
 * Charges points per call against each consumer's quota for the current period (hour/day/week/month, UTC).
 * A call that would go past the quota is refused and costs nothing; concurrent calls never overspend because
 * the counter's check-and-add is one atomic step (a Lua script in Redis, a conditional upsert in SQL).
 */
export class PointsMeter {
  constructor(
    private readonly counter: PointsCounter,
    readonly period: PointsPeriodName,
    private readonly now: () => number = Date.now,
  ) {}

  async charge(consumer: MeteredConsumer, cost: number): Promise<ChargeResult> {
    if (!Number.isInteger(cost) || cost < 0) throw new Error(`cost must be a non-negative integer, got ${cost}`);
    const { start, end } = periodBounds(this.period, this.now());
    if (cost === 0 || cost > consumer.points) {
      // free calls touch no counter; a call dearer than the whole quota can never pass
      const used = await this.counter.used(consumer, start);
      return { charged: cost === 0, cost, ...balance(consumer.points, used, end) };
    }
    const { added, used } = await this.counter.tryAdd(consumer, start, end, cost, consumer.points);
    return { charged: added, cost, ...balance(consumer.points, used, end) };
  }

  async balance(consumer: MeteredConsumer): Promise<PointsBalance> {
    const { start, end } = periodBounds(this.period, this.now());
    return balance(consumer.points, await this.counter.used(consumer, start), end);
  }
}

function balance(limit: number, used: number, resetAt: number): PointsBalance {
  return { limit, remaining: Math.max(0, limit - used), resetAt };
}
