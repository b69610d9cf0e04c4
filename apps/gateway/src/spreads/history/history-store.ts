import { assertFence, type LeadershipTerm } from '@app/cluster';
import type { Database, SqlExecutor } from '@app/storage';
import type { SpreadFilters } from '../api/spread-filters';
import type { SpreadEvent } from '../domain/spread-event';
import type { RestoredKey } from '../engine/spread-engine';
import type { HistoryCursor } from './history-cursor';

export interface HistoryPageRequest {
  filters: SpreadFilters;
  before?: HistoryCursor;
  sinceMs?: number;
  /** rows fired after this are hidden (delay) */
  notAfterMs: number;
  limit: number;
}

export interface HistoryPage {
  /** oldest first */
  events: SpreadEvent[];
  /** unix second the next page starts strictly before (the page's oldest second) when more may follow, else null */
  nextBefore: number | null;
  /** set when one second held more than SECOND_PAGE_CAP matching events: only its newest SECOND_PAGE_CAP were returned */
  truncatedSecond?: number;
}

/**
 * A page never splits a second (the integer `next_before` could not resume inside one). When a single second holds
 * more matching events than `limit`, the page is that whole second, up to this many events; the rest of such a second
 * is skipped (the page says so in `truncatedSecond`).
 */
export const SECOND_PAGE_CAP = 5_000;

const INSERT_COLUMNS = [
  'event_id',
  'fired_at_ms',
  'event',
  'symbol',
  'spread_type',
  'buy_leg',
  'sell_leg',
  'buy_exchange',
  'sell_exchange',
  'buy_kind',
  'sell_kind',
  'spread_percent',
  'volume_24h',
  'cex_legs',
  'buy_liquidity_usd',
  'sell_liquidity_usd',
  'payload',
];

/** SQL of the spread event log (same statements on Postgres and PGlite). */
export class SpreadHistoryStore {
  constructor(private readonly db: SqlExecutor | Database) {}

  /**
   * The leader's write: one transaction that first checks `term` is still the newest spreads term (`assertFence`,
   * throwing `FencedOutError` otherwise: nothing of the batch lands), then inserts. The fence row lock held to the
   * commit also orders the row ids: a later commit never holds a smaller id, so followers reading `afterId` skip none.
   */
  async insertFenced(term: Pick<LeadershipTerm, 'role' | 'token'>, events: readonly SpreadEvent[]): Promise<number[]> {
    if (!('transaction' in this.db)) throw new Error('spread history: a fenced write needs the database, not a transaction executor');
    return this.db.transaction(async (tx) => {
      await assertFence(tx, term);
      return new SpreadHistoryStore(tx).insert(events);
    });
  }

  /** Takes the fence for `term` without writing: a new leader does this before reading the state it resumes from. */
  async claimFence(term: Pick<LeadershipTerm, 'role' | 'token'>): Promise<void> {
    if (!('transaction' in this.db)) throw new Error('spread history: claiming the fence needs the database, not a transaction executor');
    await this.db.transaction((tx) => assertFence(tx, term));
  }

  /**
   * Inserts a batch; rows already present (same event id, e.g. a retried batch) are skipped. Returns each event's
   * row id, in the order given: ids are assigned in insertion order (bigserial, one writer, rows in VALUES order),
   * so they are the `seq` of `WS /v1/spreads/live`.
   */
  async insert(events: readonly SpreadEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    const params: unknown[] = [];
    const rows = events.map((event) => {
      const values = [
        event.id,
        event.fired_at_ms,
        event.event,
        event.symbol,
        event.spread_type,
        event.buy_leg,
        event.sell_leg,
        event.buy_exchange,
        event.sell_exchange,
        event.buy_kind,
        event.sell_kind,
        event.spread_percent,
        event.volume_24h,
        event.cex_legs,
        event.dex_metadata?.buy?.liquidity_usd ?? null,
        event.dex_metadata?.sell?.liquidity_usd ?? null,
        JSON.stringify(event),
      ];
      const placeholders = values.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const inserted = await this.db.query<{ id: string | number; event_id: string }>(
      `insert into spread_events (${INSERT_COLUMNS.join(', ')}) values ${rows.join(', ')} on conflict (event_id) do nothing returning id, event_id`,
      params,
    );
    const ids = new Map(inserted.rows.map((row) => [row.event_id, Number(row.id)]));
    if (ids.size < events.length) {
      // a retried batch: rows written by the attempt that looked failed keep their ids
      const missing = events.map((event) => event.id).filter((id) => !ids.has(id));
      const found = await this.db.query<{ id: string | number; event_id: string }>('select id, event_id from spread_events where event_id = any($1::text[])', [missing]);
      for (const row of found.rows) ids.set(row.event_id, Number(row.id));
    }
    return events.map((event) => ids.get(event.id) ?? 0);
  }

  /**
   * Events with row id > `afterId` matching `filters`, in id order, at most `limit` (the replay of a resuming live
   * client).
   */
  async afterId(afterId: number, filters: SpreadFilters, limit: number): Promise<Array<{ id: number; event: SpreadEvent }>> {
    const where: string[] = ['id > $1'];
    const params: unknown[] = [afterId];
    appendFilterSql(filters, where, (value) => {
      params.push(value);
      return `$${params.length}`;
    });
    const { rows } = await this.db.query<PageRow>(`select id, fired_at_ms, payload from spread_events where ${where.join(' and ')} order by id limit ${Math.max(0, Math.floor(limit))}`, params);
    return rows.map((row) => ({ id: Number(row.id), event: parsePayload(row.payload) }));
  }

  /** When the first event after row `afterId` fired (epoch ms), if any. */
  async firedAfterId(afterId: number): Promise<number | undefined> {
    const { rows } = await this.db.query<{ fired_at_ms: string | number }>('select fired_at_ms from spread_events where id > $1 order by id limit 1', [afterId]);
    return rows.length > 0 ? Number(rows[0].fired_at_ms) : undefined;
  }

  /** The newest row id (0 when empty). */
  async maxId(): Promise<number> {
    const { rows } = await this.db.query<{ id: string | number | null }>('select max(id) as id from spread_events');
    return Number(rows[0]?.id ?? 0);
  }

  /**
   * One page, newest rows first in SQL, returned oldest first. It ends at a second boundary: `limit + 1` rows are read,
   * and the rows of the oldest second read (maybe cut by the limit) are left for the next page. When that leaves
   * nothing (every row shares one second), the page is the whole second, up to SECOND_PAGE_CAP rows.
   */
  async page(request: HistoryPageRequest): Promise<HistoryPage> {
    const { where, params, p } = whereClause(request);
    const newest = (extra: string[], limit: number) =>
      this.db.query<PageRow>(
        `select id, fired_at_ms, payload from spread_events where ${[...where, ...extra].join(' and ')} order by fired_at_ms desc, id desc limit ${limit}`,
        params,
      );

    const { rows } = await newest([], request.limit + 1);
    if (rows.length <= request.limit) return { events: toEvents(rows), nextBefore: null };
    const cutSecond = secondOf(rows[rows.length - 1]);
    const whole = rows.filter((row) => secondOf(row) > cutSecond);
    if (whole.length > 0) return { events: toEvents(whole), nextBefore: cutSecond + 1 };

    // every row read shares one second: return that second whole (bounded)
    const second = await newest([`fired_at_ms >= ${p(cutSecond * 1000)}`], SECOND_PAGE_CAP + 1);
    const truncated = second.rows.length > SECOND_PAGE_CAP;
    return {
      events: toEvents(second.rows.slice(0, SECOND_PAGE_CAP)),
      nextBefore: cutSecond,
      ...(truncated ? { truncatedSecond: cutSecond } : {}),
    };
  }

  /**
   * `recent` read from the log: of the newest `window` events fired at or before `notAfterMs`, the newest `limit` that
   * match the filters, oldest first (what the in-memory ring answers when the caller's delay reaches past it).
   */
  async recentWindow(request: { filters: SpreadFilters; notAfterMs: number; window: number; limit: number }): Promise<SpreadEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [request.notAfterMs];
    appendFilterSql(request.filters, where, (value) => {
      params.push(value);
      return `$${params.length}`;
    });
    const { rows } = await this.db.query<PageRow>(
      `select id, fired_at_ms, payload from (
         select * from spread_events where fired_at_ms <= $1 order by fired_at_ms desc, id desc limit ${request.window}
       ) as recent_window ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
       order by fired_at_ms desc, id desc limit ${request.limit}`,
      params,
    );
    return toEvents(rows);
  }

  /** The newest `limit` events up to row `maxId`, oldest first (warms the in-memory recent buffer at start). */
  async latest(limit: number, maxId = Number.MAX_SAFE_INTEGER): Promise<SpreadEvent[]> {
    const { rows } = await this.db.query<{ payload: SpreadEvent | string }>('select payload from spread_events where id <= $2 order by fired_at_ms desc, id desc limit $1', [limit, maxId]);
    return rows.map((row) => parsePayload(row.payload)).reverse();
  }

  /** The last event of every key fired since `sinceMs` (an open: still open as far as consumers know; a close: maybe in cooldown). */
  async lastEventPerKey(sinceMs: number): Promise<RestoredKey[]> {
    const { rows } = await this.db.query<{ event: string; payload: SpreadEvent | string }>(
      `select distinct on (symbol, buy_leg, sell_leg) event, payload from spread_events
       where fired_at_ms >= $1 order by symbol, buy_leg, sell_leg, fired_at_ms desc, id desc`,
      [sinceMs],
    );
    return rows.map((row) => {
        const event = parsePayload(row.payload);
        return { symbol: event.symbol, buy_leg: event.buy_leg, sell_leg: event.sell_leg, event };
      });
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string | number }>('select count(*) as n from spread_events');
    return Number(rows[0].n);
  }
}

function whereClause(request: Pick<HistoryPageRequest, 'filters' | 'notAfterMs' | 'before' | 'sinceMs'>) {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  where.push(`fired_at_ms <= ${p(request.notAfterMs)}`);
  if (request.sinceMs !== undefined) where.push(`fired_at_ms >= ${p(request.sinceMs)}`);
  if (request.before?.kind === 'time') where.push(`fired_at_ms < ${p(request.before.beforeMs)}`);
  if (request.before?.kind === 'row') where.push(`(fired_at_ms, id) < (${p(request.before.firedAtMs)}, ${p(request.before.id)})`);
  appendFilterSql(request.filters, where, p);
  return { where, params, p };
}

interface PageRow {
  id: string | number;
  fired_at_ms: string | number;
  payload: SpreadEvent | string;
}

function secondOf(row: PageRow): number {
  return Math.floor(Number(row.fired_at_ms) / 1000);
}

/** Rows read newest first → events oldest first. */
function toEvents(rows: PageRow[]): SpreadEvent[] {
  return rows.map((row) => parsePayload(row.payload)).reverse();
}

function parsePayload(payload: SpreadEvent | string): SpreadEvent {
  return typeof payload === 'string' ? (JSON.parse(payload) as SpreadEvent) : payload;
}

/** The same leg semantics as `matchesFilters`, in SQL (so a page holds `limit` matching rows). */
function appendFilterSql(f: SpreadFilters, where: string[], p: (value: unknown) => string): void {
  if (f.events !== undefined) where.push(`event = ${p(f.events)}`);
  if (f.min_pct !== undefined) where.push(`spread_percent >= ${p(f.min_pct)}`);
  if (f.max_pct !== undefined) where.push(`spread_percent <= ${p(f.max_pct)}`);
  if (f.spread_type !== undefined) where.push(`spread_type = ${p(f.spread_type)}`);
  if (f.exchange !== undefined) {
    const value = p(f.exchange);
    where.push(`(buy_exchange = ${value} or sell_exchange = ${value})`);
  }
  if (f.allowed_exchanges !== undefined) {
    const list = p(f.allowed_exchanges);
    where.push(`buy_exchange = any(${list}::text[]) and sell_exchange = any(${list}::text[])`);
  }
  if (f.buy_exchange !== undefined) where.push(`buy_exchange = ${p(f.buy_exchange)}`);
  if (f.sell_exchange !== undefined) where.push(`sell_exchange = ${p(f.sell_exchange)}`);
  if (f.symbol !== undefined) where.push(`symbol = ${p(f.symbol)}`);
  if (f.exclude_symbol !== undefined) where.push(`not (symbol = any(${p(f.exclude_symbol)}::text[]))`);
  const hasDex = `(buy_kind = 'dex' or sell_kind = 'dex')`;
  if (f.dex === true) where.push(hasDex);
  if (f.dex === false) where.push(`not ${hasDex}`);
  if (f.min_volume_24h !== undefined) where.push(`(cex_legs = 0 or volume_24h >= ${p(f.min_volume_24h)})`);
  if (f.min_dex_liquidity_usd !== undefined) {
    const min = p(f.min_dex_liquidity_usd);
    where.push(`(buy_kind <> 'dex' or coalesce(buy_liquidity_usd, -1) >= ${min})`);
    where.push(`(sell_kind <> 'dex' or coalesce(sell_liquidity_usd, -1) >= ${min})`);
  }
}
