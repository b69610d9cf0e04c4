import { ControlledLeadership, TestTokens } from '@app/cluster/testing/controlled-leadership';
import { loadGatewayConfig } from '../gateway-config';
import type { MetricsService } from '@app/observability';
import { openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import type { Quote } from './domain/quote';
import { SpreadsMetrics } from './spreads.metrics';
import { SpreadsPipeline, type StoredEvent } from './spreads.pipeline';

const SYMBOLS = ['PPA_USDT', 'PPB_USDT', 'PPC_USDT'];

/** BINANCE 2 % under OKX (an open) or level with it (a close), for every symbol. */
function quotes(diverged: boolean): Quote[] {
  const now = Date.now();
  return SYMBOLS.flatMap((symbol) => [
    { venue: 'BINANCE', kind: 'spot' as const, symbol, price: 100, ts: now },
    { venue: 'OKX', kind: 'spot' as const, symbol, price: diverged ? 102 : 100.05, ts: now },
  ]);
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One replica of the feature: a pipeline on the shared database (and Redis), led when the test says so. */
interface Replica {
  pipeline: SpreadsPipeline;
  leadership: ControlledLeadership;
  received: StoredEvent[];
}

const variants: Array<[string, string | undefined]> = [['embedded, no Redis', undefined]];
if (process.env.REDIS_URL) variants.push(['Redis (REDIS_URL)', process.env.REDIS_URL]);

describe.each(variants)('SpreadsPipeline as a cluster singleton (%s)', (_name, redisUrl) => {
  let database: MigratedTestDatabase;
  const connections: Redis[] = [];
  const replicas: Replica[] = [];
  const tokens = new TestTokens();

  async function replica(id: string): Promise<Replica> {
    const config = loadGatewayConfig({ NODE_ENV: 'test', SPREADS_SOURCE: 'off', SPREADS_HISTORY_FLUSH_MS: '10', DATABASE_URL: '', REDIS_URL: '' });
    const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
    if (redis) connections.push(redis);
    const leadership = new ControlledLeadership(id, tokens);
    const metrics = new SpreadsMetrics({ registry: new Registry() } as unknown as MetricsService);
    const pipeline = new SpreadsPipeline(config, config.spreads, database.db, [], metrics, leadership, redis);
    const created: Replica = { pipeline, leadership, received: [] };
    pipeline.subscribeStored((event) => created.received.push(event));
    await pipeline.onApplicationBootstrap();
    replicas.push(created);
    return created;
  }

  const history = async () =>
    (await database.db.query<{ id: string; event: string; symbol: string }>('select id, event, symbol from spread_events order by id')).rows.map((row) => ({
      id: Number(row.id),
      what: `${row.event}:${row.symbol}`,
    }));

  beforeAll(async () => {
    database = await openMigratedTestDatabase('pglite');
  });
  afterAll(() => database.dispose());

  afterEach(async () => {
    for (const each of replicas.splice(0)) {
      await each.pipeline.beforeApplicationShutdown();
      await each.leadership.close();
    }
    for (const redis of connections.splice(0)) await redis.quit();
    await database.db.query('delete from spread_events');
    await database.db.query('delete from leader_fence');
  });

  it('detects only while leading; a new leader resumes from the history, and the paused old leader is fenced out', async () => {
    const a = await replica('a');
    const b = await replica('b');
    // nobody leads yet: quotes go nowhere
    a.pipeline.ingest(quotes(true));
    b.pipeline.ingest(quotes(true));
    expect(a.pipeline.isLeading || b.pipeline.isLeading).toBe(false);

    await a.leadership.grant('spreads');
    a.pipeline.ingest(quotes(true));
    b.pipeline.ingest(quotes(true)); // a follower ignores quotes
    await until(async () => (await history()).length === 3, 5_000, 'the opens written');

    // b takes over while a still believes it leads (a paused process): b claims the fence, then restores the opens
    await b.leadership.grant('spreads');
    expect(b.pipeline.engine.openCount).toBe(3);
    // a's late detections are refused by the fence: dropped, and a stops detecting
    a.pipeline.ingest(quotes(false));
    await until(() => !a.pipeline.isLeading, 5_000, 'the old leader to stop');
    expect((await history()).map((row) => row.what)).toEqual(SYMBOLS.map((s) => `open:${s}`));

    // the new leader does not open them again, and closes each once
    b.pipeline.ingest(quotes(true));
    b.pipeline.ingest(quotes(false));
    await until(async () => (await history()).length === 6, 5_000, 'the closes written');
    await b.leadership.revoke('spreads');
    const rows = await history();
    expect(rows.map((row) => row.what)).toEqual([...SYMBOLS.map((s) => `open:${s}`), ...SYMBOLS.map((s) => `close:${s}`)]);

    if (redisUrl) {
      // every replica delivered every row, once, in id order, whoever wrote it; the recent buffers agree
      for (const each of [a, b]) {
        await each.pipeline.caughtUp();
        expect(each.received.map((event) => event.seq)).toEqual(rows.map((row) => row.id));
        expect(each.pipeline.lastStoredId).toBe(rows.at(-1)!.id);
        const recent = each.pipeline.recent.query({}, Date.now(), 100).matches.map((item) => `${item.event.event}:${item.event.symbol}`);
        expect(recent).toEqual(rows.map((row) => row.what));
      }
    } else {
      // one process: each replica hands its own writes to its listeners, as before the cluster
      expect(a.received.map((event) => event.seq)).toEqual(rows.slice(0, 3).map((row) => row.id));
      expect(b.received.map((event) => event.seq)).toEqual(rows.slice(3).map((row) => row.id));
    }
  });

  it('writes what the term detected when it ends (graceful hand-over), then stops', async () => {
    const a = await replica('a');
    await a.leadership.grant('spreads');
    a.pipeline.ingest(quotes(true));
    await a.leadership.revoke('spreads');
    expect(a.pipeline.isLeading).toBe(false);
    expect(a.pipeline.writer.pendingCount).toBe(0);
    expect((await history()).map((row) => row.what)).toEqual(SYMBOLS.map((s) => `open:${s}`));
    a.pipeline.ingest(quotes(false));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await history()).toHaveLength(3);
  });
});
