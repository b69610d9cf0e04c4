import type Redis from 'ioredis';
import { groupCommit } from '@app/storage';
import { RedisReplayGuard, type SignatureUse } from '../signing/replay-guard';
import type { CounterResult, MeteredConsumer, PointsCounter } from './points-meter';

/** ARGV values per charge in TRY_ADD_ALL */
const ARGS_PER_CHARGE = 6;

// The charges of a batch in one script, in arrival order, each exactly as it would run alone: Redis runs the script
// atomically, so replicas can't interleave between a read and its write. Per charge, ARGV holds: the index in KEYS of
// its points key, of its signature's key (0: none), then cost, quota, the points key's expiry (epoch ms) and the
// signature's TTL (ms). A signature is spent first (SET NX); already there, nothing is added: {-1, 0}, a replay.
// Otherwise {1, used after} when the cost fit the quota, {0, used} when not. One flat list of pairs comes back.
const TRY_ADD_ALL = `
local results = {}
for at = 0, #ARGV - ${ARGS_PER_CHARGE}, ${ARGS_PER_CHARGE} do
  local points = KEYS[tonumber(ARGV[at + 1])]
  local signature = tonumber(ARGV[at + 2])
  if signature > 0 and not redis.call('SET', KEYS[signature], '1', 'PX', ARGV[at + 6], 'NX') then
    results[#results + 1] = -1
    results[#results + 1] = 0
  else
    local used = tonumber(redis.call('GET', points) or '0')
    local cost = tonumber(ARGV[at + 3])
    if used + cost > tonumber(ARGV[at + 4]) then
      results[#results + 1] = 0
    else
      used = redis.call('INCRBY', points, cost)
      redis.call('PEXPIREAT', points, ARGV[at + 5])
      results[#results + 1] = 1
    end
    results[#results + 1] = used
  end
end
return results
`;

/** ioredis runs a defined command as EVALSHA (the script's text is sent only when Redis does not have it yet) */
const COMMAND = 'gatewayPointsTryAddAll';
type TryAddAll = (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<number[]>;

interface Charge {
  pointsKey: string;
  signatureKey?: string;
  cost: number;
  quota: number;
  expireAt: number;
  signatureTtlMs: number;
}

/**
 * Usage in Redis, one key per consumer and period, expiring a day after the period ends. Concurrent charges go as one
 * script call (a group commit, `groupCommit`, as the SQL counter does): one round trip and one write for every call
 * that arrived while the previous batch ran, instead of one each.
 */
export class RedisPointsCounter implements PointsCounter {
  private readonly charges = groupCommit<Charge, CounterResult>((charges) => this.tryAddAll(charges));

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'api:points:',
    /** the replay guard the verifier uses: `tryAdd` spends signatures under its keys, in the charge's own script */
    private readonly replays?: RedisReplayGuard,
  ) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: TRY_ADD_ALL });
  }

  async tryAdd(consumer: MeteredConsumer, periodStart: number, periodEnd: number, cost: number, quota: number, spending?: SignatureUse): Promise<CounterResult> {
    if (spending && !this.replays) throw new Error('RedisPointsCounter: no replay guard to spend signatures with');
    return this.charges.load({
      pointsKey: this.key(consumer, periodStart),
      signatureKey: spending && this.replays!.keyOf(spending),
      cost,
      quota,
      expireAt: Math.max(periodEnd, Date.now()) + 86_400_000,
      signatureTtlMs: spending ? RedisReplayGuard.ttlMs(spending) : 0,
    });
  }

  async used(consumer: MeteredConsumer, periodStart: number): Promise<number> {
    return Number((await this.redis.get(this.key(consumer, periodStart))) ?? 0);
  }

  private async tryAddAll(charges: readonly Charge[]): Promise<CounterResult[]> {
    // each key once in KEYS (a batch's calls mostly share their consumer's points key)
    const keys: string[] = [];
    const indexOf = new Map<string, number>();
    const keyIndex = (key: string): number => {
      let index = indexOf.get(key);
      if (index === undefined) indexOf.set(key, (index = keys.push(key)));
      return index;
    };
    const args: Array<string | number> = [];
    for (const charge of charges) {
      args.push(keyIndex(charge.pointsKey), charge.signatureKey ? keyIndex(charge.signatureKey) : 0, charge.cost, charge.quota, charge.expireAt, charge.signatureTtlMs);
    }
    const pairs = await (this.redis as unknown as Record<typeof COMMAND, TryAddAll>)[COMMAND](keys.length, ...keys, ...args);
    return charges.map((_, i): CounterResult => {
      const added = Number(pairs[2 * i]);
      if (added === -1) return { added: false, replayed: true };
      return { added: added === 1, used: Number(pairs[2 * i + 1]) };
    });
  }

  // the trace, not the id: ids restart at 1 in every database, and one Redis may serve several
  private key(consumer: MeteredConsumer, periodStart: number): string {
    return `${this.prefix}${consumer.trace ?? consumer.id}:${periodStart}`;
  }
}
