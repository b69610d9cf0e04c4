import { groupCommit, type Database } from '@app/storage';
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
    const result = await this.redis.set(this.keyOf({ consumerId, signature }), '1', 'PX', RedisReplayGuard.ttlMs({ expiresAtMs, now: nowMs }), 'NX');
    return result === 'OK';
  }

  /** the key a spent signature is kept under (also set by `RedisPointsCounter`, in its charge script) */
  keyOf(use: Pick<SignatureUse, 'consumerId' | 'signature'>): string {
    return `${this.prefix}${use.consumerId}:${use.signature.toLowerCase()}`;
  }

  static ttlMs(use: Pick<SignatureUse, 'expiresAtMs' | 'now'>): number {
    return Math.max(1, use.expiresAtMs - use.now);
  }
}

/** One signed request's signature, to be spent once: by the replay guard, or with the call's charge (PointsCounter) */
export interface SignatureUse {
  consumerId: number;
  /** lower-case hex */
  signature: string;
  /** kept until then: past it the timestamp check refuses the request anyway */
  expiresAtMs: number;
  /** the verifier's clock when it checked the request */
  now: number;
}

/** the key a signature is unique under (per consumer) */
export const signatureKey = (use: Pick<SignatureUse, 'consumerId' | 'signature'>): string => `${use.consumerId}:${use.signature}`;

/**
 * Postgres/PGlite: a primary-key insert decides; expired rows are swept now and then. Concurrent calls are written
 * as one multi-row insert (a group commit, `groupCommit`): one statement per round trip, not one per request.
 */
export class SqlReplayGuard implements ReplayGuard {
  private lastSweep = 0;
  private readonly uses = groupCommit<SignatureUse, boolean>((uses) => this.insertAll(uses));

  constructor(
    private readonly db: Database,
    private readonly sweepEveryMs = 10_000,
  ) {}

  firstUse(consumerId: number, signature: string, expiresAtMs: number, now: number): Promise<boolean> {
    return this.uses.load({ consumerId, signature: signature.toLowerCase(), expiresAtMs, now });
  }

  /** deletes expired signatures, at most once per `sweepEveryMs` (also called by writers that spend signatures themselves) */
  async sweepIfDue(now: number): Promise<void> {
    if (now - this.lastSweep <= this.sweepEveryMs) return;
    this.lastSweep = now;
    await this.db.query('delete from api_signed_requests where expires_at < $1', [now]);
  }

  private async insertAll(uses: readonly SignatureUse[]): Promise<boolean[]> {
    const now = Math.min(...uses.map((use) => use.now));
    await this.sweepIfDue(now);
    // a signature twice in one batch: the first goes to the insert, the second is a replay (one statement cannot
    // insert a key twice)
    const keys = uses.map(signatureKey);
    const firstOf = new Map<string, number>();
    keys.forEach((key, index) => {
      if (!firstOf.has(key)) firstOf.set(key, index);
    });
    const distinct = [...firstOf.values()].map((index) => uses[index]);
    // an expired row left by a late sweep is reused, not counted as a replay
    const { rows } = await this.db.query<{ consumer_id: number; signature: string }>(
      `insert into api_signed_requests (consumer_id, signature, expires_at)
       select * from unnest($1::integer[], $2::text[], $3::bigint[])
       on conflict (consumer_id, signature) do update set expires_at = excluded.expires_at
       where api_signed_requests.expires_at < $4
       returning consumer_id, signature`,
      [distinct.map((use) => use.consumerId), distinct.map((use) => use.signature), distinct.map((use) => use.expiresAtMs), now],
      { prepareAs: 'api-keys:spend' },
    );
    const inserted = new Set(rows.map((row) => signatureKey({ consumerId: row.consumer_id, signature: row.signature })));
    return keys.map((key, index) => firstOf.get(key) === index && inserted.has(key));
  }
}
