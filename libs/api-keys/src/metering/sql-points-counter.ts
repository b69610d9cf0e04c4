import { groupCommit, type Database } from '@app/storage';
import type { MeteredConsumer, PointsCounter } from './points-meter';

interface Charge {
  consumerId: number;
  periodStart: number;
  cost: number;
  quota: number;
}

type ChargeResult = { added: boolean; used: number };

/**
 * Usage in Postgres/PGlite (`api_points_usage`). A charge is one conditional upsert: insert the period's row or add
 * to it only `where used + cost <= quota`; no row back = refused. Rows of past periods stay as a usage history.
 *
 * Concurrent charges go as one statement (a group commit, `groupCommit`): the charges of one consumer and period in a
 * batch are added as their sum when the sum fits the quota, each answered with the usage it would have seen charged
 * alone in arrival order. When the sum does not fit (a consumer at the end of its quota), that consumer's charges are
 * made one by one in arrival order, so exactly those that fit pass, as without batching.
 */
export class SqlPointsCounter implements PointsCounter {
  private readonly charges = groupCommit<Charge, ChargeResult>((charges) => this.chargeAll(charges));

  constructor(private readonly db: Database) {}

  tryAdd({ id: consumerId }: MeteredConsumer, periodStart: number, _periodEnd: number, cost: number, quota: number): Promise<ChargeResult> {
    return this.charges.load({ consumerId, periodStart, cost, quota });
  }

  async used({ id: consumerId }: MeteredConsumer, periodStart: number): Promise<number> {
    const { rows } = await this.db.query<{ used: string }>('select used from api_points_usage where consumer_id = $1 and period_start = $2', [consumerId, periodStart]);
    return rows.length === 1 ? Number(rows[0].used) : 0;
  }

  private async chargeAll(charges: readonly Charge[]): Promise<ChargeResult[]> {
    // one group per consumer and period, in arrival order; a group whose charges disagree on the quota (a key's
    // quota changed between two calls) is charged one by one
    const groups = new Map<string, number[]>();
    charges.forEach((charge, index) => {
      const key = `${charge.consumerId}:${charge.periodStart}`;
      const members = groups.get(key);
      if (members) members.push(index);
      else groups.set(key, [index]);
    });
    const summed: { consumerId: number; periodStart: number; total: number; quota: number; members: number[] }[] = [];
    const oneByOne: number[][] = [];
    for (const members of groups.values()) {
      const first = charges[members[0]];
      if (members.some((index) => charges[index].quota !== first.quota)) oneByOne.push(members);
      else summed.push({ consumerId: first.consumerId, periodStart: first.periodStart, total: members.reduce((sum, index) => sum + charges[index].cost, 0), quota: first.quota, members });
    }

    const results: ChargeResult[] = new Array(charges.length);
    if (summed.length > 0) {
      const { rows } = await this.db.query<{ consumer_id: number; period_start: string; used: string }>(
        `with charge (consumer_id, period_start, total, quota) as (
           select * from unnest($1::integer[], $2::bigint[], $3::bigint[], $4::bigint[])
         )
         insert into api_points_usage (consumer_id, period_start, used)
         select consumer_id, period_start, total from charge where total <= quota
         on conflict (consumer_id, period_start)
         do update set used = api_points_usage.used + excluded.used, updated_at = now()
         where api_points_usage.used + excluded.used <= (
           select charge.quota from charge where charge.consumer_id = excluded.consumer_id and charge.period_start = excluded.period_start
         )
         returning consumer_id, period_start, used`,
        [summed.map((group) => group.consumerId), summed.map((group) => group.periodStart), summed.map((group) => group.total), summed.map((group) => group.quota)],
      );
      const usedAfter = new Map(rows.map((row) => [`${row.consumer_id}:${Number(row.period_start)}`, Number(row.used)]));
      for (const group of summed) {
        const after = usedAfter.get(`${group.consumerId}:${group.periodStart}`);
        if (after === undefined) {
          oneByOne.push(group.members);
          continue;
        }
        // each charge answered with the usage right after it, as if the group had been charged in arrival order
        let used = after - group.total;
        for (const index of group.members) {
          used += charges[index].cost;
          results[index] = { added: true, used };
        }
      }
    }
    for (const members of oneByOne) {
      for (const index of members) results[index] = await this.chargeOne(charges[index]);
    }
    return results;
  }

  private async chargeOne({ consumerId, periodStart, cost, quota }: Charge): Promise<ChargeResult> {
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
}
