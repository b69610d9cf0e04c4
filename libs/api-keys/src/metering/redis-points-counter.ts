import type Redis from 'ioredis';
import { RedisReplayGuard, type SignatureUse } from '../signing/replay-guard';
import type { CounterResult, MeteredConsumer, PointsCounter } from './points-meter';

// check-and-add in one script: Redis runs it atomically, so replicas can't interleave between read and write.
// KEYS[2], when given: the call's signature, spent first (SET NX); already there, nothing is added (-1: a replay)
const TRY_ADD = `
if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'PX', ARGV[4], 'NX') then return {-1, 0} end
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
    /** the replay guard the verifier uses: `tryAdd` spends signatures under its keys, in the charge's own script */
    private readonly replays?: RedisReplayGuard,
  ) {}

  async tryAdd(consumer: MeteredConsumer, periodStart: number, periodEnd: number, cost: number, quota: number, spending?: SignatureUse): Promise<CounterResult> {
    if (spending && !this.replays) throw new Error('RedisPointsCounter: no replay guard to spend signatures with');
    const keys = [this.key(consumer, periodStart), ...(spending ? [this.replays!.keyOf(spending)] : [])];
    const expireAt = Math.max(periodEnd, Date.now()) + 86_400_000;
    const args = [cost, quota, expireAt, ...(spending ? [RedisReplayGuard.ttlMs(spending)] : [])];
    const [added, used] = (await this.redis.eval(TRY_ADD, keys.length, ...keys, ...args)) as [number, number];
    if (added === -1) return { added: false, replayed: true };
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
