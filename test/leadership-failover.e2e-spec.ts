import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { latestClosedInstant, STAT_WINDOWS } from '../apps/gateway/src/capital-flow/windows';
import { childEnv, freePort, ServiceProcess, TS_REGISTER } from './support/service-process';

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;
const withRealStores = DATABASE_URL && REDIS_URL ? describe : describe.skip;

/** 2 tokens × 2 markets × 7 windows, 100 points each once backfilled */
const TOKENS = 'BTC,ETH';
const SERIES = 2 * 2 * STAT_WINDOWS.length;

interface Replica {
  name: string;
  port: number;
  process: ServiceProcess;
}

interface ReadyBody {
  replica?: { id: string; roles: string[]; feed_leases: number };
}

async function readiness(replica: Replica): Promise<ReadyBody | undefined> {
  try {
    return (await (await fetch(`http://127.0.0.1:${replica.port}/health/ready`, { signal: AbortSignal.timeout(1_000) })).json()) as ReadyBody;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, logs: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Two gateway processes share Redis and a fresh Postgres database; Binance (the test's simulator) answers slowly, so
 * the capital-flow backfill is still running when its leader is killed with SIGKILL. The other replica must lead
 * within 10 s and finish the series from what was stored: every series ends with 100 consecutive points.
 */
withRealStores('capital-flow leadership across a kill -9 (two processes, real Redis and Postgres)', () => {
  // a skipped describe still runs this body: without DATABASE_URL it must not throw while the tests are collected
  const serverUrl = DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
  const database = `${new URL(serverUrl).pathname.slice(1) || 'postgres'}_failover_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();
  const keyPrefix = `failover-test-${process.pid}-${randomBytes(3).toString('hex')}:`;
  const replicas: Replica[] = [];
  const dataDirs: string[] = [];
  let simulator: UpstreamSimulator;
  let admin: Pool;
  let points: Pool;

  beforeAll(async () => {
    admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`create database ${database}`);
    points = new Pool({ connectionString: databaseUrl, max: 2 });
    simulator = await startUpstreamSimulator({ seed: 11 });
    // every kline request takes 2.5 s: the backfill (28 series, 4 at a time) lasts about 20 s
    simulator.faults.set('binance', { kind: 'latency', ms: 2_500 });
    const upstreams = simulator.baseUrls;
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `failover-${name}-`));
      dataDirs.push(dataDir);
      const env = childEnv({
        NODE_ENV: 'development',
        MARKET_DATA: 'live',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: keyPrefix,
        REPLICA_ID: `failover-${name}`,
        CAPITAL_FLOW_INGEST: 'true',
        CAPITAL_FLOW_TOKENS: TOKENS,
        SPREADS_SOURCE: 'off',
        BINANCE_SPOT_BASE_URL: upstreams.binance,
        BINANCE_FUTURES_BASE_URL: upstreams.binance,
        COINGECKO_BASE_URL: upstreams.coingecko,
        DEFILLAMA_BASE_URL: upstreams.defillama,
        COINDESK_BASE_URL: upstreams.coindesk,
        DERIBIT_BASE_URL: upstreams.deribit,
      });
      replicas.push({ name, port, process: new ServiceProcess('node', ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'], env) });
    }
    await Promise.all(replicas.map((replica) => replica.process.waitForHttp(`http://127.0.0.1:${replica.port}/health/ready`, 120_000)));
  }, 150_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.process.stop()));
    await points?.end();
    await simulator?.close();
    await admin?.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin?.end();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    // the fencing counters outlive the leases by design; this cluster's are dropped with it
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('moves capital-flow to the survivor within 10 s of the leader’s SIGKILL; the series stay continuous', async () => {
    const logs = () => replicas.map((replica) => `--- ${replica.name}\n${replica.process.logs().slice(-4_000)}`).join('\n');
    const leads = async (replica: Replica) => (await readiness(replica))?.replica?.roles.includes('capital-flow') ?? false;
    const [leader, survivor] = await until(
      'exactly one capital-flow leader',
      async () => {
        const leading = await Promise.all(replicas.map(leads));
        return leading.filter(Boolean).length === 1 ? (leading[0] ? [replicas[0], replicas[1]] : [replicas[1], replicas[0]]) : undefined;
      },
      15_000,
      logs,
    );
    expect(await readiness(survivor)).toMatchObject({ replica: { id: `failover-${survivor.name}`, roles: expect.not.arrayContaining(['capital-flow']) } });
    expect(await (await fetch(`http://127.0.0.1:${survivor.port}/metrics`)).text()).toContain('gateway_leader{role="capital-flow"} 0');

    // the leader has stored part of the backfill: kill it in the middle
    const count = async () => Number((await points.query<{ n: string }>('select count(*) as n from cf_points')).rows[0].n);
    const before = await until('the leader’s first points', async () => (await count()) > 0 && (await count()), 30_000, logs);
    expect(before).toBeLessThan(SERIES * 100);
    process.kill(leader.process.pid, 'SIGKILL');
    const killedAt = Date.now();
    await leader.process.exited;

    await until('the survivor to lead capital-flow', () => leads(survivor), 10_000, logs);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(await (await fetch(`http://127.0.0.1:${survivor.port}/metrics`)).text()).toContain('gateway_leader{role="capital-flow"} 1');

    // the survivor resumes from the stored points and completes every series
    simulator.faults.clear('binance');
    const startedAt = Date.now();
    await until('every series backfilled', async () => (await count()) === SERIES * 100, 30_000, logs);

    const { rows } = await points.query<{ vs_token_id: number; market: string; window_minutes: number; times: string[] }>(
      `select vs_token_id, market, window_minutes, array_agg(point_time::text order by point_time) as times
         from cf_points group by vs_token_id, market, window_minutes`,
    );
    expect(rows).toHaveLength(SERIES);
    for (const row of rows) {
      const window = STAT_WINDOWS.find((candidate) => candidate.minutes === Number(row.window_minutes))!;
      const times = row.times.map(Number);
      const steps = times.slice(1).map((time, i) => time - times[i]);
      // no missing and no duplicate point: 100 points, each one window after the previous one
      expect([row.vs_token_id, row.market, row.window_minutes, times.length, new Set(steps).size, steps[0]]).toEqual([
        row.vs_token_id,
        row.market,
        row.window_minutes,
        100,
        1,
        window.ms,
      ]);
      expect(times.at(-1)).toBeGreaterThanOrEqual(latestClosedInstant(startedAt, window));
    }
    // the fence records the survivor's term, newer than the dead leader's
    const fence = await points.query<{ token: string }>(`select token::text from leader_fence where role = 'capital-flow'`);
    expect(Number(fence.rows[0].token)).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
