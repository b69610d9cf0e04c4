import { loadConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import type { Database } from '@app/storage';
import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import { DexMetricsService } from './dex-metrics.service';
import type { DexMessage } from './flow/dex-message';
import { DexLiveFeed } from './publish/dex-live-feed';

const A = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae';
const B = 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';

/** The service on a real store, with no RPC endpoint (no chain work): listing, tombstones and persistence only. */
async function run(db: Database, pools: string[], work: (messages: DexMessage[], service: DexMetricsService) => Promise<void>) {
  const config = loadConfig({ NODE_ENV: 'test', DEX_POOLS: pools.join(','), DEX_BATCH_DELAY_MS: '0' });
  const feed = new DexLiveFeed();
  const messages: DexMessage[] = [];
  feed.subscribe((m) => messages.push(m));
  const service = new DexMetricsService(config, db, new MetricsService(), feed);
  await service.onApplicationBootstrap();
  try {
    await work(messages, service);
  } finally {
    await service.beforeApplicationShutdown();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe.each(availableStoreKinds())('DexMetricsService across restarts (%s)', (kind) => {
  let testDb: MigratedTestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await openMigratedTestDatabase(kind);
    db = testDb.db;
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  it('starts messages for listed symbols, tombstones one dropped from DEX_POOLS on the next start, once', async () => {
    await run(db, [A, B], async (messages, service) => {
      await settle();
      expect(messages.map((m) => [m.key, m.value === null])).toEqual([
        [`${A}-USD`, false],
        [`${B}-USD`, false],
      ]);
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`, `${B}-USD`]);
    });

    await run(db, [A], async (messages, service) => {
      await settle();
      expect(messages.filter((m) => m.value === null)).toEqual([{ key: `${B}-USD`, value: null, sentAtMs: expect.any(Number) }]);
      expect(messages.filter((m) => m.value !== null).map((m) => m.key)).toEqual([`${A}-USD`]);
      expect(service.isListed(`${B}-USD`)).toBe(false);
    });

    await run(db, [A], async (messages) => {
      await settle();
      expect(messages.filter((m) => m.value === null)).toEqual([]);
    });

    // listed again later: its messages start again
    await run(db, [A, B], async (messages) => {
      await settle();
      expect(messages.map((m) => m.key).sort()).toEqual([`${A}-USD`, `${B}-USD`]);
    });
  });

  it('delisting at runtime sends the tombstone now and remembers it', async () => {
    await run(db, [A, B], async (messages, service) => {
      await settle();
      expect(await service.delist(`${B}-USD`)).toBe(true);
      expect(messages[messages.length - 1]).toMatchObject({ key: `${B}-USD`, value: null });
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`]);
    });
    const { rows } = await db.query<{ ticker: string }>('select ticker from dex_metrics_symbols where delisted_at_ms is not null');
    expect(rows.map((r) => r.ticker)).toEqual([`${B}-USD`]);
  });
});
