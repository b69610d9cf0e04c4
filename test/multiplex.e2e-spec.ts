import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { REALTIME_OPTIONS, StreamHub, type RealtimeOptions } from '@app/realtime';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient, type Frame } from './support/ws-client';

const PREFIX = '/tzone_apis/services/stablecoins';
const MULTIPLEX = '/v1/stream';
const SECRET = 'multiplex-e2e-secret-0123456789abcdef';
const FROZEN_AT = Date.UTC(2026, 10, 21, 9, 0, 0);

/** Four different view streams: their single-stream path, their /v1/stream name and the params both get. */
const STREAMS = [
  { id: 'btc', path: `${PREFIX}/btc_dom`, stream: 'stablecoins.btc_dom', params: { filters: '{"Title":"Bitcoin Dominance"}' } },
  { id: 'eth', path: `${PREFIX}/eth_dom`, stream: 'stablecoins.eth_dom', params: {} },
  { id: 'overall', path: `${PREFIX}/overall-market-snapshot`, stream: 'stablecoins.overall-market-snapshot', params: { sort_by: 'title', page_size: '2' } },
  { id: 'table', path: `${PREFIX}/ws/main_table`, stream: 'stablecoins.main_table', params: { search: 'usd', page_size: '5' } },
] as const;

/** A frame's stream content: everything but the protocol fields (`sub`, `seq`) that differ per connection. */
function body(frame: Frame): Frame {
  const { sub: _sub, seq: _seq, ...rest } = frame;
  return rest;
}

const sign = (expiresIn: string | number) =>
  new SignJWT({ sub: 'multiplex-e2e' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(SECRET));

describe('WS /v1/stream (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients: StreamClient[] = [];
  const open = async (path: string, query: Record<string, string> = {}, token?: string) => {
    const client = StreamClient.connect(gateway.wsUrl(path, query), { authorization: `Bearer ${token ?? (await sign('10m'))}` });
    clients.push(client);
    await client.opened;
    return client;
  };
  const ofSub = (id: string) => (frame: Frame) => frame.sub === id;
  const answerTo = (id: string) => (frame: Frame) => frame.id === id;

  beforeAll(async () => {
    gateway = await startGateway({ env: { AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: SECRET, REALTIME_MAX_SUBSCRIPTIONS: '32' } });
    gateway.simulator.clock.freeze(FROZEN_AT);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(() => gateway.close());

  it('a socket with subscriptions to four different view streams gets the same frames as four single-stream sockets', async () => {
    const singles = await Promise.all(STREAMS.map((s) => open(s.path, s.params)));
    const firstFrames = await Promise.all(singles.map((client) => client.next()));
    const multiplexed = await open(MULTIPLEX);
    for (const s of STREAMS) multiplexed.send({ op: 'subscribe', id: s.id, stream: s.stream, params: s.params });

    for (const [index, s] of STREAMS.entries()) {
      expect(await multiplexed.next(answerTo(s.id))).toEqual({ type: 'subscribed', id: s.id, stream: s.stream, seq: 0 });
      const frame = await multiplexed.next(ofSub(s.id));
      expect(frame).toMatchObject({ type: 'view', sub: s.id, seq: 1 });
      expect(firstFrames[index]).toMatchObject({ type: 'view', seq: 1 });
      expect(body(frame)).toEqual(body(firstFrames[index])); // one view, one body: byte-equal content
    }

    // the same update on both sides: the same answer (the new view) on each
    const update = { page_size: '1' };
    for (const [index, s] of STREAMS.entries()) {
      singles[index].send(update);
      multiplexed.send({ op: 'update', id: s.id, params: update });
    }
    for (const [index, s] of STREAMS.entries()) {
      const single = await singles[index].next();
      const multi = await multiplexed.next(ofSub(s.id));
      expect(single).toMatchObject({ type: 'view', seq: 2 });
      expect(multi).toMatchObject({ type: 'view', sub: s.id, seq: 2 });
      expect(body(multi)).toEqual(body(single));
      expect(multi.count).toBeDefined();
    }

    // seq counts each subscription's own frames, strictly increasing from 1
    for (const s of STREAMS) expect(multiplexed.frames.filter(ofSub(s.id)).map((frame) => frame.seq)).toEqual([1, 2]);
  });

  it('answers update (frame or error frame, the view kept), unsubscribe and ping', async () => {
    const client = await open(MULTIPLEX);
    client.send({ op: 'subscribe', id: 'dom', stream: 'stablecoins.btc_dom' });
    expect(await client.next(answerTo('dom'))).toMatchObject({ type: 'subscribed', seq: 0 });
    expect(await client.next(ofSub('dom'))).toMatchObject({ type: 'view', seq: 1, count: 1 });

    client.send({ op: 'update', id: 'dom', params: { page_size: '0' } });
    const refused = await client.next(ofSub('dom'));
    expect(refused).toMatchObject({ type: 'error', sub: 'dom', seq: 2, code: 'invalid_params', details: [expect.objectContaining({ param: 'page_size' })] });
    client.send({ op: 'update', id: 'dom', params: 'page=2' });
    expect(await client.next(ofSub('dom'))).toMatchObject({ type: 'error', seq: 3, code: 'invalid_message' });
    client.send({ op: 'update', id: 'dom', params: { search: 'nothing matches this' } });
    expect(await client.next(ofSub('dom'))).toMatchObject({ type: 'view', seq: 4, results: [], count: 0 });

    client.send({ op: 'ping' });
    expect(await client.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong' });
    client.send({ op: 'unsubscribe', id: 'dom' });
    expect(await client.next(answerTo('dom'))).toEqual({ type: 'unsubscribed', id: 'dom' });
    client.send({ op: 'update', id: 'dom', params: {} });
    expect(await client.next(answerTo('dom'))).toMatchObject({ type: 'error', code: 'unknown_subscription' });
    // nothing more for the gone subscription
    await gateway.app.get(StreamHub).refreshNow('btc_dom');
    client.send({ op: 'ping' });
    await client.next((frame) => frame.type === 'pong');
    expect(client.frames.filter(ofSub('dom'))).toHaveLength(4);
  });

  it('caps subscriptions per socket: the 33rd is refused, and one more fits after an unsubscribe', async () => {
    const options = gateway.app.get<RealtimeOptions>(REALTIME_OPTIONS);
    const rate = options.maxMessagesPerSecond;
    options.maxMessagesPerSecond = 1_000; // this test is about the subscription cap, not the message rate
    try {
      const client = await open(MULTIPLEX);
      for (let i = 0; i < 32; i++) client.send({ op: 'subscribe', id: `s${i}`, stream: 'stablecoins.eth_dom' });
      for (let i = 0; i < 32; i++) expect(await client.next(answerTo(`s${i}`))).toMatchObject({ type: 'subscribed' });
      client.send({ op: 'subscribe', id: 's32', stream: 'stablecoins.eth_dom' });
      expect(await client.next(answerTo('s32'))).toMatchObject({ type: 'error', code: 'too_many_subscriptions', message: expect.stringContaining('32') });
      client.send({ op: 'unsubscribe', id: 's0' });
      expect(await client.next(answerTo('s0'))).toEqual({ type: 'unsubscribed', id: 's0' });
      client.send({ op: 'subscribe', id: 's32', stream: 'stablecoins.eth_dom' });
      expect(await client.next(answerTo('s32'))).toMatchObject({ type: 'subscribed' });
      expect(await client.next(ofSub('s32'))).toMatchObject({ type: 'view', seq: 1 });
      // every subscription got its own first frame of the one shared view
      for (let i = 1; i <= 32; i++) expect(client.frames.filter(ofSub(`s${i}`)).map((frame) => frame.seq)).toEqual([1]);
    } finally {
      options.maxMessagesPerSecond = rate;
    }
  });

  it('answers every malformed message with one bounded error: bad ids, unknown streams, duplicates, bad JSON', async () => {
    const client = await open(MULTIPLEX);
    await client.opened;
    const messages: Array<[unknown, Partial<Frame>]> = [
      ['{not json', { code: 'invalid_message' }],
      [[1, 2], { code: 'invalid_message' }],
      [{ op: 'dance', id: 'x1' }, { code: 'invalid_message', id: 'x1' }],
      [{ op: 'subscribe', stream: 'stablecoins.btc_dom' }, { code: 'invalid_message', details: [expect.objectContaining({ param: 'id' })] }],
      [{ op: 'subscribe', id: '', stream: 'stablecoins.btc_dom' }, { code: 'invalid_message' }],
      [{ op: 'subscribe', id: 'x'.repeat(65), stream: 'stablecoins.btc_dom' }, { code: 'invalid_message' }],
      [{ op: 'subscribe', id: 'has space', stream: 'stablecoins.btc_dom' }, { code: 'invalid_message' }],
      [{ op: 'subscribe', id: 'quote"', stream: 'stablecoins.btc_dom' }, { code: 'invalid_message' }],
      [{ op: 'subscribe', id: 'u1', stream: 'stablecoins.nope' }, { code: 'unknown_stream', id: 'u1' }],
      [{ op: 'subscribe', id: 'u2', stream: 'x'.repeat(5_000) }, { code: 'invalid_message', id: 'u2' }],
      // an event stream authenticates per subscription: spreads.live needs params.api_key
      [{ op: 'subscribe', id: 'u3', stream: 'spreads.live' }, { code: 'unauthorized', id: 'u3' }],
      [{ op: 'subscribe', id: 'p1', stream: 'stablecoins.btc_dom', params: ['a'] }, { code: 'invalid_message', id: 'p1' }],
    ];
    const pace = () => new Promise((resolve) => setTimeout(resolve, 120)); // under the 10 messages/s limit
    for (const [message, expected] of messages) {
      const before = client.frames.length;
      client.send(message);
      const answer = await client.next(() => true);
      expect(answer).toMatchObject({ type: 'error', ...expected });
      expect(JSON.stringify(answer).length).toBeLessThan(1024);
      await pace();
      expect(client.frames.length).toBe(before + 1); // exactly one answer
    }
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    await pace();

    // ids are client data: reserved-looking ids are plain ids (held in a Map), params keys too
    client.send({ op: 'subscribe', id: '__proto__', stream: 'stablecoins.btc_dom', params: JSON.parse('{"__proto__":{"polluted":1}}') });
    expect(await client.next()).toMatchObject({ type: 'error', id: '__proto__', code: 'invalid_params', details: [expect.objectContaining({ param: '__proto__' })] });
    await pace();
    client.send({ op: 'subscribe', id: 'constructor', stream: 'stablecoins.btc_dom' });
    expect(await client.next(answerTo('constructor'))).toMatchObject({ type: 'subscribed' });
    expect(await client.next(ofSub('constructor'))).toMatchObject({ type: 'view', seq: 1 });
    await pace();
    client.send({ op: 'subscribe', id: 'constructor', stream: 'stablecoins.eth_dom' });
    expect(await client.next(answerTo('constructor'))).toMatchObject({ type: 'error', code: 'duplicate_subscription' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers every message of a burst over the rate limit, one answer each, at most the limit in the first second', async () => {
    const client = await open(MULTIPLEX);
    await client.opened;
    const sentAt = Date.now();
    const arrivals: number[] = [];
    client.socket.on('message', () => arrivals.push(Date.now() - sentAt));
    for (let i = 0; i < 25; i++) client.send({ op: 'ping' });
    const deadline = Date.now() + 6_000;
    while (client.frames.length < 25 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // nothing is lost: each ping gets a pong or, when the socket's own window is spent, a rate_limited error
    expect(client.frames).toHaveLength(25);
    expect(client.frames.every((frame) => frame.type === 'pong' || (frame.type === 'error' && frame.code === 'rate_limited'))).toBe(true);
    // reads pause once the window's 10 messages are in (inbound flow control): the rest come in later windows
    expect(arrivals.filter((ms) => ms < 900).length).toBeLessThanOrEqual(14);
    expect(Math.max(...arrivals)).toBeGreaterThanOrEqual(1_000);
  });

  it('authorises view subscriptions with the upgrade JWT: none, a refusal for that id and the socket stays; expiry closes with 4401', async () => {
    const anonymous = StreamClient.connect(gateway.wsUrl(MULTIPLEX));
    clients.push(anonymous);
    await anonymous.opened;
    anonymous.send({ op: 'subscribe', id: 'a', stream: 'stablecoins.btc_dom' });
    expect(await anonymous.next(answerTo('a'))).toMatchObject({ type: 'error', code: 'unauthorized' });
    anonymous.send({ op: 'ping' });
    expect(await anonymous.next()).toEqual({ type: 'pong' });

    const shortLived = await open(MULTIPLEX, {}, await sign(Math.floor(Date.now() / 1000) + 2));
    shortLived.send({ op: 'subscribe', id: 'a', stream: 'stablecoins.btc_dom' });
    expect(await shortLived.next(ofSub('a'))).toMatchObject({ type: 'view', seq: 1 });
    expect(await shortLived.next((frame) => frame.type === 'error' && !frame.sub, 6_000)).toMatchObject({ code: 'unauthorized', message: 'access token has expired' });
    expect((await shortLived.closed).code).toBe(4401);
  });

  it('counts /v1/stream sockets in ws_connections and refuses unknown paths next to it with 404', async () => {
    const client = await open(MULTIPLEX);
    await client.opened;
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ws_connections\{stream="v1\/stream"\} 1/);
    const stray = new WebSocket(gateway.wsUrl('/v1/stream/more'));
    stray.on('error', () => undefined); // the refused upgrade
    const status = await new Promise<number>((resolve) => stray.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});
