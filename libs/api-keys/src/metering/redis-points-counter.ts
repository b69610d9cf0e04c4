import type Redis from 'ioredis';
import type { ReplayGuard, SignatureUse } from '../signing/replay-guard';
import type { CounterResult, MeteredConsumer, PointsCounter } from './points-meter';

// check-and-add in one script: Redis runs it atomically, so replicas can't interleave between read and write
const TRY_ADD = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {1, used}
`;

/** Usage in Redis, one key per consumer and period, expiring a day after the period ends. */
export class RedisPointsCounter implements PointsCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'api:points:',
    /** spends the signatures of `tryAdd` (the `RedisReplayGuard` the verifier uses): a round trip each, first */
    private readonly replays?: ReplayGuard,
  ) {}

  async tryAdd(consumer: MeteredConsumer, periodStart: number, periodEnd: number, cost: number, quota: number, spending?: SignatureUse): Promise<CounterResult> {
    if (spending) {
      if (!this.replays) throw new Error('RedisPointsCounter: no replay guard to spend signatures with');
      if (!(await this.replays.firstUse(spending.consumerId, spending.signature, spending.expiresAtMs, spending.now))) return { added: false, replayed: true };
    }
    const [added, used] = (await this.redis.eval(TRY_ADD, 1, this.key(consumer, periodStart), cost, quota, Math.max(periodEnd, Date.now()) + 86_400_000)) as [number, number];
    return { added: added === 1, used: Number(used) };
  }

  async used(consumer: MeteredConsumer, periodStart: number): Promise<number> {
    return Number((await this.redis.get(this.key(consumer, periodStart))) ?? 0);
  }

  // the trace, not the id: ids restart at 1 in every database, and one Redis may serve several
  private key(consumer: MeteredConsumer, periodStart: number): string {
    return `${this.prefix}${consumer.trace ?? consumer.id}:${periodStart}`;
  }
}
