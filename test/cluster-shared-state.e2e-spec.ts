import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { EVENT_LOG, RedisStreamsEventLog } from '@app/realtime';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import WebSocket from 'ws';
import { CapitalFlowService } from '../apps/gateway/src/capital-flow/capital-flow.service';
import type { DexMetricsValue } from '../apps/gateway/src/dex-metrics/domain/metrics-message';
import { DexLiveFeed } from '../apps/gateway/src/dex-metrics/publish/dex-live-feed';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient, type Frame } from './support/ws-client';

/**
 * Two gateways sharing one Redis (and, with DATABASE_URL, one Postgres database), as two replicas behind a load
 * balancer: what one replica counts or appends, the other sees.
 */
jest.setTimeout(180_000);

const REDIS_URL = process.env.REDIS_URL;
const describeIfRedis = REDIS_URL ? describe : describe.skip;
const PER_KEY_PER_MINUTE = 8;
const PER_IP_SOCKETS = 4;
const SPREADS_KEY = `cluster-e2e-contract-${randomBytes(4).toString('hex')}`;
const DEX_LIVE = '/v1/dex-metrics/live';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A database both replicas use, named after the one DATABASE_URL points at (so parallel runs never meet). */
async function sharedDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new URL(adminUrl);
  const name = `${admin.pathname.slice(1) || 'postgres'}_cluster_${process.pid}_${randomBytes(3).toString('hex')}`.replace(/[^a-z0-9_]/gi, '_');
  const run = async (sql: string) => {
    const pool = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      await pool.query(sql);
    } finally {
      await pool.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) await redis.del(...found);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** The status line of a WebSocket upgrade: 101 when accepted, else the refusal's status (429 over the per-IP cap). */
function upgradeStatus(url: string): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      response.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

describeIfRedis('two replicas sharing Redis (e2e)', () => {
  const prefix = `test:cluster:${randomBytes(4).toString('hex')}:`;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let keysDir: string;
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'cluster-e2e-keys-'));
    const keysFile = join(keysDir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify([{ key: SPREADS_KEY, secret: 'cluster-e2e-secret', tier: 'contract', name: 'cluster e2e', points: 1000 }]));
    database = process.env.DATABASE_URL ? await sharedDatabase(process.env.DATABASE_URL) : undefined;
    const env = {
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      API_KEYS_FILE: keysFile,
      SPREADS_SOURCE: 'off',
      CAPITAL_FLOW_TOKENS: 'BTC,ETH',
      CAPITAL_FLOW_INGEST: 'false',
      HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: String(PER_KEY_PER_MINUTE),
      WS_MAX_CONNECTIONS_PER_IP: String(PER_IP_SOCKETS),
      ...(database ? { DATABASE_URL: database.url } : {}),
    };
    // one after the other: the second finds the migrations done
    a = await startGateway({ env });
    b = await startGateway({ env });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    rmSync(keysDir, { recursive: true, force: true });
    await deleteKeys(REDIS_URL!, prefix);
  });

  it('a DEX message appended on one replica reaches clients on both, and a client resumes on the other replica', async () => {
    expect(a.app.get(EVENT_LOG)).toBeInstanceOf(RedisStreamsEventLog);
    const open = (gateway: GatewayUnderTest, query: Record<string, string | number> = {}) => {
      const client = StreamClient.connect(gateway.wsUrl(DEX_LIVE, query));
      clients.push(client);
      return client;
    };
    const onA = open(a);
    const onB = open(b);
    await onA.next((frame) => frame.type === 'welcome');
    await onB.next((frame) => frame.type === 'welcome');
    const feed = a.app.get(DexLiveFeed);
    const publish = (n: number) => feed.publish({ key: 'cluster:0xabc-USD', value: { txs_count_4h: n } as Partial<DexMetricsValue> as DexMetricsValue, sentAtMs: Date.now() });
    publish(1);
    const first = await onB.next((frame) => frame.type === 'message' && frame.value?.txs_count_4h === 1);
    expect(await onA.next((frame) => frame.type === 'message' && frame.value?.txs_count_4h === 1)).toEqual(first);
    await onA.close();
    for (let n = 2; n <= 5; n++) publish(n);
    await waitFor(() => onB.frames.filter((frame) => frame.type === 'message').length >= 5, 5_000, 'the four on B');
    const resumed = open(b, { resume_from: first.seq });
    expect(await resumed.next()).toMatchObject({ type: 'welcome', resumed: true, seq: first.seq });
    await waitFor(() => resumed.frames.filter((frame) => frame.type === 'message').length >= 4, 5_000, 'the replay on B');
    const messages = (client: StreamClient) => client.frames.filter((frame: Frame) => frame.type === 'message' && frame.seq > first.seq);
    expect(messages(resumed)).toEqual(messages(onB));
    expect(messages(resumed).map((frame) => frame.value.txs_count_4h)).toEqual([2, 3, 4, 5]);
  });

  it('counts one API key\'s REST requests across both replicas', async () => {
    const get = (gateway: GatewayUnderTest) => fetch(`${gateway.httpUrl}/v1/spreads/recent`, { headers: { 'x-api-key': SPREADS_KEY } });
    const statuses: number[] = [];
    for (let i = 0; i < PER_KEY_PER_MINUTE; i++) statuses.push((await get(i % 2 === 0 ? a : b)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const overA = await get(a);
    const overB = await get(b);
    expect([overA.status, overB.status]).toEqual([429, 429]);
    expect(overB.headers.get('retry-after')).toMatch(/^\d+$/);
    // another key is not affected
    expect((await fetch(`${b.httpUrl}/v1/spreads/recent`)).status).toBe(401);
  });

  it('caps WebSocket connections per IP over both replicas (HTTP 429 on the upgrade), and frees a slot on close', async () => {
    const sockets: WebSocket[] = [];
    try {
      for (const gateway of [a, b, a, b]) {
        const { status, socket } = await upgradeStatus(gateway.wsUrl(DEX_LIVE));
        expect(status).toBe(101);
        sockets.push(socket!);
      }
      await sleep(200); // the counts are written to Redis as the sockets open
      expect((await upgradeStatus(b.wsUrl(DEX_LIVE))).status).toBe(429);
      expect((await upgradeStatus(a.wsUrl(DEX_LIVE))).status).toBe(429);
      const closing = sockets.shift()!; // one of A's
      await new Promise((resolve) => {
        closing.once('close', resolve);
        closing.close();
      });
      await sleep(200);
      const again = await upgradeStatus(b.wsUrl(DEX_LIVE));
      expect(again.status).toBe(101);
      sockets.push(again.socket!);
    } finally {
      for (const socket of sockets) socket.terminate();
    }
  });

  (process.env.DATABASE_URL ? it : it.skip)('charges one key\'s points on both replicas and refuses once the quota is spent, anywhere; a signature is accepted once', async () => {
    for (const gateway of [a, b]) expect((await gateway.app.get(CapitalFlowService).sync()).failed).toBe(0);
    const key = { key: `cluster-e2e-points-${randomBytes(4).toString('hex')}`, secret: 'cluster-e2e-points-secret' };
    await a.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'builder', name: 'cluster points', points: 9 });
    const snapshot = async (gateway: GatewayUnderTest, timestamp = Date.now()) => {
      const path = '/api/open/v1/trade/getCoinTradeSnapshot';
      const body = JSON.stringify({ vsTokenId: 1, date: timestamp - 60_000 });
      const headers = { 'content-type': 'application/json', 'x-api-key': key.key, 'x-timestamp': String(timestamp), 'x-sign': signRequest(key.secret, { timestamp: String(timestamp), method: 'POST', path, body }) };
      const response = await fetch(`${gateway.httpUrl}${path}`, { method: 'POST', headers, body });
      return { code: ((await response.json()) as { code: number }).code, remaining: response.headers.get('x-points-remaining') };
    };
    // 3 points a call, 9 points: three calls pass, on whichever replica
    expect(await snapshot(a)).toEqual({ code: 200, remaining: '6' });
    expect(await snapshot(b)).toEqual({ code: 200, remaining: '3' });
    const replayed = Date.now() + 1;
    expect(await snapshot(a, replayed)).toEqual({ code: 200, remaining: '0' });
    // the same signed request again, on the other replica: a replay
    expect((await snapshot(b, replayed)).code).toBe(40105);
    expect((await snapshot(b)).code).toBe(42900);
    expect((await snapshot(a)).code).toBe(42900);
  });
});
