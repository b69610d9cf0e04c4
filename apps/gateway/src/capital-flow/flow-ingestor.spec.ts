import type { LeadershipTerm } from '@app/cluster';
import { Database, runMigrations } from '@app/storage';
import { createTestStore, TestStore } from '@app/storage/testing/test-stores';
import { FlowIngestor, SyncReport } from './flow-ingestor';
import { FlowSource } from './flow-source';
import { FlowPoint } from './point-series';
import { PointStore } from './point-store';
import { SeriesIndex } from './series-index';
import { registerTokens } from './token-registry';
import { TrackedToken } from './tracked-tokens';
import { latestClosedInstant, RETENTION_POINTS, STAT_WINDOWS, StatWindow } from './windows';

/** A venue whose window points are inflow = instant / window (in whole units): easy to check, no network. */
class ScriptedSource implements FlowSource {
  readonly venue = 'scripted';
  failing = new Set<number>();
  calls = 0;
  constructor(readonly market: 'spot' | 'contract') {}
  covers(token: TrackedToken): boolean {
    return this.market === 'spot' ? token.spotPair !== undefined : token.futuresPair !== undefined;
  }
  async fetchPoints(_token: TrackedToken, window: StatWindow, after: number | undefined, nowMs: number): Promise<FlowPoint[]> {
    this.calls++;
    if (this.failing.has(window.minutes)) throw new Error(`venue down for ${window.label}`);
    const newest = latestClosedInstant(nowMs, window);
    const first = Math.max(after === undefined ? -Infinity : after + window.ms, newest - (RETENTION_POINTS - 1) * window.ms);
    const points: FlowPoint[] = [];
    for (let time = first; time <= newest; time += window.ms) points.push({ time, inflow: BigInt(time / window.ms) * 100_000_000n, amount: 100_000_000n });
    return points;
  }
}

/** An upstream that never answers: each call waits until the caller aborts it. */
class HangingSource implements FlowSource {
  readonly venue = 'hanging';
  readonly market = 'spot' as const;
  calls = 0;
  covers(): boolean {
    return true;
  }
  fetchPoints(_token: TrackedToken, _window: StatWindow, _after: number | undefined, _nowMs: number, signal?: AbortSignal): Promise<FlowPoint[]> {
    this.calls++;
    return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
  }
}

describe('FlowIngestor', () => {
  let store: TestStore;
  let db: Database;
  let now = Date.UTC(2026, 3, 1, 10, 16, 0);
  const spot = new ScriptedSource('spot');

  beforeAll(async () => {
    store = await createTestStore('pglite');
    db = await store.open();
    await runMigrations(db);
  });
  afterAll(async () => {
    await db.close();
    await store.destroy();
  });

  it('backfills, skips a failing series without losing the others, then closes the gap; reports m5 advances', async () => {
    const tokens = (await registerTokens(db, ['FDUSD'])).map((token) => ({ ...token }));
    const index = new SeriesIndex();
    const ingestor = new FlowIngestor(tokens, [spot], new PointStore(db), index, { now: () => now });
    const reports: SyncReport[] = [];
    ingestor.onSync((report) => reports.push(report));

    spot.failing.add(60);
    const first = await ingestor.sync();
    expect(first).toMatchObject({ points: 6 * 100, failed: 1, advanced: [11] });
    expect(index.get({ vsTokenId: 11, market: 'spot', windowMinutes: 60 })).toBeUndefined();

    spot.failing.clear();
    now += 5 * 60_000; // 10:21: only m5 has a new instant (10:20); the other windows are still at theirs
    const second = await ingestor.sync();
    // h1's 100 points + m5's newest, plus the re-fetched newest m5 point
    expect(second).toMatchObject({ points: 100 + 2, failed: 0, advanced: [11] });
    const m5 = index.get({ vsTokenId: 11, market: 'spot', windowMinutes: 5 })!;
    expect(m5.size).toBe(100);
    expect(m5.latest!.time).toBe(Date.UTC(2026, 3, 1, 10, 20));
    expect(reports).toHaveLength(2);

    // a pass with nothing due asks the venue nothing
    const calls = spot.calls;
    expect(await ingestor.sync()).toMatchObject({ points: 0, failed: 0, advanced: [] });
    expect(spot.calls).toBe(calls);
  });

  it('with leadership, the leader ingests (fenced by its term), the others reload; a new leader resumes and the old one is fenced out', async () => {
    const tokens = await registerTokens(db, ['FDUSD']);
    const at = () => now;
    const term = (token: number): LeadershipTerm => ({ role: 'capital-flow', token, signal: new AbortController().signal });
    const leaderIndex = new SeriesIndex();
    const followerIndex = new SeriesIndex();
    const venueA = new ScriptedSource('spot');
    const venueB = new ScriptedSource('spot');
    const leader = new FlowIngestor(tokens, [venueA], new PointStore(db), leaderIndex, { now: at, led: true });
    const follower = new FlowIngestor(tokens, [venueB], new PointStore(db), followerIndex, { now: at, led: true });
    leader.lead(term(1_001));
    now += 5 * 60_000;
    expect(await leader.sync()).toMatchObject({ role: 'ingester', failed: 0, advanced: [11] });
    const followed = await follower.sync();
    expect(followed).toMatchObject({ role: 'follower', points: 0, behind: 0, advanced: [11] });
    expect(venueB.calls).toBe(0);
    const key = { vsTokenId: 11, market: 'spot' as const, windowMinutes: 5 };
    expect(followerIndex.get(key)!.points()).toEqual(leaderIndex.get(key)!.points());

    // failover: the follower leads a newer term and resumes from the store (one request per due series, no backfill)
    now += 5 * 60_000;
    follower.lead(term(1_002));
    const resumed = await follower.sync();
    expect(resumed).toMatchObject({ role: 'ingester', failed: 0, advanced: [11] });
    // at most one request per window and a few points each: it continued the stored series, it did not backfill
    expect(venueB.calls).toBeLessThanOrEqual(STAT_WINDOWS.length);
    expect(resumed.points).toBeLessThan(2 * STAT_WINDOWS.length);
    const newest = followerIndex.get(key)!.latest!.time;

    // the old leader, not told yet that its term is over, cannot write over its successor
    now += 5 * 60_000;
    const stale = await leader.sync();
    expect(stale).toMatchObject({ role: 'ingester', points: 0 });
    expect(stale.failed).toBeGreaterThan(0);
    const stored = (await new PointStore(db).loadAll()).filter((point) => point.vsTokenId === 11 && point.market === 'spot' && point.windowMinutes === 5);
    expect(stored.at(-1)!.time).toBe(newest);
    expect(stored).toHaveLength(100);
  });

  it('runs once at start and then just after each 5-minute instant', async () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 3, 1, 10, 21, 0) });
    try {
      const clock = () => Date.now();
      const tokens = await registerTokens(db, ['FDUSD']);
      const ingestor = new FlowIngestor(tokens, [spot], new PointStore(db), new SeriesIndex(), { now: clock, settleMs: 3_000 });
      const passes: number[] = [];
      ingestor.onSync((report) => passes.push(Date.now() - report.durationMs)); // when the pass started
      ingestor.start();
      await jest.advanceTimersByTimeAsync(0);
      while (passes.length < 1) await jest.advanceTimersByTimeAsync(10);
      await jest.advanceTimersByTimeAsync(Date.UTC(2026, 3, 1, 10, 25, 3) - Date.now());
      while (passes.length < 2) await jest.advanceTimersByTimeAsync(10);
      expect(passes[1]).toBeGreaterThanOrEqual(Date.UTC(2026, 3, 1, 10, 25, 3));
      expect(passes[1]).toBeLessThan(Date.UTC(2026, 3, 1, 10, 25, 4));
      await ingestor.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('stop() aborts a backfill in flight: its calls end and no further series starts', async () => {
    const tokens = await registerTokens(db, ['FDUSD', 'BTC']);
    const venue = new HangingSource();
    const warnings: string[] = [];
    const ingestor = new FlowIngestor(tokens, [venue], new PointStore(db), new SeriesIndex(), {
      now: () => now,
      concurrency: 2,
      logger: { log: () => undefined, warn: (line) => warnings.push(line) },
    });
    ingestor.start();
    while (venue.calls < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = Date.now();
    await ingestor.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(venue.calls).toBe(2); // more series were due; those not started never ask the venue
    expect(warnings).toEqual([]); // an abort is not an upstream failure
  });
});
