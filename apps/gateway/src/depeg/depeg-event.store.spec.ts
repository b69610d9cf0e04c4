import { FencedOutError } from '@app/cluster';
import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { DepegEvent } from './depeg-detector';
import { DepegEventStore, EPISODE_GAP_SECONDS, thresholdToBp } from './depeg-event.store';

const TERM = { role: 'depeg' as const, token: 2 };

const event = (overrides: Partial<DepegEvent>): DepegEvent => ({
  timestamp: 1_700_000_000,
  stablecoin: 'USDX',
  stablecoin_id: '42',
  name: 'X Dollar',
  price: 0.97,
  target_peg: 1,
  depeg_depth: 0.03,
  depeg_percentage: 3,
  volume: 1e9,
  severity_score: 50,
  duration: 0,
  logo: null,
  peg_type: 'peggedUSD',
  event_type: 'current',
  ...overrides,
});

describe.each(availableStoreKinds())('DepegEventStore (%s)', (kind) => {
  let testDb: MigratedTestDatabase;
  let store: DepegEventStore;
  const key = { pegType: 'peggedUSD', thresholdBp: thresholdToBp(0.01) };
  const t0 = 1_700_000_000;

  beforeAll(async () => {
    testDb = await openMigratedTestDatabase(kind);
    store = new DepegEventStore(testDb.db);
  }, 60_000);
  afterAll(async () => {
    await testDb.dispose();
  });

  it('records a live episode, keeps it open while seen and keeps its start', async () => {
    await store.save(key, [event({ timestamp: t0, duration: 0 })], t0, true, TERM);
    expect(await store.openEpisodes(key, t0 + 600)).toEqual(new Map([['42', t0]]));
    await store.save(key, [event({ timestamp: t0, duration: 10, price: 0.95 })], t0 + 600, true, TERM);
    const [stored] = await store.recent(key, t0);
    expect(stored).toMatchObject({ timestamp: t0, duration: 10, price: 0.95, event_type: 'current' });
    // another threshold is another log
    expect(await store.recent({ ...key, thresholdBp: 200 }, 0)).toEqual([]);
  });

  it('closes the episode when the live price is back within the threshold, and keeps it as history', async () => {
    await store.save(key, [], t0 + 1200, true, TERM);
    expect(await store.openEpisodes(key, t0 + 1200)).toEqual(new Map());
    expect(await store.recent(key, t0)).toEqual([expect.objectContaining({ timestamp: t0, event_type: 'historical', price: 0.95 })]);
    // the window is by start: a window starting after it no longer holds the event
    expect(await store.recent(key, t0 + 1)).toEqual([]);
  });

  it('does not close open episodes when the live prices could not be read, except after the gap', async () => {
    const start = t0 + 10_000;
    await store.save(key, [event({ stablecoin_id: '7', timestamp: start })], start, true, TERM);
    await store.save(key, [], start + 600, false, TERM);
    expect((await store.openEpisodes(key, start + 600)).get('7')).toBe(start);
    await store.save(key, [], start + EPISODE_GAP_SECONDS + 1, false, TERM);
    expect((await store.openEpisodes(key, start + EPISODE_GAP_SECONDS + 1)).has('7')).toBe(false);
  });

  it('stores daily runs by their first day, and a daily run never overwrites the live record of the same episode', async () => {
    const day = 86_400;
    const runStart = t0 + 100 * day;
    await store.save(key, [event({ stablecoin_id: '9', timestamp: runStart, duration: 2 * 1440, event_type: 'historical', price: 0.98 })], runStart + 3 * day, true, TERM);
    expect(await store.recent(key, runStart)).toEqual([expect.objectContaining({ stablecoin_id: '9', duration: 2880 })]);
    expect(await store.recent(key, runStart + 1)).toEqual([]);

    const live = runStart + 10 * day;
    await store.save(key, [event({ stablecoin_id: '5', timestamp: live, price: 0.9, duration: 60 })], live + 3600, true, TERM);
    await store.save(key, [event({ stablecoin_id: '5', timestamp: live, price: 0.99, duration: 1440, event_type: 'historical' })], live + 3700, false, TERM);
    const [kept] = (await store.recent(key, live)).filter((row) => row.stablecoin_id === '5');
    expect(kept).toMatchObject({ event_type: 'current', price: 0.9, duration: 60 });
  });

  it("refuses an older depeg leader's write whole (fenced), after a newer leader wrote", async () => {
    const start = t0 + 500 * 86_400;
    await store.save(key, [event({ stablecoin_id: '77', timestamp: start })], start, true, { role: 'depeg', token: 3 });
    await expect(store.save(key, [event({ stablecoin_id: '78', timestamp: start })], start, true, TERM)).rejects.toBeInstanceOf(FencedOutError);
    expect((await store.recent(key, start)).map((row) => row.stablecoin_id)).toEqual(['77']);
  });
});
