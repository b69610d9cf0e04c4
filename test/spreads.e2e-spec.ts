import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStreams } from '@app/realtime';
import { availableStoreKinds, createTestStore, type StoreKind, type TestStore } from '@app/storage/testing/test-stores';
import type { Quote } from '../apps/gateway/src/spreads/domain/quote';
import { SpreadsPipeline } from '../apps/gateway/src/spreads/spreads.pipeline';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient, type Frame } from './support/ws-client';

// PGlite start-up and writes are slow on a loaded machine
jest.setTimeout(120_000);

const KEYS = {
  dev: 'e2e-machine-dev-key-0001',
  builder: 'e2e-builder-key-00000002',
  contract: 'e2e-contract-key-0000003',
};

/** Documented fields (seed 003 "Event fields"): nothing else may appear. */
const RECENT_FIELDS = new Set([
  'received_at', 'event', 'symbol', 'spread_type', 'buy_exchange', 'sell_exchange', 'buy_kind', 'sell_kind', 'buy_price', 'sell_price',
  'spread_percent', 'volume_24h', 'buy_mark_price', 'sell_mark_price', 'stale_since_ms', 'dex_metadata',
]);
const HISTORY_FIELDS = new Set([...[...RECENT_FIELDS].filter((f) => f !== 'received_at'), 'fired_at', 'is_stale']);

function keysFile(): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spreads-keys-'));
  const file = join(dir, 'keys.json');
  writeFileSync(
    file,
    JSON.stringify([
      { key: KEYS.dev, secret: 'dev-secret-1', tier: 'machine-dev', name: 'dev', points: 10 },
      { key: KEYS.builder, secret: 'builder-secret', tier: 'builder', name: 'builder', points: 100 },
      { key: KEYS.contract, secret: 'contract-secret', tier: 'contract', name: 'contract', points: 1000 },
    ]),
  );
  return { file, dir };
}

const dexPool = (dex: string, chain: string, pool: string) => ({ dex, chain, pool_address: pool });

/** 7 isolated symbols → exactly one open of each spread type, then one close (AAA converges). */
function scriptedQuotes(now: number): { diverge: Quote[]; converge: Quote[] } {
  const q = (venue: string, kind: Quote['kind'], symbol: string, price: number, extra: Partial<Quote> = {}): Quote => ({ venue, kind, symbol, price, ts: now, ...extra });
  return {
    diverge: [
      q('BINANCE', 'spot', 'AAA_USDT', 100, { volume24h: 2e6 }),
      q('OKX', 'spot', 'AAA_USDT', 103, { volume24h: 5e5 }), // spot/spot 3 %
      q('BYBIT', 'futures', 'BBB_USDT', 50, { mark: 50, volume24h: 3e6 }),
      q('GATE', 'futures', 'BBB_USDT', 51, { mark: 51, volume24h: 3e6 }), // futures/futures 2 %
      q('MEXC', 'spot', 'CCC_USDT', 10, { volume24h: 8e5 }),
      q('KUCOIN', 'futures', 'CCC_USDT', 10.5, { mark: 10.49, volume24h: 5e6 }), // spot/futures 5 %
      q('UNISWAP_V3', 'dex', 'DDD_USDT', 20, { liquidityUsd: 1e6, dex: dexPool('uniswap_v3', 'eth', '0xddd') }),
      q('BITGET', 'futures', 'DDD_USDT', 20.4, { volume24h: 4e6 }), // dex/futures 2 %
      q('BINANCE', 'spot', 'EEE_USDT', 5, { volume24h: 2e6 }),
      q('PANCAKESWAP', 'dex', 'EEE_USDT', 5.2, { liquidityUsd: 30_000, dex: dexPool('pancakeswap', 'bsc', '0xeee') }), // spot/dex 4 %
      q('UNISWAP_V3', 'dex', 'FFF_USDT', 1, { liquidityUsd: 2e6, dex: dexPool('uniswap_v3', 'eth', '0xfff1') }),
      q('SUSHISWAP', 'dex', 'FFF_USDT', 1.015, { liquidityUsd: 50_000, dex: dexPool('sushiswap', 'eth', '0xfff2') }), // dex/dex 1.5 %
      q('OKX', 'futures', 'GGG_USDT', 200, { mark: 206, volume24h: 1e7 }), // internal/futures 3 %
    ],
    converge: [q('OKX', 'spot', 'AAA_USDT', 100.1, { volume24h: 5e5 })], // AAA closes (0.1 %)
  };
}

async function getJson(gateway: GatewayUnderTest, path: string, key?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.httpUrl}${path}`, { headers: key ? { 'x-api-key': key } : {} });
  return { status: response.status, body: await response.json() };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function flushed(pipeline: SpreadsPipeline, expected: number): Promise<void> {
  await waitFor(async () => pipeline.writer.pendingCount === 0 && (await pipeline.history.count()) >= expected);
}

async function storageEnv(kind: StoreKind): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'spreads-e2e-data-'));
    return { env: { DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const store: TestStore = await createTestStore('postgres');
  return { env: { DATABASE_URL: store.storage.databaseUrl! }, cleanup: () => store.destroy() };
}

describe.each(availableStoreKinds())('spreads API (%s)', (kind) => {
  let gateway: GatewayUnderTest;
  let pipeline: SpreadsPipeline;
  let keys: { file: string; dir: string };
  let storage: { env: Record<string, string>; cleanup: () => Promise<void> };

  beforeAll(async () => {
    keys = keysFile();
    storage = await storageEnv(kind);
    gateway = await startGateway({ env: { ...storage.env, API_KEYS_FILE: keys.file, SPREADS_SOURCE: 'off', SPREADS_HISTORY_FLUSH_MS: '20', SPREADS_MAX_QUOTE_AGE_MS: '600000' } });
    pipeline = gateway.app.get(SpreadsPipeline);
  });
  afterAll(async () => {
    await gateway?.close();
    await storage?.cleanup();
    rmSync(keys.dir, { recursive: true, force: true });
  });

  it('serves scripted events on recent, history and live, with every seed filter', async () => {
    const contract = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.contract, min_pct: 3, dex: 'false' }));
    const welcome = await contract.next((f) => f.type === 'welcome');
    expect(welcome).toEqual({
      type: 'welcome', stream: 'spreads.live', seq: expect.any(Number), resumed: false, heartbeat_ms: expect.any(Number),
      family: 'spreads', delay_seconds: 0, filters: { min_pct: 3, dex: false }, trace: expect.stringMatching(/^c_[0-9a-f]{16}$/),
    });

    const { diverge, converge } = scriptedQuotes(Date.now());
    pipeline.ingest(diverge);
    pipeline.ingest(converge);

    // live: only matching events (min_pct 3, no DEX leg), the curated event under data
    const frames: Frame[] = [];
    for (let i = 0; i < 3; i++) frames.push(await contract.next((f) => f.type === 'event'));
    expect(frames.map((f) => f.data.symbol).sort()).toEqual(['AAA_USDT', 'CCC_USDT', 'GGG_USDT']);
    for (const frame of frames) {
      expect(frame).toMatchObject({ type: 'event', seq: expect.any(Number), family: 'spreads', received_at: expect.any(Number) });
      for (const field of Object.keys(frame.data)) expect(RECENT_FIELDS).toContain(field);
    }
    expect(frames.find((f) => f.data.symbol === 'CCC_USDT')!.data).toMatchObject({
      event: 'open', spread_type: 'spot/futures', buy_exchange: 'MEXC', sell_exchange: 'KUCOIN', buy_price: 10, sell_price: 10.5, spread_percent: 5, buy_mark_price: null, sell_mark_price: 10.49,
    });
    await contract.close();

    const recent = await getJson(gateway, '/v1/spreads/recent?limit=500', KEYS.contract);
    expect(recent.status).toBe(200);
    expect(recent.body.meta).toEqual({ trace: welcome.trace, as_of: expect.any(Number), count: 8, delay_seconds: 0 });
    expect(recent.body.data.map((e: any) => `${e.event}:${e.symbol}:${e.spread_type}`)).toEqual([
      'open:AAA_USDT:spot/spot',
      'open:BBB_USDT:futures/futures',
      'open:CCC_USDT:spot/futures',
      'open:DDD_USDT:dex/futures',
      'open:EEE_USDT:spot/dex',
      'open:FFF_USDT:dex/dex',
      'open:GGG_USDT:internal/futures',
      'close:AAA_USDT:spot/spot',
    ]);
    for (const event of recent.body.data) for (const field of Object.keys(event)) expect(RECENT_FIELDS).toContain(field);
    const close = recent.body.data[7];
    expect(close).toMatchObject({ buy_exchange: 'BINANCE', sell_exchange: 'OKX', spread_percent: 0.1, stale_since_ms: expect.any(Number) });
    expect(close).not.toHaveProperty('buy_mark_price');
    expect(recent.body.data[5].dex_metadata).toEqual({
      buy: { dex: 'uniswap_v3', chain: 'eth', pool_address: '0xfff1', liquidity_usd: 2e6 },
      sell: { dex: 'sushiswap', chain: 'eth', pool_address: '0xfff2', liquidity_usd: 50_000 },
    });

    await flushed(pipeline, 8);
    const cases: Array<[string, string[]]> = [
      ['min_pct=3', ['open:AAA', 'open:CCC', 'open:EEE', 'open:GGG']],
      ['max_pct=2', ['open:BBB', 'open:DDD', 'open:FFF', 'close:AAA']],
      ['min_pct=2&max_pct=3', ['open:AAA', 'open:BBB', 'open:DDD', 'open:GGG']],
      ['spread_type=futures/futures', ['open:BBB']],
      ['spread_type=spot/futures', ['open:CCC']],
      ['spread_type=spot/spot', ['open:AAA', 'close:AAA']],
      ['spread_type=dex/futures', ['open:DDD']],
      ['spread_type=spot/dex', ['open:EEE']],
      ['spread_type=dex/dex', ['open:FFF']],
      ['spread_type=internal/futures', ['open:GGG']],
      ['exchange=binance', ['open:AAA', 'open:EEE', 'close:AAA']],
      ['allowed_exchanges=BINANCE,OKX', ['open:AAA', 'open:GGG', 'close:AAA']],
      ['allowed_exchanges=BINANCE', []],
      ['buy_exchange=BINANCE', ['open:AAA', 'open:EEE', 'close:AAA']],
      ['sell_exchange=BINANCE', []],
      ['sell_exchange=OKX', ['open:AAA', 'open:GGG', 'close:AAA']],
      ['buy_exchange=MEXC&sell_exchange=KUCOIN', ['open:CCC']],
      ['symbol=CCC_USDT', ['open:CCC']],
      ['symbol=ccc/usdt', ['open:CCC']],
      ['exclude_symbol=AAA_USDT', ['open:BBB', 'open:CCC', 'open:DDD', 'open:EEE', 'open:FFF', 'open:GGG']],
      ['dex=true', ['open:DDD', 'open:EEE', 'open:FFF']],
      ['dex=false', ['open:AAA', 'open:BBB', 'open:CCC', 'open:GGG', 'close:AAA']],
      ['min_volume_24h=1000000', ['open:BBB', 'open:DDD', 'open:EEE', 'open:FFF', 'open:GGG']],
      ['min_dex_liquidity_usd=100000', ['open:AAA', 'open:BBB', 'open:CCC', 'open:DDD', 'open:GGG', 'close:AAA']],
      ['events=close', ['close:AAA']],
      ['events=open&dex=true&min_pct=2', ['open:DDD', 'open:EEE']],
      ['delay=3600', []],
    ];
    const label = (e: any) => `${e.event}:${e.symbol.slice(0, 3)}`;
    const answers = await Promise.all(
      cases.map(async ([query]) => ({
        recent: await getJson(gateway, `/v1/spreads/recent?${query}`, KEYS.contract),
        history: await getJson(gateway, `/v1/spreads/history?${query}`, KEYS.contract),
      })),
    );
    cases.forEach(([query, expected], index) => {
      const { recent: fromRecent, history: fromHistory } = answers[index];
      expect({ query, got: fromRecent.body.data.map(label).sort() }).toEqual({ query, got: [...expected].sort() });
      expect({ query, history: fromHistory.body.data.map(label).sort() }).toEqual({ query, history: [...expected].sort() });
    });
    const limited = await getJson(gateway, '/v1/spreads/recent?limit=2', KEYS.contract);
    expect(limited.body.data.map(label)).toEqual(['open:GGG', 'close:AAA']);

    const history = await getJson(gateway, '/v1/spreads/history?limit=500', KEYS.contract);
    expect(history.body.meta).toEqual({ trace: welcome.trace, count: 8, next_before: null, delay_seconds: 0 });
    for (const row of history.body.data) {
      for (const field of Object.keys(row)) expect(HISTORY_FIELDS).toContain(field);
      expect(Number.isInteger(row.fired_at)).toBe(true);
      expect(row.is_stale).toBe(false);
    }
  });

  it('rejects bad parameters with 400 and names them', async () => {
    const bad = await getJson(gateway, '/v1/spreads/recent?spread_type=perp/perp&min_pct=abc&colour=red', KEYS.contract);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(400);
    expect(bad.body.details.map((d: any) => d.param).sort()).toEqual(['colour', 'min_pct', 'spread_type']);
    expect((await getJson(gateway, '/v1/spreads/history?before=yesterday', KEYS.contract)).status).toBe(400);
    const ws = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.contract, events: 'both' }));
    expect(await ws.next()).toMatchObject({ type: 'error', code: 'invalid_params' });
    expect((await ws.closed).code).toBe(1008);
  });

  it('refuses overflowing, non-finite and out-of-range numbers with 400 naming the parameter (never a 500)', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/spreads/recent?delay=1e20', 'delay'],
      ['/v1/spreads/history?delay=1e20', 'delay'],
      ['/v1/spreads/history?since=1e300', 'since'],
      ['/v1/spreads/history?before=1234567890123456789', 'before'],
      ['/v1/spreads/history?before=9999999999999999999', 'before'],
      ['/v1/spreads/history?before=1781000000000_1234567890123456789', 'before'],
      ['/v1/spreads/history?limit=1e20', 'limit'],
      ['/v1/spreads/recent?min_pct=1e400', 'min_pct'],
      [`/v1/spreads/recent?symbol=${'9'.repeat(16_000)}`, 'symbol'],
    ];
    for (const [path, param] of cases) {
      const answer = await getJson(gateway, path, KEYS.contract);
      expect({ path: path.slice(0, 80), status: answer.status }).toEqual({ path: path.slice(0, 80), status: 400 });
      expect(answer.body).toEqual({ code: 400, message: expect.stringContaining(param), details: [{ param, message: expect.any(String) }] });
    }
    for (const [param, value] of [['delay', '1e20'], ['min_pct', 'Infinity'], ['delay', String(10 ** 12)]]) {
      const ws = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.contract, [param]: value }));
      expect(await ws.next()).toMatchObject({ type: 'error', code: 'invalid_params', details: [{ param }] });
      expect((await ws.closed).code).toBe(1008);
    }
  });

  it('enforces tiers: 401 without or with a bad key, delays and caps per tier, 403/4403 where the tier has no access', async () => {
    expect((await getJson(gateway, '/v1/spreads/recent')).status).toBe(401);
    expect((await getJson(gateway, '/v1/spreads/recent', 'not-a-real-key-000000')).status).toBe(401);
    expect((await getJson(gateway, '/v1/spreads/history')).body).toMatchObject({ code: 401 });

    // machine-dev: delayed everywhere (>= 300 s): the fresh events are hidden, even when asking for no delay
    const dev = await getJson(gateway, '/v1/spreads/recent?delay=0', KEYS.dev);
    expect(dev.status).toBe(200);
    expect(dev.body.meta).toMatchObject({ delay_seconds: 300, count: 0 });
    expect((await getJson(gateway, '/v1/spreads/history', KEYS.dev)).body.meta).toMatchObject({ delay_seconds: 300, count: 0 });
    const builder = await getJson(gateway, '/v1/spreads/recent', KEYS.builder);
    expect(builder.body.meta.delay_seconds).toBe(0);
    expect(builder.body.data.length).toBeGreaterThan(0);
    // traces: one per consumer, stable across calls
    expect(builder.body.meta.trace).not.toBe(dev.body.meta.trace);
    expect((await getJson(gateway, '/v1/spreads/recent', KEYS.builder)).body.meta.trace).toBe(builder.body.meta.trace);

    const devSocket = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.dev }));
    expect(await devSocket.next()).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await devSocket.closed).code).toBe(4403);
    const anonymous = StreamClient.connect(gateway.wsUrl('/v1/spreads/live'));
    expect(await anonymous.next()).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await anonymous.closed).code).toBe(4401);

    // builder: open events held >= 60 s, close events live; the header works for WebSocket too
    const builderSocket = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { symbol: 'HHH_USDT', delay: 5 }), { 'x-api-key': KEYS.builder });
    expect(await builderSocket.next((f) => f.type === 'welcome')).toMatchObject({ delay_seconds: 60, trace: builder.body.meta.trace });
    const contractSocket = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.contract, symbol: 'HHH_USDT' }));
    await contractSocket.next((f) => f.type === 'welcome');
    const now = Date.now();
    pipeline.ingest([
      { venue: 'BINANCE', kind: 'spot', symbol: 'HHH_USDT', price: 10, ts: now },
      { venue: 'BYBIT', kind: 'spot', symbol: 'HHH_USDT', price: 10.3, ts: now },
    ]);
    expect((await contractSocket.next((f) => f.type === 'event')).data.event).toBe('open');
    pipeline.ingest([{ venue: 'BYBIT', kind: 'spot', symbol: 'HHH_USDT', price: 10.01, ts: now }]);
    expect((await contractSocket.next((f) => f.type === 'event')).data.event).toBe('close');
    const sessions = gateway.app.get(EventStreams);
    // the builder's own 5 s delay has passed for the close, not the 60 s for the open: the close waits for its open
    sessions.release(Date.now() + 5_100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(builderSocket.frames.filter((f) => f.type === 'event')).toHaveLength(0);
    sessions.release(Date.now() + 60_100);
    expect((await builderSocket.next((f) => f.type === 'event')).data.event).toBe('open');
    expect((await builderSocket.next((f) => f.type === 'event')).data.event).toBe('close');
    await builderSocket.close();
    await contractSocket.close();
  });

  it('walks a burst of events sharing one second page by page, each exactly once (and accepts the seed integer before)', async () => {
    await waitFor(() => pipeline.writer.pendingCount === 0);
    const before = await pipeline.history.count();
    const now = Date.now();
    const symbols = Array.from({ length: 400 }, (_, i) => `B${i.toString().padStart(3, '0')}_USDT`);
    pipeline.ingest(symbols.flatMap((symbol) => [
      { venue: 'GATE', kind: 'spot' as const, symbol, price: 1, ts: now },
      { venue: 'MEXC', kind: 'spot' as const, symbol, price: 1.02, ts: now },
    ]));
    pipeline.ingest(symbols.map((symbol) => ({ venue: 'MEXC', kind: 'spot' as const, symbol, price: 1.001, ts: now })));
    await flushed(pipeline, before + 800);
    const seen = new Map<string, number>();
    let cursor: number | null | undefined;
    let pages = 0;
    const perSecond = new Map<number, number>();
    do {
      const page = await getJson(gateway, '/v1/spreads/history?limit=37' + (cursor ? `&before=${cursor}` : ''), KEYS.contract);
      expect(page.status).toBe(200);
      pages++;
      for (const row of page.body.data) {
        const id = `${row.event}:${row.symbol}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (/^B\d{3}_USDT$/.test(row.symbol)) perSecond.set(row.fired_at, (perSecond.get(row.fired_at) ?? 0) + 1);
      }
      const firedAts = page.body.data.map((row: any) => row.fired_at);
      expect([...firedAts].sort((a, b) => a - b)).toEqual(firedAts); // oldest first within the page
      cursor = page.body.meta.next_before;
      // the seed's integer unix timestamp; the page ends at that second's boundary
      if (cursor !== null) {
        expect(Number.isInteger(cursor)).toBe(true);
        expect(firedAts[0]).toBe(cursor);
      }
    } while (cursor);
    const burst = [...seen].filter(([id]) => /:B\d{3}_USDT$/.test(id));
    expect(burst).toHaveLength(800);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect([...seen.keys()].length).toBe(before + 800);
    // the burst really shares seconds: more than a page of 37 in one second, served whole
    expect(Math.max(...perSecond.values())).toBeGreaterThanOrEqual(400);
    expect(pages).toBeLessThan(Math.ceil((before + 800) / 37));

    // the cursor of earlier versions ("<fired_at_ms>_<id>") is still accepted
    const composite = await getJson(gateway, `/v1/spreads/history?before=${Date.now() + 1000}_999999999&limit=1000`, KEYS.contract);
    expect(composite.status).toBe(200);
    expect(composite.body.data.filter((row: any) => /^B\d{3}_USDT$/.test(row.symbol))).toHaveLength(800);

    // builder's history cap is 1000; machine-dev's is 100
    expect((await getJson(gateway, '/v1/spreads/history?limit=5000', KEYS.builder)).body.meta.count).toBe(Math.min(1000, before + 800));

    // the seed's cursor form: strictly older than that unix second
    const second = Math.floor(now / 1000);
    const older = await getJson(gateway, `/v1/spreads/history?before=${second}&limit=1000`, KEYS.contract);
    for (const row of older.body.data) expect(row.fired_at).toBeLessThan(second);
    const since = await getJson(gateway, `/v1/spreads/history?since=${second}&limit=1000&symbol=B000_USDT`, KEYS.contract);
    expect(since.body.data.map((row: any) => row.event)).toEqual(['open', 'close']);
  });

  it("recent for machine-dev holds the last events older than its 300 s delay, beyond the in-memory ring (up to 500)", async () => {
    // the ring holds the 500 newest events (the burst above): all fresher than 300 s. Older ones are only in the history.
    const now = Date.now();
    const old = Array.from({ length: 620 }, (_, i) => ({
      id: `b18-${now}-${i}`, event: i % 3 === 0 ? ('close' as const) : ('open' as const), symbol: `OLD${i % 7}_USDT`, spread_type: 'spot/spot' as const,
      buy_leg: 'GATE:spot', sell_leg: 'MEXC:spot', buy_exchange: 'GATE', sell_exchange: 'MEXC', buy_kind: 'spot' as const, sell_kind: 'spot' as const,
      buy_price: 1, sell_price: 1.02, spread_percent: 2, volume_24h: null, cex_legs: 2, fired_at_ms: now - 1_000_000 + i * 1_000, // 1,000 s to 381 s old
    }));
    await pipeline.history.insert(old);
    
    const recent = await getJson(gateway, '/v1/spreads/recent?limit=500', KEYS.dev);
    expect(recent.status).toBe(200);
    expect(recent.body.meta).toMatchObject({ delay_seconds: 300, count: 500 });
    const history = await getJson(gateway, '/v1/spreads/history?delay=300&limit=5000', KEYS.contract);
    const expected = history.body.data.slice(-500);
    expect(recent.body.data.map((e: any) => `${e.event}:${e.symbol}:${Math.floor(e.received_at)}`)).toEqual(
      expected.map((e: any) => `${e.event}:${e.symbol}:${e.fired_at}`),
    );
    expect(recent.body.data.map((e: any) => Math.round(e.received_at * 1000))).toEqual(old.slice(-500).map((e) => e.fired_at_ms));
    for (const event of recent.body.data) for (const field of Object.keys(event)) expect(RECENT_FIELDS).toContain(field);

    // filters apply to that window of 500, as they do to the ring
    const closes = await getJson(gateway, '/v1/spreads/recent?limit=500&events=close', KEYS.dev);
    expect(closes.body.data).toEqual(recent.body.data.filter((e: any) => e.event === 'close'));
    // a longer delay shifts the window
    const later = await getJson(gateway, '/v1/spreads/recent?limit=10&delay=600', KEYS.dev);
    expect(later.body.meta.count).toBe(10);
    expect(Math.round(later.body.data.at(-1).received_at * 1000)).toBeLessThanOrEqual(Date.now() - 600_000);
    expect(Math.round(later.body.data.at(-1).received_at * 1000)).toBeGreaterThan(now - 600_000 - 60_000);
  });
});

describe.each(availableStoreKinds())('spreads across a graceful restart (%s)', (kind) => {
  it('loses no event and duplicates none; open spreads are not re-opened', async () => {
    const keys = keysFile();
    const storage = await storageEnv(kind);
    const env = { ...storage.env, API_KEYS_FILE: keys.file, SPREADS_SOURCE: 'off', SPREADS_HISTORY_FLUSH_MS: '5000', SPREADS_MAX_QUOTE_AGE_MS: '600000' };
    try {
      let gateway = await startGateway({ env });
      let pipeline = gateway.app.get(SpreadsPipeline);
      const { diverge, converge } = scriptedQuotes(Date.now());
      pipeline.ingest(diverge);
      pipeline.ingest(converge);
      expect(pipeline.writer.pendingCount).toBe(8); // the 5 s flush has not run: the shutdown must write them
      await gateway.close();

      gateway = await startGateway({ env });
      pipeline = gateway.app.get(SpreadsPipeline);
      expect(await pipeline.history.count()).toBe(8);
      expect((await getJson(gateway, '/v1/spreads/recent', KEYS.contract)).body.meta.count).toBe(8); // recent warmed from history
      // the same divergence again: the 6 spreads still open are not opened a second time, AAA is in cooldown
      const again = scriptedQuotes(Date.now());
      pipeline.ingest(again.diverge);
      expect(pipeline.engine.stats.opens).toBe(0);
      // and they close once when prices converge
      const now = Date.now();
      pipeline.ingest([
        { venue: 'GATE', kind: 'futures', symbol: 'BBB_USDT', price: 50, mark: 50, ts: now },
        { venue: 'OKX', kind: 'futures', symbol: 'GGG_USDT', price: 206, mark: 206, ts: now },
      ]);
      await gateway.close();

      gateway = await startGateway({ env });
      pipeline = gateway.app.get(SpreadsPipeline);
      const all = await getJson(gateway, '/v1/spreads/history?limit=5000', KEYS.contract);
      expect(all.body.data.map((e: any) => `${e.event}:${e.symbol}`)).toEqual([
        'open:AAA_USDT', 'open:BBB_USDT', 'open:CCC_USDT', 'open:DDD_USDT', 'open:EEE_USDT', 'open:FFF_USDT', 'open:GGG_USDT', 'close:AAA_USDT',
        'close:BBB_USDT', 'close:GGG_USDT',
      ]);
      await gateway.close();
    } finally {
      await storage.cleanup();
      rmSync(keys.dir, { recursive: true, force: true });
    }
  });
});

describe('spreads in sandbox (simulated venues diverging and converging)', () => {
  let gateway: GatewayUnderTest;
  let keys: { file: string; dir: string };

  beforeAll(async () => {
    keys = keysFile();
    gateway = await startGateway({ env: { API_KEYS_FILE: keys.file, SPREADS_SOURCE: 'simulated', SPREADS_SIM_TICK_MS: '25', SPREADS_HISTORY_FLUSH_MS: '20' } });
  });
  afterAll(async () => {
    await gateway?.close();
    rmSync(keys.dir, { recursive: true, force: true });
  });

  it('events appear on live, recent and history', async () => {
    const live = StreamClient.connect(gateway.wsUrl('/v1/spreads/live', { api_key: KEYS.contract }));
    await live.next((f) => f.type === 'welcome');
    const open = await live.next((f) => f.type === 'event' && f.data.event === 'open', 10_000);
    const close = await live.next((f) => f.type === 'event' && f.data.event === 'close', 10_000);
    expect(open.data.spread_percent).toBeGreaterThanOrEqual(1);
    expect(close.data.spread_percent).toBeLessThan(50);
    await live.close();
    const recent = await getJson(gateway, '/v1/spreads/recent?limit=500', KEYS.contract);
    expect(recent.body.data.some((e: any) => e.event === 'open' && e.symbol === open.data.symbol && e.received_at === open.data.received_at)).toBe(true);
    const pipeline = gateway.app.get(SpreadsPipeline);
    await waitFor(() => pipeline.writer.pendingCount === 0);
    const history = await getJson(gateway, `/v1/spreads/history?limit=5000&symbol=${open.data.symbol}&events=open`, KEYS.contract);
    expect(history.body.data.some((e: any) => e.fired_at === Math.floor(open.data.received_at))).toBe(true);
  });
});
