import type { PointsPeriodName } from '@app/config';
import type { SignatureUse } from '../signing/replay-guard';
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
  /** false: not enough points left, or the signature spent with the charge was used before; nothing was charged */
  charged: boolean;
  cost: number;
  /** true: the signature spent with the charge was used before (`charged` is false) */
  replayed?: boolean;
}

/** The usage after the call (or as it stays), or: the signature to spend with it was already spent (nothing added). */
export type CounterResult = { added: boolean; used: number; replayed?: false } | { added: false; replayed: true };

/** Where used points are counted: a single atomic "add cost unless it would pass the quota" per call. */
export interface PointsCounter {
  /**
   * adds `cost` to the period's usage unless that would pass `quota`. With `spending`, the call's signature is spent
   * first in the same step (SQL: the same statement), and nothing is added when it was spent before.
   */
  tryAdd(consumer: MeteredConsumer, periodStart: number, periodEnd: number, cost: number, quota: number, spending?: SignatureUse): Promise<CounterResult>;
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

  /**
   * `spending`: the signature of the call, spent with the charge (one write instead of two). Only for a charge that
   * reaches the counter (1 point up to the quota): spend it with the replay guard otherwise (`spendsWithCharge`).
   */
  async charge(consumer: MeteredConsumer, cost: number, spending?: SignatureUse): Promise<ChargeResult> {
    if (!Number.isInteger(cost) || cost < 0) throw new Error(`cost must be a non-negative integer, got ${cost}`);
    const reachesCounter = this.spendsWithCharge(consumer, cost);
    if (spending && !reachesCounter) throw new Error(`a charge of ${cost} of ${consumer.points} points cannot spend a signature`);
    const { start, end } = periodBounds(this.period, this.now());
    if (!reachesCounter) {
      // free calls touch no counter; a call dearer than the whole quota can never pass
      const used = await this.counter.used(consumer, start);
      return { charged: cost === 0, cost, ...balance(consumer.points, used, end) };
    }
    const result = await this.counter.tryAdd(consumer, start, end, cost, consumer.points, spending);
    // a replay (rare): the balance as it stays, read apart
    if (result.replayed) return { charged: false, cost, replayed: true, ...balance(consumer.points, await this.counter.used(consumer, start), end) };
    return { charged: result.added, cost, ...balance(consumer.points, result.used, end) };
  }

  /** whether a charge of `cost` reaches the counter, so the call's signature can be spent with it */
  spendsWithCharge(consumer: MeteredConsumer, cost: number): boolean {
    return cost > 0 && cost <= consumer.points;
  }

  async balance(consumer: MeteredConsumer): Promise<PointsBalance> {
    const { start, end } = periodBounds(this.period, this.now());
    return balance(consumer.points, await this.counter.used(consumer, start), end);
  }
}

function balance(limit: number, used: number, resetAt: number): PointsBalance {
  return { limit, remaining: Math.max(0, limit - used), resetAt };
}
