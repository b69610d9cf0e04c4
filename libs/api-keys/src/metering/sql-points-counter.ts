import type { Database } from '@app/storage';
import type { MeteredConsumer, PointsCounter } from './points-meter';

/**
 * Usage in Postgres/PGlite (`api_points_usage`). The charge is one statement: insert the period's row or add to
 * it only `where used + cost <= quota`; no row back = refused. Rows of past periods stay as a usage history.
 */
export class SqlPointsCounter implements PointsCounter {
  constructor(private readonly db: Database) {}

  async tryAdd({ id: consumerId }: MeteredConsumer, periodStart: number, _periodEnd: number, cost: number, quota: number) {
    const { rows } = await this.db.query<{ used: string }>(
      `insert into api_points_usage (consumer_id, period_start, used) values ($1, $2, $3)
       on conflict (consumer_id, period_start)
       do update set used = api_points_usage.used + excluded.used, updated_at = now()
       where api_points_usage.used + excluded.used <= $4
       returning used`,
      [consumerId, periodStart, cost, quota],
    );
    if (rows.length === 1) return { added: true, used: Number(rows[0].used) };
    return { added: false, used: await this.used({ id: consumerId, points: quota }, periodStart) };
  }

  async used({ id: consumerId }: MeteredConsumer, periodStart: number): Promise<number> {
    const { rows } = await this.db.query<{ used: string }>('select used from api_points_usage where consumer_id = $1 and period_start = $2', [consumerId, periodStart]);
    return rows.length === 1 ? Number(rows[0].used) : 0;
  }
}
