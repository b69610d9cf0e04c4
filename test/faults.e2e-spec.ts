import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '@app/api-keys/signing';
import { PrivatePostgres, PrivateRedis, privateServersUnavailable } from './support/private-servers';
import { childEnv, freePort, ServiceProcess, TS_REGISTER } from './support/service-process';
import { StreamClient, type Frame } from './support/ws-client';

/**
 * Fault tests (issue 11): one gateway process (sandbox upstreams, simulated spreads venues, capital-flow ingestion)
 * on a PRIVATE Redis and a PRIVATE Postgres started from this machine's binaries. Each server is stopped the way a
 * crash stops it, a few seconds, then started again on the same port and data dir. The gateway is never restarted.
 */
const unavailable = privateServersUnavailable();
if (unavailable) console.warn(`faults.e2e-spec skipped: ${unavailable}`);
const describeWithServers = unavailable ? describe.skip : describe;

const CONTRACT = { key: 'fault-contract-key-000001', secret: 'fault-contract-secret-1' };
const SNAPSHOT = '/api/open/v1/trade/getCoinTradeSnapshot';
const MAIN_TABLE = '/tzone_apis/services/stablecoins/ws/main_table';
/** how long each server stays down */
const OUTAGE_MS = 4_000;

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, logs: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n--- gateway log (tail) ---\n${logs().slice(-6_000)}`);
    await sleep(100);
  }
}

/** Polls /health/live and /health/ready all along, so a single 500 or refused connection anywhere is seen. */
/** every sampler started, so a failed test cannot leave its loop polling (Jest would never exit) */
const samplers = new Set<HealthSampler>();

class HealthSampler {
  readonly samples: Array<{ at: number; live: number; ready: number }> = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly base: string) {}

  start(): void {
    samplers.add(this);
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        const [live, ready] = await Promise.all([this.status('/health/live'), this.status('/health/ready')]);
        this.samples.push({ at: Date.now(), live, ready });
        await sleep(150);
      }
    })();
  }

  async stop(): Promise<void> {
    samplers.delete(this);
    this.stopped = true;
    await this.loop;
  }

  private async status(path: string): Promise<number> {
    try {
      const response = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(4_000) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0; // refused or timed out: a failure of liveness
    }
  }
}

describeWithServers('faults: private Redis and Postgres restarted under a running gateway', () => {
  const redis = new PrivateRedis();
  const postgres = new PrivatePostgres();
  const keysDir = mkdtempSync(join(tmpdir(), 'faults-keys-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-data-'));
  let gateway: ServiceProcess;
  let base: string;
  let wsBase: string;
  let pid: number;
  let spreads: StreamClient;
  let table: StreamClient;
  const logs = () => gateway?.logs() ?? '';

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const ready = async () => (await get('/health/ready')).status;
  const signedSnapshot = async () => {
    const body = JSON.stringify({ vsTokenId: 1, date: Date.now() });
    const timestamp = String(Date.now());
    const response = await fetch(`${base}${SNAPSHOT}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': CONTRACT.key,
        'x-timestamp': timestamp,
        'x-sign': signRequest(CONTRACT.secret, { timestamp, method: 'POST', path: SNAPSHOT, body }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const historyRows = () => postgres.query<{ id: string; event_id: string }>('select id, event_id from spread_events order by id');
  const spreadEventsDetected = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return [...text.matchAll(/^spreads_events_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };
  const pointsKeys = () =>
    redis.withClient(async (client) => {
      const keys = (await client.keys('faults:api:points:*')).sort();
      return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await client.get(key)] as const)));
    });
  /** A view of the seed-000 table answered on an open socket (an update message re-renders from the feed's last good data). */
  const viewAfterUpdate = async (client: StreamClient, pageSize: number): Promise<Frame> => {
    client.send({ page_size: String(pageSize) });
    return client.next((frame) => frame.type === 'view' && frame.rows?.length === pageSize, 10_000);
  };

  beforeAll(async () => {
    writeFileSync(join(keysDir, 'keys.json'), JSON.stringify([{ ...CONTRACT, tier: 'contract', name: 'fault contract', points: 1_000 }]));
    await Promise.all([redis.start(), postgres.start()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    wsBase = `ws://127.0.0.1:${port}`;
    gateway = new ServiceProcess(
      'node',
      ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'],
      childEnv({
        NODE_ENV: 'development',
        MARKET_DATA: 'sandbox',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'faults:',
        API_KEYS_FILE: join(keysDir, 'keys.json'),
        LOG_LEVEL: 'info',
        SPREADS_SOURCE: 'simulated',
        SPREADS_SIM_TICK_MS: '250', // more divergence episodes per second: events are detected during each outage
        // no cooldown: the simulated venues repeat their divergent pairs, and a pair that closed within the default 120 s
        // opens nothing; each episode must give events, however many came before the outage
        SPREADS_COOLDOWN_MS: '0',
        CAPITAL_FLOW_INGEST: 'true',
        CAPITAL_FLOW_TOKENS: 'BTC',
      }),
    );
    await gateway.waitForHttp(`${base}/health/ready`, 90_000);
    pid = gateway.pid;

    spreads = StreamClient.connect(`${wsBase}/v1/spreads/live?api_key=${CONTRACT.key}`);
    await spreads.next((frame) => frame.type === 'welcome', 10_000);
    table = StreamClient.connect(`${wsBase}${MAIN_TABLE}?page_size=5`);
    await table.next((frame) => frame.type === 'view' && frame.rows?.length === 5, 20_000);
  }, 120_000);

  afterEach(async () => {
    await Promise.all([...samplers].map((sampler) => sampler.stop()));
  });

  afterAll(async () => {
    await Promise.allSettled([spreads?.close(), table?.close()]);
    await gateway?.stop();
    await Promise.allSettled([redis.destroy(), postgres.destroy()]);
    rmSync(keysDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('Redis down: readiness 503 and back to 200, liveness 200 throughout, streams and REST keep serving, points metering survives', async () => {
    // metering written before the fault: a charged snapshot (capital-flow points live in Redis with REDIS_URL)
    const charged = await eventually('a capital-flow snapshot to charge', async () => {
      const answer = await signedSnapshot();
      return answer.status === 200 ? answer : undefined;
    }, 40_000, logs);
    expect(charged.headers.get('x-points-cost')).toBe('3');
    const remainingBefore = Number(charged.headers.get('x-points-remaining'));
    const pointsBefore = await pointsKeys();
    expect(Object.keys(pointsBefore).length).toBeGreaterThan(0);

    const sampler = new HealthSampler(base);
    sampler.start();
    const spreadFramesBefore = spreads.frames.length;
    await redis.stop();
    try {
      await eventually('readiness 503 with Redis down', async () => (await ready()) === 503, 10_000, logs);

      // last good data: the open socket re-renders on an update, a new socket gets a full view
      expect((await viewAfterUpdate(table, 3)).rows).toHaveLength(3);
      const late = StreamClient.connect(`${wsBase}${MAIN_TABLE}?page_size=4`);
      expect((await late.next((frame) => frame.type === 'view', 10_000)).rows).toHaveLength(4);
      await late.close();
      // REST on Postgres keeps answering, spread events keep reaching the live socket
      expect((await get('/v1/spreads/recent?limit=5', { 'x-api-key': CONTRACT.key })).status).toBe(200);
      // the open API needs Redis (replay guard, points): a clear "retry later" in its envelope, not a 500
      const refused = await signedSnapshot();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body).toMatchObject({ code: 50300, message: 'the redis is unavailable right now; retry in a few seconds', data: null });
      await sleep(OUTAGE_MS);
      // spread events (Postgres, in-process fan-out) kept reaching the live socket while Redis was down
      expect(spreads.frames.slice(spreadFramesBefore).some((frame) => frame.type === 'event')).toBe(true);
    } finally {
      await redis.start();
    }
    await eventually('readiness 200 after Redis is back', async () => (await ready()) === 200, 20_000, logs);
    await sampler.stop();

    expect(sampler.samples.filter((sample) => sample.live !== 200)).toEqual([]);
    expect(sampler.samples.some((sample) => sample.ready === 503)).toBe(true);
    expect(sampler.samples.every((sample) => sample.ready === 200 || sample.ready === 503)).toBe(true);

    // nothing lost: the counters written before the fault are there, and the next charge continues from them
    expect(await pointsKeys()).toEqual(pointsBefore); // the refused call during the outage charged nothing either
    const next = await eventually('a charged snapshot after Redis is back', async () => {
      const answer = await signedSnapshot();
      return answer.status === 200 ? answer : undefined;
    }, 15_000, logs);
    expect(Number(next.headers.get('x-points-remaining'))).toBe(remainingBefore - 3);
    expect(gateway.pid).toBe(pid);
    expect(gateway.running).toBe(true);
  });

  it('Postgres down: readiness 503 and back, spread events detected meanwhile land in the history, nothing written before is lost', async () => {
    await eventually('some spread events in the history', async () => (await historyRows()).length >= 3, 30_000, logs);
    const rowsBefore = await historyRows();
    const consumersBefore = await postgres.query('select id, key_hash, points from api_consumers order by id');
    const flowPoints = async () => Number((await postgres.query<{ n: string }>('select count(*)::text as n from cf_points'))[0].n);
    const flowPointsBefore = await flowPoints();

    const sampler = new HealthSampler(base);
    sampler.start();
    let detectedWhileDown = 0;
    await postgres.stop();
    try {
      await eventually('readiness 503 with Postgres down', async () => (await ready()) === 503, 10_000, logs);
      const detectedAtStop = await spreadEventsDetected();
      expect((await viewAfterUpdate(table, 2)).rows).toHaveLength(2);
      // recent is served from memory; history needs Postgres: a clear 503, not a crash or a bare 500
      expect((await get('/v1/spreads/recent?limit=5', { 'x-api-key': CONTRACT.key })).status).toBe(200);
      const history = await get('/v1/spreads/history?limit=5', { 'x-api-key': CONTRACT.key });
      expect(history).toEqual({ status: 503, body: { code: 503, message: 'the database is unavailable right now; retry in a few seconds', details: [] } });
      // down for OUTAGE_MS, and longer if needed until the engine has detected events that cannot be written yet
      await sleep(OUTAGE_MS);
      detectedWhileDown = await eventually('spread events detected while Postgres is down', async () => {
        const detected = (await spreadEventsDetected()) - detectedAtStop;
        return detected >= 2 ? detected : undefined;
      }, 15_000, logs);
    } finally {
      await postgres.start();
    }
    const detectedAtRestart = await spreadEventsDetected();
    await eventually('readiness 200 after Postgres is back', async () => (await ready()) === 200, 20_000, logs);
    await sampler.stop();

    // every event detected before the restart is written once Postgres is back
    const rowsAfter = await eventually('the history catching up', async () => {
      const rows = await historyRows();
      return rows.length >= detectedAtRestart ? rows : undefined;
    }, 20_000, logs);
    expect(rowsAfter.length).toBeGreaterThanOrEqual(rowsBefore.length + detectedWhileDown);
    const after = new Set(rowsAfter.map((row) => row.event_id));
    expect(rowsBefore.filter((row) => !after.has(row.event_id))).toEqual([]);
    expect(new Set(rowsAfter.map((row) => row.event_id)).size).toBe(rowsAfter.length);
    expect(await postgres.query('select id, key_hash, points from api_consumers order by id')).toEqual(consumersBefore);
    expect(await flowPoints()).toBeGreaterThanOrEqual(flowPointsBefore);

    // the live socket, open all along, got every event of the history from its first one to its last (those written
    // after the outage included), in order, with the history row ids as seq: nothing skipped, nothing twice
    const caughtUp = Math.max(...rowsAfter.map((row) => Number(row.id)));
    await eventually('the live socket reaching the events written after the outage', async () => spreads.frames.some((f) => f.type === 'event' && f.seq >= caughtUp), 15_000, logs);
    const seen = spreads.frames.filter((frame) => frame.type === 'event').map((frame) => frame.seq as number);
    const ids = (await historyRows()).map((row) => Number(row.id));
    expect(seen).toEqual(ids.filter((id) => id >= seen[0] && id <= seen[seen.length - 1]));

    expect(sampler.samples.filter((sample) => sample.live !== 200)).toEqual([]);
    expect(sampler.samples.some((sample) => sample.ready === 503)).toBe(true);
    expect(sampler.samples.every((sample) => sample.ready === 200 || sample.ready === 503)).toBe(true);
    expect(gateway.pid).toBe(pid);
    expect(gateway.running).toBe(true);
  });
});
