import { EvmRpcClients, UpstreamPolicy } from '@app/upstream';
import { LocalLeadership } from '@app/cluster';
import { loadGatewayConfig } from '../gateway-config';
import { MetricsService } from '@app/observability';
import type { Database } from '@app/storage';
import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import { DexMetricsService } from './dex-metrics.service';
import type { DexMessage } from './flow/dex-message';
import { DexLiveFeed } from './publish/dex-live-feed';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const A = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae';
const B = 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';

/** The service on a real store, with no RPC endpoint (no chain work): listing, tombstones and persistence only. */
async function run(db: Database, pools: string[], work: (messages: DexMessage[], service: DexMetricsService) => Promise<void>) {
  const config = loadGatewayConfig({ NODE_ENV: 'test', DEX_POOLS: pools.join(','), DEX_BATCH_DELAY_MS: '0' });
  const feed = new DexLiveFeed();
  const messages: DexMessage[] = [];
  feed.subscribe((m) => messages.push(m));
  const service = new DexMetricsService(config, config.dex, db, new MetricsService(), feed, new LocalLeadership('spec'), new EvmRpcClients(new UpstreamPolicy({ upstream: 'evm-rpc' })));
  await service.onApplicationBootstrap();
  try {
    await work(messages, service);
  } finally {
    await service.beforeApplicationShutdown();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 5_000) => {
  for (const start = Date.now(); !(await check()); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

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

  it('reloads DEX_POOLS_FILE at run time: tombstone to the stream and the Kafka outbox, bad file ignored, additions listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dex-pools-file-'));
    const file = join(dir, 'pools.txt');
    writeFileSync(file, `# tracked pools\n${A}\n${B}\n`);
    // a broker nobody listens on: every message waits in the (persisted) Kafka outbox
    const config = loadGatewayConfig({ NODE_ENV: 'test', DEX_POOLS_FILE: file, DEX_BATCH_DELAY_MS: '0', KAFKA_BROKERS: '127.0.0.1:9', DEX_METRICS_TOPIC: 'dex-reload-spec' });
    const feed = new DexLiveFeed();
    const messages: DexMessage[] = [];
    feed.subscribe((m) => messages.push(m));
    const service = new DexMetricsService(config, config.dex, db, new MetricsService(), feed, new LocalLeadership('spec'), new EvmRpcClients(new UpstreamPolicy({ upstream: 'evm-rpc' })));
    await service.onApplicationBootstrap();
    const outboxOf = async (key: string) => (await db.query<{ key: string; value: unknown }>('select key, value from dex_metrics_outbox_log where key = $1 order by seq desc limit 1', [key])).rows;
    try {
      await settle();
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`, `${B}-USD`]);

      writeFileSync(file, `${A}\n`);
      await until(() => messages.some((m) => m.key === `${B}-USD` && m.value === null));
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`]);
      expect(service.isListed(`${B}-USD`)).toBe(false);
      await until(async () => (await outboxOf(`${B}-USD`)).length === 1 && (await outboxOf(`${B}-USD`))[0].value === null);

      // a bad file: logged and ignored, nothing delisted
      const before = messages.length;
      writeFileSync(file, `${A}\nbsc:0xnot-a-pool\n`);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`]);
      expect(messages.slice(before).filter((m) => m.value === null)).toEqual([]);

      // listed again: its messages start again
      writeFileSync(file, `${A}\n${B}\n`);
      await until(() => messages.slice(before).some((m) => m.key === `${B}-USD` && m.value !== null));
      expect(service.symbolInfo().ticker).toEqual([`${A}-USD`, `${B}-USD`]);
    } finally {
      await service.beforeApplicationShutdown();
      await db.query('delete from dex_metrics_outbox_log');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
