import { Inject, Injectable } from '@nestjs/common';
import { assertFence, type LeadershipTerm } from '@app/cluster';
import { DATABASE, type Database } from '@app/storage';
import type { DepegEvent } from './depeg-detector';

/** Which event log: events depend on the peg type and the detection threshold. */
export interface DepegLogKey {
  pegType: string;
  /** threshold in basis points (0.01 → 100) */
  thresholdBp: number;
}

/** A live episode not seen for this long is over (the stream refreshes every 10 min; a restart may take a while). */
export const EPISODE_GAP_SECONDS = 2 * 3600;
const DAY_SECONDS = 86_400;

export function thresholdToBp(threshold: number): number {
  return Math.round(threshold * 10_000);
}

/**
 * Persisted depeg events (table `depeg_events`, migration 030): the history survives restarts and keeps growing
 * beyond the days DefiLlama's live data covers. Postgres or embedded PGlite, same SQL.
 */
@Injectable()
export class DepegEventStore {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Live episodes still open (seen within EPISODE_GAP_SECONDS): DefiLlama id → start. */
  async openEpisodes(key: DepegLogKey, now: number): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ stablecoin_id: string; started_at: string | number }>(
      `select stablecoin_id, started_at from depeg_events
        where peg_type = $1 and threshold_bp = $2 and event_type = 'current' and last_seen_at >= $3`,
      [key.pegType, key.thresholdBp, now - EPISODE_GAP_SECONDS],
    );
    return new Map(rows.map((row) => [row.stablecoin_id, Number(row.started_at)]));
  }

  /**
   * Upserts the detected events. With `liveObserved` (live prices were read this time), open episodes whose coin
   * is no longer beyond the threshold are closed; episodes not seen for EPISODE_GAP_SECONDS are closed either way.
   * Only the `depeg` leader writes: `term` is fenced first in the transaction (an old term's write rolls back whole).
   */
  async save(key: DepegLogKey, events: readonly DepegEvent[], now: number, liveObserved: boolean, term: Pick<LeadershipTerm, 'role' | 'token'>): Promise<void> {
    const items = events.map((event) => ({
      event,
      last_seen: event.event_type === 'current' ? now : Math.round(event.timestamp + (event.duration / 1_440) * DAY_SECONDS),
    }));
    await this.db.transaction(async (tx) => {
      await assertFence(tx, term);
      // one statement for the whole batch (the detector already de-duplicated the keys)
      await tx.query(
        `insert into depeg_events (peg_type, threshold_bp, stablecoin_id, started_at, event_type, last_seen_at, event)
         select $1::text, $2::integer, item->'event'->>'stablecoin_id', (item->'event'->>'timestamp')::bigint, item->'event'->>'event_type',
                (item->>'last_seen')::bigint, item->'event'
           from jsonb_array_elements($3::jsonb) as item
         on conflict (peg_type, threshold_bp, stablecoin_id, started_at) do update
           set event_type = excluded.event_type, last_seen_at = greatest(depeg_events.last_seen_at, excluded.last_seen_at),
               event = excluded.event, updated_at = now()
         -- a daily run re-detected later must not overwrite (nor close) the richer live record of the same episode
         where not (depeg_events.event_type = 'current' and excluded.event_type = 'historical' and depeg_events.last_seen_at >= $4)`,
        [key.pegType, key.thresholdBp, JSON.stringify(items), now - EPISODE_GAP_SECONDS],
      );
      const stillCurrent = events.filter((event) => event.event_type === 'current').map((event) => `${event.stablecoin_id}|${event.timestamp}`);
      await tx.query(
        `update depeg_events
            set event_type = 'historical', event = jsonb_set(event, '{event_type}', '"historical"'), updated_at = now()
          where peg_type = $1 and threshold_bp = $2 and event_type = 'current'
            and (last_seen_at < $3 or ($4::boolean and not ((stablecoin_id || '|' || started_at::text) = any($5::text[]))))`,
        [key.pegType, key.thresholdBp, now - EPISODE_GAP_SECONDS, liveObserved, stillCurrent],
      );
    });
  }

  /** Events of the log that started at or after `since` (unix s): the rows of the window that starts there. */
  /** The logs (peg type + threshold) that recorded an episode seen since `since` (unix s): what the leader keeps recording. */
  async activeLogs(since: number, limit = 50): Promise<DepegLogKey[]> {
    const { rows } = await this.db.query<{ peg_type: string; threshold_bp: number }>(
      'select distinct peg_type, threshold_bp from depeg_events where last_seen_at >= $1 order by peg_type, threshold_bp limit $2',
      [since, limit],
    );
    return rows.map((row) => ({ pegType: row.peg_type, thresholdBp: Number(row.threshold_bp) }));
  }

  async recent(key: DepegLogKey, since: number): Promise<DepegEvent[]> {
    const { rows } = await this.db.query<{ event: DepegEvent | string }>(
      `select event from depeg_events where peg_type = $1 and threshold_bp = $2 and started_at >= $3`,
      [key.pegType, key.thresholdBp, since],
    );
    return rows.map((row) => (typeof row.event === 'string' ? (JSON.parse(row.event) as DepegEvent) : row.event));
  }
}
