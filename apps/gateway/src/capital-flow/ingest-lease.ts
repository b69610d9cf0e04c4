import type { Database } from '@app/storage';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

/**
 * Which replica ingests: one lease holder fetches and writes, the others reload what it wrote. The holder renews
 * at each pass; a lease not renewed within `ttlMs` (a dead replica) is taken over at the next pass.
 */
export interface IngestLease {
  tryAcquire(): Promise<boolean>;
}

const LEASE_KEY = 'capital-flow:ingest-lease';

export const INGEST_LEASE = Symbol('INGEST_LEASE');

/** Redis when shared: `SET NX PX`, or a renewal by the holder (compare-and-extend in one script). */
export class RedisIngestLease implements IngestLease {
  private readonly owner = randomUUID();
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = 240_000,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const result = await this.redis.eval(
      `local current = redis.call('GET', KEYS[1])
       if current == false or current == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
       return 0`,
      1,
      LEASE_KEY,
      this.owner,
      this.ttlMs,
    );
    return result === 1;
  }
}

/** Postgres/PGlite: one conditional upsert on `service_meta` (free, expired, or already ours). */
export class SqlIngestLease implements IngestLease {
  private readonly owner = randomUUID();
  constructor(
    private readonly db: Database,
    private readonly ttlMs = 240_000,
    private readonly now: () => number = Date.now,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const now = this.now();
    const { rows } = await this.db.query(
      `insert into service_meta (key, value) values ($1, jsonb_build_object('owner', $2::text, 'until', $3::bigint))
       on conflict (key) do update set value = excluded.value, updated_at = now()
       where (service_meta.value->>'until')::bigint < $4 or service_meta.value->>'owner' = $2::text
       returning key`,
      [LEASE_KEY, this.owner, now + this.ttlMs, now],
    );
    return rows.length === 1;
  }
}
