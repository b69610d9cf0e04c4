import { PointsMeter, SqlPointsCounter } from '@app/api-keys/metering';
import { startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { Database, runMigrations } from '@app/storage';
import { availableStoreKinds, createTestStore, TestStore } from '@app/storage/testing/test-stores';
import { BinanceFuturesKlinesClient, binanceHttpOptions, BinanceSpotKlinesClient, UpstreamHttpClient } from '@app/upstream';
import { BinanceKlineSource } from './binance-kline.source';
import { FlowIngestor } from './flow-ingestor';
import { PointStore } from './point-store';
import { SeriesIndex } from './series-index';
import { buildSnapshot } from './snapshot';
import { registerTokens } from './token-registry';
import { STAT_WINDOWS } from './windows';

const STEP = 300_000;
// two backfills of 2 tokens × 2 markets × 7 windows from the simulator, on a shared 2-core machine
jest.setTimeout(120_000);

describe.each(availableStoreKinds())('capital-flow persistence across a restart (%s, simulated Binance)', (kind) => {
  let simulator: UpstreamSimulator;
  let store: TestStore;
  // a fixed instant: the simulator is frozen there and the ingestion is told the time, so runs are repeatable
  const now = Date.UTC(2026, 3, 1, 10, 11);

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: 3 });
    simulator.clock.freeze(now);
    store = await createTestStore(kind);
  });
  afterAll(async () => {
    await simulator.close();
    await store.destroy();
  });

  const sources = () => {
    const settings = { spotBaseUrl: simulator.baseUrls.binance, futuresBaseUrl: simulator.baseUrls.binance };
    return [
      new BinanceKlineSource(new BinanceSpotKlinesClient(new UpstreamHttpClient(binanceHttpOptions(settings, 'spot')))),
      new BinanceKlineSource(new BinanceFuturesKlinesClient(new UpstreamHttpClient(binanceHttpOptions(settings, 'futures')))),
    ];
  };

  async function boot(symbols: string[]) {
    const db: Database = await store.open();
    await runMigrations(db);
    const tokens = await registerTokens(db, symbols);
    const index = new SeriesIndex();
    const points = new PointStore(db);
    index.load(await points.loadAll());
    const ingestor = new FlowIngestor(tokens, sources(), points, index, { now: () => now });
    return { db, tokens, index, ingestor, meter: new PointsMeter(new SqlPointsCounter(db), 'month', () => now) };
  }

  it('keeps ids, points and counters; backfills only the gap after downtime', async () => {
    const first = await boot(['ETH', 'BTC', 'DOGE2']);
    // BTC keeps 1 even when listed second; an unlisted symbol gets an id from 1001
    expect(first.tokens.map((token) => [token.symbol, token.vsTokenId])).toEqual([['ETH', 2], ['BTC', 1], ['DOGE2', 1001]]);
    const eth = first.tokens[0];
    first.tokens.splice(2); // DOGE2 has no simulated market: not ingested here
    const report = await first.ingestor.sync();
    expect(report).toMatchObject({ failed: 0, points: 2 * 2 * STAT_WINDOWS.length * 100 });
    const before = buildSnapshot(eth, now, first.index.lookupFor(eth.vsTokenId));
    expect(before.spotGoodsList).toHaveLength(7);
    expect(await first.meter.charge({ id: 5, points: 10 }, 3)).toMatchObject({ charged: true, remaining: 7 });
    await first.db.close();

    // 10 minutes of downtime: the restart serves the stored points at once and fetches only the 2 missing m5 bars
    simulator.clock.advance(2 * STEP);
    const requestsBefore = simulator.requests('binance');
    const second = await boot(['BTC', 'ETH', 'DOGE2']);
    expect(second.tokens.map((token) => [token.symbol, token.vsTokenId])).toEqual([['BTC', 1], ['ETH', 2], ['DOGE2', 1001]]);
    expect(buildSnapshot(eth, now, second.index.lookupFor(eth.vsTokenId))).toEqual(before);
    expect(await second.meter.charge({ id: 5, points: 10 }, 3)).toMatchObject({ charged: true, remaining: 4 });

    second.tokens.splice(2);
    const later = now + 2 * STEP;
    const catchUp = new FlowIngestor(second.tokens, sources(), new PointStore(second.db), second.index, { now: () => later });
    const gap = await catchUp.sync();
    expect(gap.failed).toBe(0);
    expect(gap.advanced.sort()).toEqual([1, 2]);
    const m5 = second.index.get({ vsTokenId: 2, market: 'spot', windowMinutes: 5 })!;
    expect(m5.size).toBe(100);
    expect(m5.latest!.time).toBe(Math.floor(later / STEP) * STEP);
    // 10:11 → 10:21: m5 (10:10 → 10:20) and m15 (10:00 → 10:15) are due; one request per due series
    // (2 tokens × 2 markets × 2 windows), no full backfill
    expect(simulator.requests('binance') - requestsBefore).toBe(8);
    await second.db.close();
  });
});
