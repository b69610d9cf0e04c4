import { groupCommit, type Database } from '@app/storage';
import { signatureKey, SqlReplayGuard, type SignatureUse } from '../signing/replay-guard';
import type { CounterResult, MeteredConsumer, PointsCounter } from './points-meter';

interface Charge {
  consumerId: number;
  periodStart: number;
  cost: number;
  quota: number;
  spending?: SignatureUse;
}

/**
 * Usage in Postgres/PGlite (`api_points_usage`). A charge is one conditional upsert: insert the period's row or add
 * to it only `where used + cost <= quota`; no row back = refused. Rows of past periods stay as a usage history.
 *
 * Concurrent charges go as one statement (a group commit, `groupCommit`): the charges of one consumer and period in a
 * batch are added as their sum when the sum fits the quota, each answered with the usage it would have seen charged
 * alone in arrival order. When the sum does not fit (a consumer at the end of its quota), that consumer's charges are
 * made one by one in arrival order, so exactly those that fit pass, as without batching.
 *
 * A charge may carry the call's signature (`spending`): the same statement inserts it into the replay guard's table
 * first and adds only the charges whose signature was new, so a signed call costs one write, not two. A signature
 * is spent even when its charge is refused, as when the guard spends it before the charge.
 */
export class SqlPointsCounter implements PointsCounter {
  private readonly charges = groupCommit<Charge, CounterResult>((charges) => this.chargeAll(charges));

  constructor(
    private readonly db: Database,
    /** the replay guard whose table the signatures go to: it sweeps expired ones */
    private readonly signatures = new SqlReplayGuard(db),
  ) {}

  tryAdd({ id: consumerId }: MeteredConsumer, periodStart: number, _periodEnd: number, cost: number, quota: number, spending?: SignatureUse): Promise<CounterResult> {
    return this.charges.load({ consumerId, periodStart, cost, quota, spending: spending && { ...spending, signature: spending.signature.toLowerCase() } });
  }

  async used({ id: consumerId }: MeteredConsumer, periodStart: number): Promise<number> {
    const { rows } = await this.db.query<{ used: string }>('select used from api_points_usage where consumer_id = $1 and period_start = $2', [consumerId, periodStart]);
    return rows.length === 1 ? Number(rows[0].used) : 0;
  }

  private async chargeAll(charges: readonly Charge[]): Promise<CounterResult[]> {
    const results: CounterResult[] = new Array(charges.length);
    // a signature twice in one batch: the first is spent, the others are replays (one statement cannot insert a key twice)
    const spends = new Map<string, SignatureUse>();
    const pending: number[] = [];
    charges.forEach((charge, index) => {
      if (!charge.spending) return void pending.push(index);
      const key = signatureKey(charge.spending);
      if (spends.has(key)) results[index] = { added: false, replayed: true };
      else {
        spends.set(key, charge.spending);
        pending.push(index);
      }
    });

    // one group per consumer and period, in arrival order; a group whose charges disagree on the quota (a key's
    // quota changed between two calls) is charged one by one
    const groups = new Map<string, number[]>();
    for (const index of pending) {
      const key = `${charges[index].consumerId}:${charges[index].periodStart}`;
      const members = groups.get(key);
      if (members) members.push(index);
      else groups.set(key, [index]);
    }
    const summed: number[][] = [];
    const oneByOne: number[][] = [];
    for (const members of groups.values()) {
      const quota = charges[members[0]].quota;
      (members.some((index) => charges[index].quota !== quota) ? oneByOne : summed).push(members);
    }

    const { spent, usedAfter } = await this.write(charges, summed.flat(), [...spends.values()]);
    // a charge goes on when it spends no signature or spent a new one; the others are replays
    for (const index of pending) {
      const spending = charges[index].spending;
      if (spending && !spent.has(signatureKey(spending))) results[index] = { added: false, replayed: true };
    }
    const goesOn = (index: number): boolean => results[index] === undefined;
    for (const group of summed) {
      const members = group.filter(goesOn);
      if (members.length === 0) continue;
      const { consumerId, periodStart } = charges[members[0]];
      const after = usedAfter.get(`${consumerId}:${periodStart}`);
      if (after === undefined) {
        oneByOne.push(members);
        continue;
      }
      // each charge answered with the usage right after it, as if the group had been charged in arrival order
      let used = after - members.reduce((sum, index) => sum + charges[index].cost, 0);
      for (const index of members) {
        used += charges[index].cost;
        results[index] = { added: true, used };
      }
    }
    for (const group of oneByOne) {
      // the signatures of these were spent by the statement above (or the members come from a summed group)
      for (const index of group.filter(goesOn)) results[index] = await this.chargeOne(charges[index]);
    }
    return results;
  }

  /**
   * One statement: spend the signatures, then add each summed group's charges whose signature was new (or that carry
   * none) as their sum where it fits the quota. Answers the signatures spent and each group's usage after.
   */
  private async write(charges: readonly Charge[], summed: readonly number[], spends: readonly SignatureUse[]): Promise<{ spent: Set<string>; usedAfter: Map<string, number> }> {
    const spent = new Set<string>();
    const usedAfter = new Map<string, number>();
    if (summed.length === 0 && spends.length === 0) return { spent, usedAfter };
    const now = spends.length > 0 ? Math.min(...spends.map((use) => use.now)) : Date.now();
    if (spends.length > 0) await this.signatures.sweepIfDue(now);
    const column = <T>(pick: (charge: Charge) => T): T[] => summed.map((index) => pick(charges[index]));
    const { rows } = await this.db.query<{ spent: boolean; consumer_id: number; key: string; used: string | null }>(
      `with spent as (
         insert into api_signed_requests (consumer_id, signature, expires_at)
         select * from unnest($6::integer[], $7::text[], $8::bigint[])
         on conflict (consumer_id, signature) do update set expires_at = excluded.expires_at
         where api_signed_requests.expires_at < $9
         returning consumer_id, signature
       ),
       call (consumer_id, period_start, cost, quota, signature) as (
         select * from unnest($1::integer[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
       ),
       charge as (
         select consumer_id, period_start, sum(cost)::bigint as total, min(quota) as quota from call
         where call.signature is null
            or exists (select 1 from spent where spent.consumer_id = call.consumer_id and spent.signature = call.signature)
         group by consumer_id, period_start
       ),
       charged as (
         insert into api_points_usage (consumer_id, period_start, used)
         select consumer_id, period_start, total from charge where total <= quota
         on conflict (consumer_id, period_start)
         do update set used = api_points_usage.used + excluded.used, updated_at = now()
         where api_points_usage.used + excluded.used <= (
           select charge.quota from charge where charge.consumer_id = excluded.consumer_id and charge.period_start = excluded.period_start
         )
         returning consumer_id, period_start, used
       )
       select true as spent, consumer_id, signature as key, null::bigint as used from spent
       union all
       select false, consumer_id, period_start::text, used from charged`,
      [
        column((charge) => charge.consumerId),
        column((charge) => charge.periodStart),
        column((charge) => charge.cost),
        column((charge) => charge.quota),
        column((charge) => charge.spending?.signature ?? null),
        spends.map((use) => use.consumerId),
        spends.map((use) => use.signature),
        spends.map((use) => use.expiresAtMs),
        now,
      ],
      { prepareAs: 'api-keys:spend-and-charge' },
    );
    for (const row of rows) {
      if (row.spent) spent.add(signatureKey({ consumerId: row.consumer_id, signature: row.key }));
      else usedAfter.set(`${row.consumer_id}:${Number(row.key)}`, Number(row.used));
    }
    return { spent, usedAfter };
  }

  private async chargeOne({ consumerId, periodStart, cost, quota }: Charge): Promise<CounterResult> {
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
