import { EVENT_LOG, EVENT_STREAM_OPTIONS, EventStreams, InMemoryEventLog, RedisStreamsEventLog, type EventStreamOptions } from '@app/realtime';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { DexMetricsValue } from '../apps/gateway/src/dex-metrics/domain/metrics-message';
import { DEX_LIVE_STREAM, DexLiveFeed } from '../apps/gateway/src/dex-metrics/publish/dex-live-feed';
import type { Quote } from '../apps/gateway/src/spreads/domain/quote';
import { SpreadsPipeline } from '../apps/gateway/src/spreads/spreads.pipeline';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient, type Frame } from './support/ws-client';

jest.setTimeout(180_000);

const KEYS = { builder: 'ev-e2e-builder-key-000001', contract: 'ev-e2e-contract-key-00002' };
const SPREADS_LIVE = '/v1/spreads/live';
const DEX_LIVE = '/v1/dex-metrics/live';
const HEARTBEAT_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
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

function keysFile(): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'event-streams-keys-'));
  const file = join(dir, 'keys.json');
  writeFileSync(
    file,
    JSON.stringify([
      { key: KEYS.builder, secret: 'builder-secret', tier: 'builder', name: 'builder', points: 100 },
      { key: KEYS.contract, secret: 'contract-secret', tier: 'contract', name: 'contract', points: 1000 },
    ]),
  );
  return { file, dir };
}

const eventFrames = (client: StreamClient, type: string) => client.frames.filter((frame) => frame.type === type);
const maxSeq = (frames: Frame[]) => frames.reduce((max, frame) => Math.max(max, frame.seq), 0);
const between = (frames: Frame[], after: number, upTo: number) => frames.filter((frame) => frame.seq > after && frame.seq <= upTo);

function expectStrictlyIncreasing(frames: Frame[]): void {
  const seqs = frames.map((frame) => frame.seq);
  expect(seqs.every((seq) => Number.isInteger(seq))).toBe(true);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
}

/** A spread opening (and, with `close`, closing) on BINANCE/BYBIT spot for `symbol`. */
function spreadQuotes(symbol: string, close = false): Quote[] {
  const ts = Date.now();
  return close
    ? [{ venue: 'BYBIT', kind: 'spot', symbol, price: 10.01, ts }]
    : [
        { venue: 'BINANCE', kind: 'spot', symbol, price: 10, ts },
        { venue: 'BYBIT', kind: 'spot', symbol, price: 10.3, ts },
      ];
}

// the resume buffer of DEX messages: in this process, and in Redis Streams (what replicas share) when REDIS_URL is set
const EVENT_LOGS: Array<[string, Record<string, string>]> = [['in-memory log', {}]];
if (process.env.REDIS_URL) {
  EVENT_LOGS.push(['Redis Streams log', { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `test:event-streams:${randomBytes(4).toString('hex')}:` }]);
}

describe.each(EVENT_LOGS)('event streams: seq, welcome, resume, heartbeat (e2e, %s)', (_kind, logEnv) => {
  let gateway: GatewayUnderTest;
  let keys: { file: string; dir: string };
  let feed: DexLiveFeed;
  let pipeline: SpreadsPipeline;
  const clients: StreamClient[] = [];
  const open = (path: string, query: Record<string, string | number> = {}, headers: Record<string, string> = {}) => {
    const client = StreamClient.connect(gateway.wsUrl(path, query), headers);
    clients.push(client);
    return client;
  };
  let n = 0;
  const publishDex = (key: string, value: Partial<DexMetricsValue> | null = { txs_count_4h: ++n } as Partial<DexMetricsValue>) =>
    feed.publish({ key, value: value as DexMetricsValue | null, sentAtMs: Date.now() });

  beforeAll(async () => {
    keys = keysFile();
    gateway = await startGateway({
      env: { API_KEYS_FILE: keys.file, SPREADS_SOURCE: 'off', SPREADS_HISTORY_FLUSH_MS: '20', SPREADS_MAX_QUOTE_AGE_MS: '600000', REALTIME_RESUME_MAX_EVENTS: '20', ...logEnv },
      realtime: { heartbeatMs: HEARTBEAT_MS },
    });
    feed = gateway.app.get(DexLiveFeed);
    pipeline = gateway.app.get(SpreadsPipeline);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await gateway?.close();
    rmSync(keys.dir, { recursive: true, force: true });
    if (logEnv.REDIS_KEY_PREFIX) await deleteRedisKeys(logEnv.REDIS_URL, logEnv.REDIS_KEY_PREFIX);
  });
  /** appends to the Redis log land asynchronously: wait until the log's head has them */
  const landed = (seq: number) => waitFor(async () => (await feed.log.head(DEX_LIVE_STREAM)) >= seq, 5_000, `the log's head at ${seq}`);

  it('DEX live: a resumed client gets exactly the messages it missed (same seqs and payloads), then live without duplicate', async () => {
    expect(gateway.app.get(EVENT_LOG)).toBeInstanceOf(logEnv.REDIS_URL ? RedisStreamsEventLog : InMemoryEventLog);
    const observer = open(DEX_LIVE);
    const welcome = await observer.next((frame) => frame.type === 'welcome');
    expect(welcome).toEqual({ type: 'welcome', stream: 'dex-metrics.live', seq: expect.any(Number), resumed: false, heartbeat_ms: HEARTBEAT_MS });
    const client = open(DEX_LIVE);
    await client.next((frame) => frame.type === 'welcome');
    for (let i = 0; i < 3; i++) publishDex('e2e:0xaaa-USD');
    const seen = await client.next((frame) => frame.type === 'message' && frame.value?.txs_count_4h === n);
    await client.close();

    const missed = [publishDex('e2e:0xaaa-USD'), publishDex('e2e:0xbbb-USD'), publishDex('e2e:0xbbb-USD', null), publishDex('e2e:0xccc-USD')].length;
    await waitFor(() => maxSeq(eventFrames(observer, 'message')) >= seen.seq + missed, 5_000, 'observer got the missed messages');
    const resumed = open(DEX_LIVE, { resume_from: seen.seq });
    expect(await resumed.next()).toEqual({ type: 'welcome', stream: 'dex-metrics.live', seq: seen.seq, resumed: true, heartbeat_ms: HEARTBEAT_MS });
    publishDex('e2e:0xddd-USD'); // live, right after the replay
    const head = seen.seq + missed + 1;
    await waitFor(() => maxSeq(eventFrames(resumed, 'message')) >= head && maxSeq(eventFrames(observer, 'message')) >= head, 5_000, 'the live message');

    const replayed = eventFrames(resumed, 'message');
    expect(replayed).toEqual(between(eventFrames(observer, 'message'), seen.seq, head));
    expect(replayed.map((frame) => frame.seq)).toEqual([seen.seq + 1, seen.seq + 2, seen.seq + 3, seen.seq + 4, seen.seq + 5]);
    expect(replayed[2]).toMatchObject({ type: 'message', key: 'e2e:0xbbb-USD', value: null, sent_at: expect.any(Number) });
    expectStrictlyIncreasing(eventFrames(observer, 'message'));
  });

  it('on /v1/stream: event subscriptions are acknowledged before their welcome, tagged with sub, with the seqs of the single path', async () => {
    const single = open(DEX_LIVE);
    await single.next((frame) => frame.type === 'welcome');
    const mux = open('/v1/stream');
    await mux.opened;
    mux.send({ op: 'subscribe', id: 'dex', stream: 'dex-metrics.live', params: {} });
    mux.send({ op: 'subscribe', id: 'spreads', stream: 'spreads.live', params: { api_key: KEYS.contract } });
    mux.send({ op: 'subscribe', id: 'nokey', stream: 'spreads.live', params: {} });
    const acked = await mux.next((frame) => frame.type === 'subscribed' && frame.id === 'dex');
    expect(acked).toEqual({ type: 'subscribed', id: 'dex', stream: 'dex-metrics.live', seq: expect.any(Number) });
    await waitFor(() => mux.frames.some((frame) => frame.type === 'welcome' && frame.sub === 'spreads'), 5_000, 'the spreads welcome');
    const order = mux.frames.filter((frame) => frame.id === 'dex' || frame.sub === 'dex').map((frame) => frame.type);
    expect(order.slice(0, 2)).toEqual(['subscribed', 'welcome']);
    expect(mux.frames.find((frame) => frame.type === 'welcome' && frame.sub === 'spreads')).toMatchObject({ stream: 'spreads.live', resumed: false, family: 'spreads' });
    await waitFor(() => mux.frames.some((frame) => frame.type === 'error' && frame.id === 'nokey'), 5_000, 'the refusal of a subscribe without api_key');

    publishDex('e2e:0x111-USD');
    const fromSingle = await single.next((frame) => frame.type === 'message' && frame.key === 'e2e:0x111-USD');
    await waitFor(() => mux.frames.some((frame) => frame.sub === 'dex' && frame.key === 'e2e:0x111-USD'), 5_000, 'the message on /v1/stream');
    const { sub, ...fromMux } = mux.frames.find((frame) => frame.sub === 'dex' && frame.key === 'e2e:0x111-USD')!;
    expect(sub).toBe('dex');
    expect(fromMux).toEqual(fromSingle);
    await waitFor(() => mux.frames.some((frame) => frame.type === 'ping' && frame.sub === 'dex'), 5_000, 'a visible ping on the subscription');
  });

  it('DEX live: resumed:false with a gap when the buffer no longer reaches back, then the latest message per key', async () => {
    const first = open(DEX_LIVE);
    await first.next((frame) => frame.type === 'welcome');
    publishDex('e2e:0xeee-USD');
    const old = await first.next((frame) => frame.type === 'message' && frame.key === 'e2e:0xeee-USD');
    await first.close();
    for (let i = 0; i < 25; i++) publishDex('e2e:0xfff-USD'); // REALTIME_RESUME_MAX_EVENTS=20: the buffer drops `old`
    const head = old.seq + 25;
    await landed(head);
    const late = open(DEX_LIVE, { resume_from: old.seq });
    expect(await late.next()).toEqual({
      type: 'welcome', stream: 'dex-metrics.live', seq: head, resumed: false, heartbeat_ms: HEARTBEAT_MS,
      gap: { from: old.seq + 1, to: head, reason: 'retention', fill: 're-read the current state: the stream restarts from its latest values' },
    });
    await waitFor(() => eventFrames(late, 'message').some((frame) => frame.key === 'e2e:0xfff-USD'), 5_000, 'the latest state');
    const state = eventFrames(late, 'message');
    expect(state.find((frame) => frame.key === 'e2e:0xfff-USD')).toMatchObject({ seq: head, value: { txs_count_4h: n } });
    expect(state.find((frame) => frame.key === 'e2e:0xeee-USD')).toMatchObject({ seq: old.seq });
    expectStrictlyIncreasing(state);
  });

  it('spreads live: the seq is the history id; a replay keeps the tier delays; a resume too far back or ahead is a gap', async () => {
    const contract = open(SPREADS_LIVE, { api_key: KEYS.contract, symbol: 'RSM_USDT' });
    const welcome = await contract.next((frame) => frame.type === 'welcome');
    expect(welcome).toMatchObject({ stream: 'spreads.live', resumed: false, seq: pipeline.lastStoredId, family: 'spreads', delay_seconds: 0 });
    pipeline.ingest(spreadQuotes('RSM_USDT'));
    const opened = await contract.next((frame) => frame.type === 'event');
    pipeline.ingest(spreadQuotes('RSM_USDT', true));
    const closed = await contract.next((frame) => frame.type === 'event');
    expect([opened.data.event, closed.data.event]).toEqual(['open', 'close']);
    expect(closed.seq).toBeGreaterThan(opened.seq);
    const rows = await gateway.app.get(SpreadsPipeline).history.afterId(welcome.seq, { symbol: 'RSM_USDT' }, 10);
    expect(rows.map((row) => [row.id, row.event.event])).toEqual([[opened.seq, 'open'], [closed.seq, 'close']]);

    // builder: the replayed open is held 60 s, and its close behind it
    const builder = open(SPREADS_LIVE, { api_key: KEYS.builder, symbol: 'RSM_USDT', resume_from: welcome.seq });
    expect(await builder.next((frame) => frame.type === 'welcome')).toMatchObject({ resumed: true, seq: welcome.seq, delay_seconds: 60 });
    await sleep(300);
    expect(eventFrames(builder, 'event')).toEqual([]);
    gateway.app.get(EventStreams).release(Date.now() + 61_000);
    expect(await builder.next((frame) => frame.type === 'event')).toEqual(opened);
    expect(await builder.next((frame) => frame.type === 'event')).toEqual(closed);

    const options = gateway.app.get<EventStreamOptions>(EVENT_STREAM_OPTIONS);
    const maxReplay = options.maxReplay;
    options.maxReplay = 1;
    try {
      const far = open(SPREADS_LIVE, { api_key: KEYS.contract, symbol: 'RSM_USDT', resume_from: welcome.seq });
      const gap = (await far.next((frame) => frame.type === 'welcome')).gap;
      expect(gap).toEqual({ from: welcome.seq + 1, to: pipeline.lastStoredId, reason: 'too_many', fill: `GET /v1/spreads/history?since=${Math.floor(opened.data.received_at)}` });
    } finally {
      options.maxReplay = maxReplay;
    }
    const ahead = open(SPREADS_LIVE, { api_key: KEYS.contract, resume_from: pipeline.lastStoredId + 1_000 });
    expect(await ahead.next((frame) => frame.type === 'welcome')).toMatchObject({ resumed: false, gap: { from: 1, reason: 'unknown_seq' } });
  });

  it('sends visible pings carrying the seq, and reaps a socket that stops answering pings, on spreads and DEX live', async () => {
    const live = open(DEX_LIVE);
    await live.next((frame) => frame.type === 'welcome');
    expect(await live.next((frame) => frame.type === 'ping', HEARTBEAT_MS * 4)).toEqual({ type: 'ping', seq: expect.any(Number) });
    for (const [path, query] of [[DEX_LIVE, {}], [SPREADS_LIVE, { api_key: KEYS.contract }]] as const) {
      const silent = new StreamClient(new WebSocket(gateway.wsUrl(path, query), { autoPong: false }));
      clients.push(silent);
      await silent.next((frame) => frame.type === 'welcome');
      const started = Date.now();
      expect((await silent.closed).code).toBe(1006);
      expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS * 3 + 1_000);
    }
  });

  it('answers every client message on an event stream path: pong to a ping, invalid_message to anything else', async () => {
    for (const [path, query] of [[DEX_LIVE, {}], [SPREADS_LIVE, { api_key: KEYS.contract }]] as const) {
      const client = open(path, query);
      const welcome = await client.next((frame) => frame.type === 'welcome');
      client.send({ op: 'ping' });
      expect(await client.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong', seq: expect.any(Number) });
      client.send({ op: 'update', params: { ticker: 'x' } });
      expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'invalid_message', message: expect.stringContaining('/v1/stream'), seq: expect.any(Number) });
      client.send('not json at all');
      expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'invalid_message' });
      expect(welcome.type).toBe('welcome');
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
    }
  });
});

describe('spreads live: resume after a 30 s disconnect (simulated venues)', () => {
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

  it('replays exactly the events it missed (the same as a connected client got, and as the history holds), then live', async () => {
    const observer = StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: KEYS.contract }));
    await observer.next((frame) => frame.type === 'welcome');
    const client = StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: KEYS.contract }));
    await client.next((frame) => frame.type === 'welcome');
    const last = await client.next((frame) => frame.type === 'event', 15_000);
    await client.close();
    const lastSeq = maxSeq(eventFrames(client, 'event'));
    expect(lastSeq).toBeGreaterThanOrEqual(last.seq);

    await sleep(30_000);
    const resumed = StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: KEYS.contract, resume_from: lastSeq }));
    expect(await resumed.next((frame) => frame.type === 'welcome')).toMatchObject({ stream: 'spreads.live', resumed: true, seq: lastSeq });
    const head = maxSeq(eventFrames(observer, 'event'));
    // the replay→live boundary: everything up to the observer's head at reconnection, and a few live ones after it
    await waitFor(() => maxSeq(eventFrames(resumed, 'event')) > head, 20_000, 'live events after the replay');
    const upTo = maxSeq(eventFrames(resumed, 'event'));
    await waitFor(() => maxSeq(eventFrames(observer, 'event')) >= upTo, 5_000, 'observer caught up');
    const got = eventFrames(resumed, 'event');
    expectStrictlyIncreasing(got);
    expectStrictlyIncreasing(eventFrames(observer, 'event'));
    expect(got).toEqual(between(eventFrames(observer, 'event'), lastSeq, upTo));
    const missed = between(got, lastSeq, head);
    expect(missed.length).toBeGreaterThan(0);

    // the history holds the same events for that window: every second strictly inside it matches exactly
    const firstSecond = Math.floor(missed[0].data.received_at);
    const lastSecond = Math.floor(missed[missed.length - 1].data.received_at);
    const pipeline = gateway.app.get(SpreadsPipeline);
    await waitFor(() => pipeline.writer.pendingCount === 0, 5_000, 'history flushed');
    const response = await fetch(`${gateway.httpUrl}/v1/spreads/history?since=${firstSecond}&before=${lastSecond + 1}&limit=5000`, { headers: { 'x-api-key': KEYS.contract } });
    const history = ((await response.json()) as { data: Array<Record<string, any>> }).data;
    const signature = (row: Record<string, any>, second: number) => `${second}|${row.event}|${row.symbol}|${row.spread_type}|${row.buy_exchange}|${row.sell_exchange}`;
    const fromHistory = history.map((row) => signature(row, row.fired_at));
    const fromReplay = missed.map((frame) => signature(frame.data, Math.floor(frame.data.received_at)));
    const inside = (key: string) => {
      const second = Number(key.split('|')[0]);
      return second > firstSecond && second < lastSecond;
    };
    expect(fromReplay.filter(inside).sort()).toEqual(fromHistory.filter(inside).sort());
    for (const key of fromReplay) expect(fromHistory).toContain(key);
    await resumed.close();
    await observer.close();
  });
});
