import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/** What the replica holding a feed's lease announces after each refresh (and when it lets the feed go). */
export interface FeedNotice {
  /** the feed key (`<stream>?<canonical params>`) */
  feed: string;
  /** replica id of the holder */
  holder: string;
  /** epoch ms of the holder's next refresh: followers' `adaptive_interval` counts down to it */
  nextRefreshAt: number;
  /** the holder's refresh failed as a whole: frames carry the last good data marked stale with `error` */
  failing?: boolean;
  error?: string;
  /** the holder gave the feed up (no more clients there, or shutdown): followers claim it now */
  released?: boolean;
}

/** The feed leases of the cluster (`REDIS_URL`), or undefined on the embedded default (every feed refreshed here). */
export const FEED_LEASES = Symbol('FEED_LEASES');

export type FeedClaim = { held: true } | { held: false; expiresInMs: number; last?: FeedNotice };

/** Takes the lease (SET NX PX) or renews it when it is ours; else how long the holder's lease still runs and its last notice. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2]) or ''}`;

/** Only while the lease is ours: renew it, keep the notice for replicas joining later, publish it. */
const ANNOUNCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return 1`;

/** Only while the lease is ours: drop it and tell the followers. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/**
 * One lease per feed in Redis, so that one replica of the cluster refreshes each feed: the holder loads it (through
 * the shared upstream cache) and announces each refresh on a pub/sub channel; the other replicas with clients on the
 * feed re-render from the shared cache. A lease expires `ttlMs` after its holder last renewed it; another replica
 * with clients on the feed takes it at its next claim.
 */
export class FeedLeases {
  private readonly logger = new Logger(FeedLeases.name);
  private readonly channel: string;
  private subscriber?: Redis;

  constructor(
    private readonly redis: Redis,
    readonly replicaId: string,
    /** read when used: tests shorten `feedLeaseTtlMs` after the module is built */
    private readonly options: { feedLeaseTtlMs: number },
    private readonly keyPrefix = '',
  ) {
    this.channel = `${keyPrefix}feeds:refreshed`;
  }

  /** how long a lease lives without renewal: the longest a dead holder keeps its feeds */
  get ttlMs(): number {
    return this.options.feedLeaseTtlMs;
  }

  /** Subscribes to the notices of every feed (on a connection of its own). */
  async start(onNotice: (notice: FeedNotice) => void): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', () => undefined); // the shared connection reports outages; ioredis resubscribes
    this.subscriber.on('message', (_channel: string, message: string) => {
      const notice = parseNotice(message);
      if (notice) onNotice(notice);
    });
    await this.subscriber.subscribe(this.channel);
  }

  async claim(feed: string): Promise<FeedClaim> {
    const [held, expiresInMs, last] = (await this.redis.eval(CLAIM, 2, this.leaseKey(feed), this.noticeKey(feed), this.replicaId, this.ttlMs)) as [number, number?, string?];
    if (held === 1) return { held: true };
    return { held: false, expiresInMs: Math.max(0, expiresInMs ?? 0), last: last ? parseNotice(last) : undefined };
  }

  /** Announces a refresh and renews the lease; false when the lease is no longer ours (nothing was announced). */
  async announce(notice: Omit<FeedNotice, 'holder'>): Promise<boolean> {
    const body = JSON.stringify({ ...notice, holder: this.replicaId });
    // kept until the next refresh is due and a lease's life after it, for replicas that join the feed meanwhile
    const keepMs = Math.max(0, Math.round(notice.nextRefreshAt - Date.now())) + this.ttlMs;
    const done = await this.redis.eval(ANNOUNCE, 2, this.leaseKey(notice.feed), this.noticeKey(notice.feed), this.replicaId, this.ttlMs, body, keepMs, this.channel);
    return done === 1;
  }

  /** Gives a feed up (when ours): followers are told and claim it at once. */
  async release(feed: string): Promise<void> {
    const body = JSON.stringify({ feed, holder: this.replicaId, nextRefreshAt: 0, released: true } satisfies FeedNotice);
    await this.redis.eval(RELEASE, 1, this.leaseKey(feed), this.replicaId, this.channel, body);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private leaseKey(feed: string): string {
    return `${this.keyPrefix}feed:${feed}:lease`;
  }

  private noticeKey(feed: string): string {
    return `${this.keyPrefix}feed:${feed}:refreshed`;
  }

  /** Throttled: an outage fails every claim. */
  warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnedAt < 30_000) return;
    this.lastWarnedAt = now;
    this.logger.warn(message);
  }

  private lastWarnedAt = -Infinity;
}

function parseNotice(message: string): FeedNotice | undefined {
  try {
    const notice = JSON.parse(message) as FeedNotice;
    return typeof notice?.feed === 'string' && typeof notice.holder === 'string' && typeof notice.nextRefreshAt === 'number' ? notice : undefined;
  } catch {
    return undefined;
  }
}
