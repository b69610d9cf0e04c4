import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';

export interface SharedConnectionCountsOptions {
  /** this replica (`REPLICA_ID`) */
  replicaId: string;
  /** `REDIS_KEY_PREFIX` + `ws:` */
  keyPrefix: string;
  /** this replica's counts are re-written this often (default 5 s) ... */
  heartbeatMs?: number;
  /** ... and vanish this long after its last heartbeat (default 3 heartbeats): a dead replica's counts go with it */
  ttlMs?: number;
}

// KEYS: the replicas set. ARGV: the prefix of the per-replica hashes, the IP. The sum over live replicas; a replica
// whose hash expired (no heartbeat: dead) leaves the set.
const COUNT = `
local total = 0
for _, replica in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local hash = ARGV[1] .. replica
  if redis.call('EXISTS', hash) == 1 then
    total = total + tonumber(redis.call('HGET', hash, ARGV[2]) or '0')
  else
    redis.call('SREM', KEYS[1], replica)
  end
end
return total
`;

// KEYS: this replica's hash, the replicas set. ARGV: IP, delta, ttl ms, replica id.
const CHANGE = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return left
`;

/**
 * WebSocket connections per client IP summed over the cluster (`WS_MAX_CONNECTIONS_PER_IP` with `REDIS_URL`).
 * Each replica keeps its own counts in a Redis hash `<prefix>ip:<replica>` (IP → connections), changed at each
 * open and close and re-written whole at each heartbeat from the process's own counts (which stay the truth: a
 * change lost to a Redis outage is repaired by the next heartbeat). The hash expires without heartbeats, so a
 * killed replica's connections stop counting within `ttlMs`. The cap is checked on the upgrade; concurrent upgrades
 * on several replicas may pass it by the few in flight (as with one process's admit-then-register).
 */
export class SharedConnectionCounts {
  private readonly logger = new Logger('ConnectionCounts');
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private job?: ScheduledJob;
  private lastWarned = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: SharedConnectionCountsOptions,
    private readonly jobs = JobScheduler.detached(),
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.ttlMs = options.ttlMs ?? this.heartbeatMs * 3;
  }

  /** Starts the heartbeat that re-writes this replica's counts from `local` (the process's own counts). */
  start(local: () => ReadonlyMap<string, number>): void {
    if (this.job) return;
    const beat = () => void this.rewrite(local()).catch((error: Error) => this.warn(`heartbeat: ${error.message}`));
    beat();
    this.job = this.jobs.every('realtime.connection-counts', this.heartbeatMs, beat);
  }

  /** The connections of `ip` on every live replica, this one included. */
  async count(ip: string): Promise<number> {
    return Number(await this.redis.eval(COUNT, 1, this.replicasKey, this.hashPrefix, ip));
  }

  /** One connection of `ip` opened (+1) or closed (-1) here; a failure is repaired by the next heartbeat. */
  change(ip: string, delta: 1 | -1): void {
    this.redis.eval(CHANGE, 2, this.hashKey, this.replicasKey, ip, delta, this.ttlMs, this.options.replicaId).catch((error: Error) => this.warn(`change: ${error.message}`));
  }

  /** Stops the heartbeat and removes this replica's counts (graceful shutdown: they stop counting at once). */
  async close(): Promise<void> {
    this.job?.stop();
    this.job = undefined;
    await this.redis.multi().del(this.hashKey).srem(this.replicasKey, this.options.replicaId).exec().catch(() => undefined);
  }

  private async rewrite(counts: ReadonlyMap<string, number>): Promise<void> {
    const transaction = this.redis.multi().del(this.hashKey);
    if (counts.size > 0) transaction.hset(this.hashKey, Object.fromEntries(counts)).pexpire(this.hashKey, this.ttlMs);
    await transaction.sadd(this.replicasKey, this.options.replicaId).exec();
  }

  private get hashPrefix(): string {
    return `${this.options.keyPrefix}ip:`;
  }

  private get hashKey(): string {
    return `${this.hashPrefix}${this.options.replicaId}`;
  }

  private get replicasKey(): string {
    return `${this.options.keyPrefix}replicas`;
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarned < 30_000) return;
    this.lastWarned = Date.now();
    this.logger.warn(`shared WebSocket counts per IP: ${message}`);
  }
}
