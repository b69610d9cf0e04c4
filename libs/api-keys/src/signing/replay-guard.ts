import type { Database } from '@app/storage';
import type Redis from 'ioredis';

/** Remembers signatures already used, so an exact replay of a signed request is refused. */
export interface ReplayGuard {
  /** true the first time (consumer, signature) is seen before `expiresAtMs`; false for a replay (`nowMs`: the verifier's clock) */
  firstUse(consumerId: number, signature: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/** Redis `SET NX PXAT`: one atomic round trip, shared by every replica. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'api:replay:',
  ) {}

  async firstUse(consumerId: number, signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const ttlMs = Math.max(1, expiresAtMs - nowMs);
    const result = await this.redis.set(`${this.prefix}${consumerId}:${signature.toLowerCase()}`, '1', 'PX', ttlMs, 'NX');
    return result === 'OK';
  }
}

/** Postgres/PGlite: a primary-key insert decides; expired rows are swept now and then. */
export class SqlReplayGuard implements ReplayGuard {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly sweepEveryMs = 10_000,
  ) {}

  async firstUse(consumerId: number, signature: string, expiresAtMs: number, now: number): Promise<boolean> {
    if (now - this.lastSweep > this.sweepEveryMs) {
      this.lastSweep = now;
      await this.db.query('delete from api_signed_requests where expires_at < $1', [now]);
    }
    // an expired row left by a late sweep is reused, not counted as a replay
    const { rowCount } = await this.db.query(
      `insert into api_signed_requests (consumer_id, signature, expires_at) values ($1, $2, $3)
       on conflict (consumer_id, signature) do update set expires_at = excluded.expires_at
       where api_signed_requests.expires_at < $4`,
      [consumerId, signature.toLowerCase(), expiresAtMs, now],
    );
    return rowCount === 1;
  }
}
