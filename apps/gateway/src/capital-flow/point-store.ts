import { assertFence, type LeadershipTerm } from '@app/cluster';
import type { Database } from '@app/storage';
import { formatAmount, parseAmount } from './flow-decimal';
import { FlowMarket, FlowPoint } from './point-series';
import { RETENTION_POINTS } from './windows';

/** Identifies one series: a token's market and window. */
export interface SeriesKey {
  vsTokenId: number;
  market: FlowMarket;
  windowMinutes: number;
}

export interface StoredPoint extends SeriesKey, FlowPoint {}

interface PointRow {
  vs_token_id: number;
  market: FlowMarket;
  window_minutes: number;
  point_time: string;
  trade_inflow: string;
  trade_amount: string;
}

/** Points in Postgres/PGlite: written as they close, pruned to the latest 100 per series, read back at start. */
export class PointStore {
  constructor(private readonly db: Database) {}

  /**
   * Upserts `points` of one series and deletes what falls out of its 100-point retention, in one transaction; with
   * `term`, only while it is the newest capital-flow term (`assertFence` first: an old leader's write rolls back).
   */
  async save(key: SeriesKey, points: readonly FlowPoint[], venues: readonly string[], term?: Pick<LeadershipTerm, 'role' | 'token'>): Promise<void> {
    if (points.length === 0) return;
    const params: unknown[] = [key.vsTokenId, key.market, key.windowMinutes, venues.join(',')];
    const values = points.map((point, i) => {
      params.push(point.time, formatAmount(point.inflow), formatAmount(point.amount));
      const at = 5 + i * 3;
      return `($1, $2, $3, $${at}, $${at + 1}, $${at + 2}, $4)`;
    });
    await this.db.transaction(async (tx) => {
      if (term) await assertFence(tx, term);
      await tx.query(
        `insert into cf_points (vs_token_id, market, window_minutes, point_time, trade_inflow, trade_amount, venues)
         values ${values.join(', ')}
         on conflict (vs_token_id, market, window_minutes, point_time)
         do update set trade_inflow = excluded.trade_inflow, trade_amount = excluded.trade_amount, venues = excluded.venues, updated_at = now()`,
        params,
      );
      await tx.query(
        `delete from cf_points where vs_token_id = $1 and market = $2 and window_minutes = $3 and point_time < (
           select point_time from cf_points where vs_token_id = $1 and market = $2 and window_minutes = $3
           order by point_time desc offset $4 limit 1)`,
        [key.vsTokenId, key.market, key.windowMinutes, RETENTION_POINTS - 1],
      );
    });
  }

  /** Every retained point, oldest first per series (at most 100 × windows × markets × tokens rows). */
  async loadAll(): Promise<StoredPoint[]> {
    const { rows } = await this.db.query<PointRow>(
      `select vs_token_id, market, window_minutes, point_time, trade_inflow::text as trade_inflow, trade_amount::text as trade_amount
       from cf_points order by vs_token_id, market, window_minutes, point_time`,
    );
    return rows.map((row) => ({
      vsTokenId: Number(row.vs_token_id),
      market: row.market,
      windowMinutes: Number(row.window_minutes),
      time: Number(row.point_time),
      inflow: parseAmount(row.trade_inflow),
      amount: parseAmount(row.trade_amount),
    }));
  }
}
