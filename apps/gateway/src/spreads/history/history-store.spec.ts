import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { SpreadEvent } from '../domain/spread-event';
import { SECOND_PAGE_CAP, SpreadHistoryStore, type HistoryPage } from './history-store';

jest.setTimeout(120_000);

const BASE_S = 1_781_000_000;
let serial = 0;

function event(firedAtMs: number, kind: 'open' | 'close' = 'open'): SpreadEvent {
  const n = serial++;
  return {
    id: `e${n}`,
    event: kind,
    symbol: `S${n}_USDT`,
    spread_type: 'spot/spot',
    buy_leg: 'BINANCE:spot',
    sell_leg: 'OKX:spot',
    buy_exchange: 'BINANCE',
    sell_exchange: 'OKX',
    buy_kind: 'spot',
    sell_kind: 'spot',
    buy_price: 1,
    sell_price: 1.02,
    spread_percent: 2,
    volume_24h: null,
    cex_legs: 2,
    fired_at_ms: firedAtMs,
  };
}

/** `count` events spread over the milliseconds of one second. */
function inSecond(second: number, count: number): SpreadEvent[] {
  return Array.from({ length: count }, (_, i) => event(second * 1000 + ((i * 7) % 1000)));
}

async function insertAll(store: SpreadHistoryStore, events: SpreadEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) await store.insert(events.slice(i, i + 1000));
}

describe.each(availableStoreKinds())('SpreadHistoryStore pages (%s)', (kind) => {
  let database: MigratedTestDatabase;
  let store: SpreadHistoryStore;
  const notAfterMs = (BASE_S + 100) * 1000;

  beforeAll(async () => {
    database = await openMigratedTestDatabase(kind);
    store = new SpreadHistoryStore(database.db);
  });
  afterAll(() => database?.dispose());
  beforeEach(() => database.db.query('delete from spread_events'));

  it('gives each inserted event an integer row id, increasing in insertion order (the live seq); a retried batch keeps its ids', async () => {
    // fired_at out of order on purpose: the id follows insertion, not firing time
    const first = [event(BASE_S * 1000 + 900), event(BASE_S * 1000 + 100), event(BASE_S * 1000 + 500)];
    const second = [event(BASE_S * 1000 + 50), event(BASE_S * 1000 + 999)];
    const ids = [...(await store.insert(first)), ...(await store.insert(second))];
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    expect(await store.maxId()).toBe(ids[ids.length - 1]);
    // the skipped row still draws a sequence value: ids may have holes, never go back
    const retried = await store.insert([second[0], event(BASE_S * 1000 + 1)]);
    expect(retried[0]).toBe(ids[3]);
    expect(retried[1]).toBeGreaterThan(ids[4]);
    const after = await store.afterId(ids[1], {}, 10);
    expect(after.map((row) => [row.id, row.event.id])).toEqual([[ids[2], first[2].id], [ids[3], second[0].id], [ids[4], second[1].id], [retried[1], expect.any(String)]]);
    expect(await store.firedAfterId(ids[0])).toBe(first[1].fired_at_ms);
  });

  it('walks many events in one second and across seconds, each exactly once, pages ending at second boundaries', async () => {
    const sizes = [3, 120, 1, 45, 37, 38, 0, 74, 2];
    const events = sizes.flatMap((count, i) => inSecond(BASE_S + i, count));
    await insertAll(store, events);
    const seen = new Map<string, number>();
    const limit = 37;
    let before: number | null | undefined;
    let pages = 0;
    do {
      const page: HistoryPage = await store.page({ filters: {}, notAfterMs, limit, before: before == null ? undefined : { kind: 'time', beforeMs: before * 1000 } });
      pages++;
      for (const e of page.events) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      const seconds = page.events.map((e) => Math.floor(e.fired_at_ms / 1000));
      expect([...seconds].sort((a, b) => a - b)).toEqual(seconds);
      if (page.nextBefore !== null) {
        expect(Number.isInteger(page.nextBefore)).toBe(true);
        expect(Math.min(...seconds)).toBe(page.nextBefore); // the page ends at a second boundary
        // more than `limit` only when one second alone is larger: then the page is that second, whole
        if (page.events.length > limit) expect(new Set(seconds).size).toBe(1);
      }
      expect(before == null || Math.max(...seconds) < before).toBe(true);
      before = page.nextBefore;
    } while (before !== null && pages < 100);
    expect(seen.size).toBe(events.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // the 120-event second came whole, in one page
    expect(pages).toBeLessThan(events.length / limit + sizes.length);
  });

  it('still accepts the earlier composite cursor "<fired_at_ms>_<id>" (resumes inside a second, each row once)', async () => {
    const events = [...inSecond(BASE_S, 10), ...inSecond(BASE_S + 1, 50)];
    await insertAll(store, events);
    const { rows } = await database.db.query<{ id: string; fired_at_ms: string }>(
      'select id, fired_at_ms from spread_events order by fired_at_ms desc, id desc offset 20 limit 1',
    );
    const cursor = { kind: 'row' as const, firedAtMs: Number(rows[0].fired_at_ms), id: Number(rows[0].id) };
    const rest = await store.page({ filters: {}, notAfterMs, limit: 1000, before: cursor });
    expect(rest.events).toHaveLength(events.length - 21);
    expect(rest.nextBefore).toBeNull();
  });

  it(`returns a second with more than ${SECOND_PAGE_CAP} events as its newest ${SECOND_PAGE_CAP}, says so, and moves on`, async () => {
    await insertAll(store, [...inSecond(BASE_S, 3), ...inSecond(BASE_S + 1, SECOND_PAGE_CAP + 1)]);
    const first = await store.page({ filters: {}, notAfterMs, limit: 100 });
    expect(first.events).toHaveLength(SECOND_PAGE_CAP);
    expect(first).toMatchObject({ nextBefore: BASE_S + 1, truncatedSecond: BASE_S + 1 });
    const next = await store.page({ filters: {}, notAfterMs, limit: 100, before: { kind: 'time', beforeMs: first.nextBefore! * 1000 } });
    expect(next.events).toHaveLength(3);
    expect(next.nextBefore).toBeNull();
  });

  it('recentWindow: of the newest `window` events not after the delay, the newest `limit` matching', async () => {
    const old = [...inSecond(BASE_S, 5), ...inSecond(BASE_S + 1, 5)];
    old[9].event = 'close';
    old[2].event = 'close';
    const fresh = inSecond(BASE_S + 500, 5);
    await insertAll(store, [...old, ...fresh]);
    const window = await store.recentWindow({ filters: {}, notAfterMs: (BASE_S + 2) * 1000, window: 6, limit: 4 });
    expect(window.map((e) => e.id)).toEqual(old.slice(6).map((e) => e.id));
    const closes = await store.recentWindow({ filters: { events: 'close' }, notAfterMs: (BASE_S + 2) * 1000, window: 6, limit: 4 });
    expect(closes.map((e) => e.id)).toEqual([old[9].id]); // old[2] is outside the window
  });
});
