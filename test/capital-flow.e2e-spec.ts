import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { LEADERSHIP, type Leadership } from '@app/cluster';
import { createTestStore, type TestStore } from '@app/storage/testing/test-stores';
import { CapitalFlowService } from '../apps/gateway/src/capital-flow/capital-flow.service';
import { formatAmount, parseAmount } from '../apps/gateway/src/capital-flow/flow-decimal';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient } from './support/ws-client';

const SNAPSHOT = '/api/open/v1/trade/getCoinTradeSnapshot';
const LIST = '/api/open/v1/vs-token/list';
const LIVE = '/api/open/v1/trade/snapshot/live';
const STEP = 5 * 60_000;
const ENV = { CAPITAL_FLOW_TOKENS: 'BTC,ETH,FDUSD', CAPITAL_FLOW_INGEST: 'false' };

// the whole app boots (every feature) and backfills 100 points × 7 windows × 2 markets from the simulator
jest.setTimeout(120_000);

interface Key {
  key: string;
  secret: string;
}

let sequence = 0;
async function addKey(gateway: GatewayUnderTest, points: number): Promise<Key> {
  const key = { key: `cf-e2e-key-${process.pid}-${++sequence}-${Date.now()}`, secret: `cf-e2e-secret-${sequence}` };
  await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'builder', name: `e2e ${sequence}`, points });
  return key;
}

interface CallOptions {
  timestamp?: number;
  sign?: string;
  omit?: Array<'x-api-key' | 'x-timestamp' | 'x-sign'>;
  rawBody?: string;
}

async function call(gateway: GatewayUnderTest, path: string, body: unknown, key: Key, options: CallOptions = {}) {
  const raw = options.rawBody ?? JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Date.now());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-api-key': key.key,
    'x-timestamp': timestamp,
    'x-sign': options.sign ?? signRequest(key.secret, { timestamp, method: 'POST', path, body: raw }),
  };
  for (const name of options.omit ?? []) delete headers[name];
  const response = await fetch(`${gateway.httpUrl}${path}`, { method: 'POST', headers, body: raw });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { code: number; message: string; data: any; requestId: string } };
}

/** The simulator's own kline for the bar closing at `closeAt`: the expected figures, computed independently. */
async function simulatorFlow(gateway: GatewayUnderTest, market: 'spot' | 'futures', interval: string, openTime: number) {
  const path = market === 'spot' ? '/api/v3/klines' : '/fapi/v1/klines';
  const response = await fetch(`${gateway.simulator.baseUrls.binance}${path}?symbol=BTCUSDT&interval=${interval}&startTime=${openTime}&limit=1`);
  const [row] = (await response.json()) as string[][];
  const quote = parseAmount(row[7]);
  return { tradeInflow: formatAmount(2n * parseAmount(row[10]) - quote), tradeAmount: formatAmount(quote) };
}

describe('capital-flow open API (e2e, simulated Binance klines)', () => {
  let gateway: GatewayUnderTest;
  let key: Key;
  // the simulated exchange stands 10 minutes behind, so the live test can let time "catch up"
  const T0 = Math.floor(Date.now() / STEP) * STEP - 2 * STEP;

  beforeAll(async () => {
    gateway = await startGateway({ env: ENV });
    gateway.simulator.clock.freeze(T0);
    const report = await gateway.app.get(CapitalFlowService).sync();
    expect(report.failed).toBe(0);
    key = await addKey(gateway, 1_000);
  });
  afterAll(() => gateway.close());

  it('lists the tokens with stable ids (BTC = 1) and their markets and venues', async () => {
    const { status, body, headers } = await call(gateway, LIST, {}, key);
    expect(status).toBe(200);
    expect(body).toMatchObject({ code: 200, message: 'success', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(body.data).toEqual([
      { vsTokenId: '1', symbol: 'BTC', name: 'Bitcoin', hasSpotGoods: true, hasContract: true, spotVenues: ['binance'], contractVenues: ['binance-usdm'] },
      { vsTokenId: '2', symbol: 'ETH', name: 'Ethereum', hasSpotGoods: true, hasContract: true, spotVenues: ['binance'], contractVenues: ['binance-usdm'] },
      { vsTokenId: '11', symbol: 'FDUSD', name: 'First Digital USD', hasSpotGoods: true, hasContract: false, spotVenues: ['binance'], contractVenues: [] },
    ]);
    expect(headers.get('x-points-cost')).toBe('0');
  });

  it('serves a signed snapshot whose figures are the klines of each window, and charges 3 points', async () => {
    const { status, body, headers } = await call(gateway, SNAPSHOT, { vsTokenId: 1, date: T0 + 60_000 }, key);
    expect(status).toBe(200);
    expect(body.code).toBe(200);
    const data = body.data;
    expect(data).toMatchObject({ updateTime: T0, vsTokenId: '1', symbol: 'BTC', name: 'Bitcoin', hasSpotGoods: true, hasContract: true });
    expect(data.spotGoodsList.map((item: any) => item.timeRange)).toEqual(['m5', 'm15', 'm30', 'h1', 'h4', 'h12', 'h24']);
    expect(data.contractList.map((item: any) => item.timeParticleEnum)).toEqual([5, 15, 30, 60, 240, 720, 1440]);
    // m5 at T0 = the 5m bar [T0 − 5m, T0); h1 = the 1h bar that closed at the last full hour ≤ T0
    expect(data.spotGoodsList[0]).toEqual({ timeRange: 'm5', timeParticleEnum: 5, ...(await simulatorFlow(gateway, 'spot', '5m', T0 - STEP)) });
    expect(data.contractList[0]).toEqual({ timeRange: 'm5', timeParticleEnum: 5, ...(await simulatorFlow(gateway, 'futures', '5m', T0 - STEP)) });
    const hour = Math.floor(T0 / 3_600_000) * 3_600_000;
    expect(data.contractList[3]).toMatchObject(await simulatorFlow(gateway, 'futures', '1h', hour - 3_600_000));
    const spotInflows = data.spotGoodsList.map((item: any) => parseAmount(item.tradeInflow));
    expect(data.spotMaxInflow).toBe(formatAmount(spotInflows.reduce((a: bigint, b: bigint) => (b > a ? b : a))));
    expect(headers.get('x-points-cost')).toBe('3');
    expect(Number(headers.get('x-points-remaining'))).toBeLessThanOrEqual(997);
  });

  it('answers a spot-only token without derivatives and a date older than m5 retention with its boundary', async () => {
    const fdusd = await call(gateway, SNAPSHOT, { vsTokenId: 11, date: T0 - 2 * 86_400_000 }, key);
    expect(fdusd.body.data).toMatchObject({ hasSpotGoods: true, hasContract: false, contractList: [], contractMaxInflow: '0' });
    const m5 = fdusd.body.data.spotGoodsList[0];
    // 2 days back is beyond m5's 100 points: the oldest retained m5 point is served
    const flows = gateway.app.get(CapitalFlowService);
    expect(flows.snapshot(flows.token(11)!, 0).spotGoodsList[0]).toEqual(m5);
  });

  it('refuses each bad request with its own code, in the seed envelope', async () => {
    const body = { vsTokenId: 1, date: T0 };
    const cases = await Promise.all([
      call(gateway, SNAPSHOT, body, key, { omit: ['x-sign'] }),
      call(gateway, SNAPSHOT, body, key, { timestamp: Date.now() - 31_000 }),
      call(gateway, SNAPSHOT, body, key, { sign: 'f'.repeat(64) }),
      call(gateway, SNAPSHOT, body, { key: 'no-such-key', secret: 'x' }),
      call(gateway, SNAPSHOT, { vsTokenId: 'one', date: T0 }, key),
      call(gateway, SNAPSHOT, { vsTokenId: 99, date: T0 }, key),
      call(gateway, SNAPSHOT, undefined, key, { rawBody: '{"vsTokenId": 1,' }),
    ]);
    expect(cases.map(({ status, body }) => [status, body.code])).toEqual([
      [401, 40100],
      [401, 40102],
      [401, 40104],
      [401, 40103],
      [400, 40000],
      [404, 40400],
      [400, 40000],
    ]);
    for (const { body } of cases) expect(body).toEqual({ code: body.code, message: expect.any(String), data: null, requestId: expect.any(String) });
  });

  it('takes vsTokenId as an integer or as the numeric string vs-token/list returns', async () => {
    const asNumber = await call(gateway, SNAPSHOT, { vsTokenId: 1, date: T0 }, key);
    const asString = await call(gateway, SNAPSHOT, { vsTokenId: '1', date: T0 }, key);
    expect([asNumber.status, asNumber.body.code, asString.status, asString.body.code]).toEqual([200, 200, 200, 200]);
    expect(asString.body.data).toEqual(asNumber.body.data);
    // the id exactly as the list serialises it
    const listed = (await call(gateway, LIST, { symbol: 'eth' }, key)).body.data[0].vsTokenId;
    expect((await call(gateway, SNAPSHOT, { vsTokenId: listed, date: T0 }, key)).body.data.symbol).toBe('ETH');
  });

  it('refuses junk, negative, huge and exponent-style ids and hostile dates and symbols with 40000, never a 500, without charge', async () => {
    const vsTokenIds: unknown[] = ['one', '-1', -1, 0, '0', '1e3', 1.5, '1.0', ' 1', '1 ', '+1', '0x1', '', '１', '99999999999999999999', 1e20, 1e300, 2_147_483_648, 'x'.repeat(50_000), '9'.repeat(20_000), null, true, [1], { n: 1 }];
    const dates: unknown[] = [1e300, -1, 1.5, '1773654600000', 8_640_000_000_000_001, null, {}, [], 'x'.repeat(50_000)];
    const bodies: unknown[] = [
      ...vsTokenIds.map((vsTokenId) => ({ vsTokenId, date: T0 })),
      ...dates.map((date) => ({ vsTokenId: 1, date })),
      { vsTokenId: 1 },
      { vsTokenId: 1, date: T0, extra: 'x'.repeat(10_000) },
      [],
      [{ vsTokenId: 1, date: T0 }],
    ];
    const quota = await addKey(gateway, 30);
    const results = [];
    for (const body of bodies) results.push(await call(gateway, SNAPSHOT, body, quota));
    const lists = [];
    for (const symbol of ['x'.repeat(50_000), 'B T C', '../', { a: 1 }, 1e300, ['BTC']]) lists.push(await call(gateway, LIST, { symbol }, quota));
    for (const { status, body } of [...results, ...lists]) {
      expect([status, body.code]).toEqual([400, 40000]);
      expect(body.data).toBeNull();
      // the bad value is not echoed back
      expect(body.message.length).toBeLessThan(500);
    }
    expect((await call(gateway, LIST, {}, quota)).headers.get('x-points-remaining')).toBe('30');
  });

  it('refuses a bad vsTokenId on the live socket with an error frame and 1008, without echoing it', async () => {
    for (const vsTokenId of ['1e3', '-1', 'abc', '9'.repeat(5_000), '99']) {
      const timestamp = String(Date.now());
      const target = `${LIVE}?vsTokenId=${vsTokenId}`;
      const client = StreamClient.connect(gateway.wsUrl(LIVE, { vsTokenId }), {
        'x-api-key': key.key,
        'x-timestamp': timestamp,
        'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path: target, body: '' }),
      });
      const frame = await client.next();
      expect(frame).toMatchObject({ type: 'error', code: 'invalid_params', details: [{ param: 'vsTokenId' }] });
      expect(JSON.stringify(frame).length).toBeLessThan(500);
      expect((await client.closed).code).toBe(1008);
    }
    // the numeric string form is the one the live socket always took
    const timestamp = String(Date.now());
    const client = StreamClient.connect(gateway.wsUrl(LIVE, { vsTokenId: '2' }), {
      'x-api-key': key.key,
      'x-timestamp': timestamp,
      'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path: `${LIVE}?vsTokenId=2`, body: '' }),
    });
    expect(await client.next()).toMatchObject({ type: 'welcome', stream: 'capital-flow.snapshot', seq: expect.any(Number), resumed: false });
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: expect.any(Number), vsTokenId: '2', data: { symbol: 'ETH' } });
    await client.close();
  });

  it('verifies the body bytes as sent (seed cURL formatting) and refuses an exact replay', async () => {
    const raw = '{\n    "vsTokenId": 1,\n    "date": ' + T0 + '\n}';
    const timestamp = Date.now();
    const first = await call(gateway, SNAPSHOT, undefined, key, { rawBody: raw, timestamp });
    expect(first.body.code).toBe(200);
    const replay = await call(gateway, SNAPSHOT, undefined, key, { rawBody: raw, timestamp });
    expect([replay.status, replay.body.code]).toEqual([401, 40105]);
  });

  it('spends the signature of a refused call too: its replay is refused as a replay, and a replay charges nothing', async () => {
    const timestamp = Date.now();
    // refused after the signature was checked: bad body, unknown token
    for (const [body, refusal] of [
      [{ vsTokenId: 'x', date: T0 }, [400, 40000]],
      [{ vsTokenId: 999, date: T0 }, [404, 40400]],
    ] as const) {
      const first = await call(gateway, SNAPSHOT, body, key, { timestamp });
      expect([first.status, first.body.code]).toEqual(refusal);
      const replay = await call(gateway, SNAPSHOT, body, key, { timestamp });
      expect([replay.status, replay.body.code]).toEqual([401, 40105]);
    }
    // the free token list spends its signature apart from any charge
    const list = await call(gateway, LIST, {}, key, { timestamp });
    expect(list.body.code).toBe(200);
    expect((await call(gateway, LIST, {}, key, { timestamp })).body.code).toBe(40105);
    // a charged call, replayed at once: one charge
    const before = Number(list.headers.get('x-points-remaining'));
    const body = { vsTokenId: 2, date: T0 };
    const results = await Promise.all([call(gateway, SNAPSHOT, body, key, { timestamp }), call(gateway, SNAPSHOT, body, key, { timestamp })]);
    expect(results.map((result) => result.body.code).sort()).toEqual([200, 40105]);
    const after = await call(gateway, LIST, {}, key);
    expect(Number(after.headers.get('x-points-remaining'))).toBe(before - 3);
  });

  it('refuses an exhausted key without charging it', async () => {
    const small = await addKey(gateway, 7);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(gateway, SNAPSHOT, { vsTokenId: 2, date: T0 - i * STEP }, small));
    expect(results.map(({ body }) => body.code)).toEqual([200, 200, 42900, 42900]);
    expect(results.map(({ headers }) => headers.get('x-points-remaining'))).toEqual(['4', '1', '1', '1']);
    expect(results[2].status).toBe(429);
    expect(results[2].body.message).toMatch(/points exhausted/);
    // a rejected call (unknown token) costs nothing either
    const unknown = await call(gateway, SNAPSHOT, { vsTokenId: 99, date: T0 }, small);
    expect(unknown.body.code).toBe(40400);
  });

  it('meters exactly under concurrent calls (no lost or double charges)', async () => {
    const quota = await addKey(gateway, 150);
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => call(gateway, SNAPSHOT, { vsTokenId: 1, date: T0 - i * 60_000 }, quota)));
    const codes = results.map(({ body }) => body.code);
    expect(codes.filter((code) => code === 200)).toHaveLength(50);
    expect(codes.filter((code) => code === 42900)).toHaveLength(30);
    const after = await call(gateway, LIST, {}, quota);
    expect(after.headers.get('x-points-remaining')).toBe('0');
  });

  it('pushes the snapshot on a signed live socket as the next 5-minute point closes', async () => {
    const timestamp = String(Date.now());
    const target = `${LIVE}?vsTokenId=1`;
    const client = StreamClient.connect(gateway.wsUrl(LIVE, { vsTokenId: 1 }), {
      'x-api-key': key.key,
      'x-timestamp': timestamp,
      'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path: target, body: '' }),
    });
    const first = await client.next((frame) => frame.type === 'snapshot');
    expect(first).toMatchObject({ type: 'snapshot', vsTokenId: '1', data: { symbol: 'BTC' } });
    // the exchange catches up: the next pass finds newer closed m5 points and the socket gets the new snapshot
    gateway.simulator.clock.useRealTime();
    await gateway.app.get(CapitalFlowService).sync();
    const latestInstant = Math.floor(Date.now() / STEP) * STEP;
    const pushed = await client.next((frame) => frame.type === 'snapshot');
    expect(pushed.data.updateTime).toBe(latestInstant);
    expect(pushed.data.spotGoodsList[0]).not.toEqual(first.data.spotGoodsList[0]);
    await client.close();

    const unsigned = StreamClient.connect(gateway.wsUrl(LIVE, { vsTokenId: 1 }));
    expect(await unsigned.next()).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await unsigned.closed).code).toBe(4401);
  });
});

describe('capital-flow snapshot during a Binance outage (e2e)', () => {
  const T0 = Math.floor(Date.now() / STEP) * STEP - 2 * STEP;
  const env = { CAPITAL_FLOW_TOKENS: 'BTC,FDUSD', CAPITAL_FLOW_INGEST: 'false' };
  const outage = (gateway: GatewayUnderTest) => gateway.simulator.faults.set('binance', { kind: '500', status: 503 });
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cf-outage-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the stored points after a restart while every Binance route fails', async () => {
    const first = await startGateway({ env: { ...env, DATA_DIR: dataDir } });
    let before;
    try {
      first.simulator.clock.freeze(T0);
      expect((await first.app.get(CapitalFlowService).sync()).failed).toBe(0);
      before = await call(first, SNAPSHOT, { vsTokenId: 1, date: T0 }, await addKey(first, 10));
      expect(before.body.code).toBe(200);
    } finally {
      await first.close();
    }

    const second = await startGateway({ env: { ...env, DATA_DIR: dataDir } });
    try {
      outage(second);
      second.simulator.clock.freeze(T0 + 3 * STEP);
      const report = await second.app.get(CapitalFlowService).sync();
      expect([report.role, report.points]).toEqual(['ingester', 0]);
      expect(report.failed).toBeGreaterThan(0);
      const key = await addKey(second, 10);
      const during = await call(second, SNAPSHOT, { vsTokenId: 1, date: T0 }, key);
      expect([during.status, during.body.code]).toEqual([200, 200]);
      expect(during.body.data).toEqual(before.body.data);
      expect(during.headers.get('x-points-remaining')).toBe('7');
    } finally {
      await second.close();
    }
  });

  it('with nothing stored, answers 503 / 50300 and charges nothing; never null in a string field', async () => {
    const gateway = await startGateway({ env });
    try {
      outage(gateway);
      expect((await gateway.app.get(CapitalFlowService).sync()).failed).toBeGreaterThan(0);
      const key = await addKey(gateway, 10);
      const results = [await call(gateway, SNAPSHOT, { vsTokenId: 1, date: Date.now() }, key), await call(gateway, SNAPSHOT, { vsTokenId: '11', date: Date.now() }, key)];
      for (const { status, body, headers } of results) {
        expect([status, body.code, body.data]).toEqual([503, 50300, null]);
        expect(body.message).toMatch(/no capital-flow data/);
        expect(headers.get('retry-after')).toBe('60');
      }
      expect((await call(gateway, LIST, {}, key)).headers.get('x-points-remaining')).toBe('10');
      const text = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
      expect(text).not.toMatch(/points_charged[^\n]*getCoinTradeSnapshot[^\n]* [1-9]/);

      // the live socket likewise: its welcome, then no empty snapshot and no charge until points exist
      const timestamp = String(Date.now());
      const live = StreamClient.connect(gateway.wsUrl(LIVE, { vsTokenId: 1 }), {
        'x-api-key': key.key,
        'x-timestamp': timestamp,
        'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path: `${LIVE}?vsTokenId=1`, body: '' }),
      });
      expect(await live.next()).toMatchObject({ type: 'welcome', stream: 'capital-flow.snapshot', resumed: false });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(live.frames.filter((frame) => frame.type === 'snapshot')).toEqual([]);
      expect((await call(gateway, LIST, {}, key)).headers.get('x-points-remaining')).toBe('10');
      await live.close();
    } finally {
      await gateway.close();
    }
  });
});

const withRealStores = process.env.DATABASE_URL && process.env.REDIS_URL ? describe : describe.skip;

withRealStores('capital-flow metering on real Postgres and Redis (e2e)', () => {
  let gateway: GatewayUnderTest;
  let store: TestStore;

  beforeAll(async () => {
    store = await createTestStore('postgres');
    const prefix = `cf-e2e-${process.pid}-${Date.now().toString(36)}:`; // a cluster of its own
    gateway = await startGateway({ env: { ...ENV, DATABASE_URL: store.storage.databaseUrl!, REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: prefix } });
    // with Redis the replica campaigns for capital-flow: it ingests once it leads
    const leadership = gateway.app.get<Leadership>(LEADERSHIP);
    for (const deadline = Date.now() + 10_000; !leadership.term('capital-flow') && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    // points to serve: a snapshot with nothing stored is a 503 that charges nothing
    expect((await gateway.app.get(CapitalFlowService).sync()).failed).toBe(0);
  });
  afterAll(async () => {
    await gateway?.close();
    await store?.destroy();
  });

  it('charges exactly under concurrent calls and refuses replays across the shared Redis', async () => {
    const key = await addKey(gateway, 90);
    const results = await Promise.all(Array.from({ length: 45 }, (_, i) => call(gateway, SNAPSHOT, { vsTokenId: 1, date: Date.now() - i * 60_000 }, key)));
    const codes = results.map(({ body }) => body.code);
    expect(codes.filter((code) => code === 200)).toHaveLength(30);
    expect(codes.filter((code) => code === 42900)).toHaveLength(15);
    expect((await call(gateway, LIST, {}, key)).headers.get('x-points-remaining')).toBe('0');

    const other = await addKey(gateway, 30);
    const timestamp = Date.now();
    const once = await call(gateway, LIST, {}, other, { timestamp });
    const again = await call(gateway, LIST, {}, other, { timestamp });
    expect([once.body.code, again.body.code]).toEqual([200, 40105]);
  });
});
