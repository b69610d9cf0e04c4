import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { applyQuery, rowFields } from '@app/query';
import { MetricsService } from '@app/observability';
import { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions, type StreamAuthenticator } from './realtime.options';
import type { StreamDefinition } from './stream-definition';
import { ConnectionRegistry } from './connection-registry';
import { StreamHub } from './stream-hub';
import { StreamClient } from '../../../test/support/ws-client';

interface Row {
  symbol: string;
  price: number;
}

/** A stream over a mutable in-memory list, counting its loads. */
function tableStream(state: { rows: Row[]; loads: number; fail?: boolean; freshMs?: number; loadMs?: number }): StreamDefinition<object, Row[]> {
  return {
    name: 'table',
    path: '/table',
    requiresAuth: true,
    rowFields: rowFields<Row>({ symbol: true, price: true }),
    refresh: { freshMs: state.freshMs ?? 60_000, callsPerRefresh: 1, budget: { upstream: 'fake', callsPerMinute: 60 } },
    load: async () => {
      state.loads++;
      if (state.loadMs) await new Promise((resolve) => setTimeout(resolve, state.loadMs));
      if (state.fail) throw new Error('upstream down');
      return { data: state.rows.map((row) => ({ ...row })), fetchedAt: Date.now() };
    },
    render: (rows, query, _params, { now }) => {
      const result = applyQuery(rows, query, now);
      return { results: result.rows, count: result.count };
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('StreamHub', () => {
  let server: Server;
  let wss: WebSocketServer;
  let hub: StreamHub;
  let registry: ConnectionRegistry;
  let metrics: MetricsService;
  let url: string;
  let state: { rows: Row[]; loads: number; fail?: boolean; freshMs?: number; loadMs?: number };
  let authenticator: StreamAuthenticator & { allow: boolean; delayMs: number; expiresAt?: number };
  const clients: StreamClient[] = [];

  async function start(options: Partial<RealtimeOptions> = {}) {
    state = { rows: [{ symbol: 'BTC', price: 100 }, { symbol: 'ETH', price: 10 }, { symbol: 'USDT', price: 1 }], loads: 0 };
    authenticator = {
      enabled: true,
      allow: true,
      delayMs: 0,
      authenticate: async () => {
        if (authenticator.delayMs) await new Promise((resolve) => setTimeout(resolve, authenticator.delayMs));
        return authenticator.allow ? { ok: true, expiresAt: authenticator.expiresAt } : { ok: false, reason: 'token expired' };
      },
    };
    const hubOptions = { ...DEFAULT_REALTIME_OPTIONS, jitterMs: 0, lingerMs: 50, errorBackoffMs: 50, ...options };
    metrics = new MetricsService();
    registry = new ConnectionRegistry(hubOptions, metrics);
    hub = new StreamHub(hubOptions, metrics, registry, authenticator);
    const definition = tableStream(state);
    server = createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (socket, request) => void hub.connect(definition, socket, request));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/table`;
  }

  function connect(query = ''): StreamClient {
    const client = StreamClient.connect(`${url}${query}`);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await hub.beforeApplicationShutdown();
    registry.stop();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    wss.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the filtered view with adaptive_interval and timestamp', async () => {
    await start();
    const frame = await connect('?sort_by=price&sort_order=desc&page_size=2').next();
    expect(frame.results).toEqual([{ symbol: 'BTC', price: 100 }, { symbol: 'ETH', price: 10 }]);
    expect(frame.count).toBe(3);
    expect(frame.adaptive_interval).toBe(60); // fresh for 60 s; budget floor is 1 s
    expect(frame.timestamp).toBeCloseTo(Date.now() / 1000, -1);
    expect(frame.stale).toBeUndefined();
  });

  it('refreshes once per feed however many clients and views there are', async () => {
    await start();
    const group = Array.from({ length: 60 }, (_, i) => connect(`?filters=${encodeURIComponent(JSON.stringify({ symbol: ['BTC', 'ETH', 'USDT'][i % 3] }))}&page_size=1&page=${(i % 2) + 1}`));
    await Promise.all(group.map((client) => client.next()));
    expect(state.loads).toBe(1);
    expect(hub.stats()).toMatchObject({ subscribers: 60, feeds: 1, views: 6 });
    const renders = async () => (await metrics.renderDuration.get()).values.find((sample) => sample.metricName === 'stream_render_duration_seconds_count')?.value ?? 0;
    const rendersBefore = await renders();
    state.rows[0].price = 101;
    await hub.refreshNow();
    expect(state.loads).toBe(2);
    const btc = await group[0].next();
    expect(btc.results).toEqual([{ symbol: 'BTC', price: 101 }]);
    // one render measure per refresh, for all six views together
    expect((await renders()) - rendersBefore).toBe(1);
  });

  it('gives every subscriber of a view its own seq when some share one frame and others do not', async () => {
    await start();
    const first = connect('?sort_by=price');
    expect((await first.next()).seq).toBe(1);
    state.rows[0].price = 101;
    await hub.refreshNow();
    expect((await first.next()).seq).toBe(2);
    // three join after that refresh: the same seq as each other, one behind the first subscriber
    const later = [connect('?sort_by=price'), connect('?sort_by=price'), connect('?sort_by=price')];
    for (const client of later) expect((await client.next()).seq).toBe(1);
    for (const price of [102, 103]) {
      state.rows[0].price = price;
      await hub.refreshNow();
      const frames = await Promise.all([first, ...later].map((client) => client.next()));
      expect(frames.map((frame) => frame.seq)).toEqual(price === 102 ? [3, 2, 2, 2] : [4, 3, 3, 3]);
      for (const frame of frames) expect(frame.results[2]).toEqual({ symbol: 'BTC', price });
      expect(new Set(frames.map((frame) => frame.timestamp)).size).toBe(1);
    }
  });

  it('does not re-send a view whose content did not change', async () => {
    await start();
    const eth = connect('?filters={"symbol":"ETH"}');
    await eth.next();
    state.rows[0].price = 200; // only BTC changes
    await hub.refreshNow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(eth.frames).toHaveLength(1);
  });

  it('re-renders at once on an update message and keeps the view on a bad one', async () => {
    await start();
    const client = connect('?filters={"symbol":"BTC"}');
    await client.next();
    client.send({ filters: { symbol: 'USDT' } });
    expect((await client.next()).results).toEqual([{ symbol: 'USDT', price: 1 }]);
    client.send({ page: 0 });
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
    expect(error.details[0].param).toBe('page');
    client.send('{not json');
    expect(await client.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    state.rows[2].price = 0.99;
    await hub.refreshNow();
    expect((await client.next()).results).toEqual([{ symbol: 'USDT', price: 0.99 }]);
  });

  it('answers invalid query params with an error frame and close 1008', async () => {
    await start();
    const client = connect('?page=abc&colour=red');
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
    expect(error.details.map((detail: { param: string }) => detail.param).sort()).toEqual(['colour', 'page']);
    expect((await client.closed).code).toBe(1008);
  });

  it('closes unauthenticated clients with 4401', async () => {
    await start();
    authenticator.allow = false;
    const client = connect();
    expect(await client.next()).toMatchObject({ type: 'error', code: 'unauthorized', message: 'token expired' });
    expect((await client.closed).code).toBe(4401);
  });

  it('refuses connections beyond the cap with 1013', async () => {
    await start({ maxConnections: 2 });
    await Promise.all([connect().next(), connect().next()]);
    const third = connect();
    expect(await third.next()).toMatchObject({ type: 'error', code: 'overloaded' });
    expect((await third.closed).code).toBe(1013);
  });

  it('keeps the last good data marked stale while the upstream fails, then recovers by itself', async () => {
    await start({ minIntervalMs: 50 });
    state.freshMs = 0;
    const client = connect();
    const first = await client.next();
    expect(first.stale).toBeUndefined();
    state.fail = true;
    await hub.refreshNow();
    const stale = await client.next();
    expect(stale).toMatchObject({ stale: true, stale_reason: 'upstream down', count: 3 });
    expect(stale.results).toEqual(first.results);
    state.fail = false;
    state.rows[0].price = 150;
    const recovered = await client.next((frame) => frame.stale === undefined, 3_000);
    expect(recovered.results[0]).toEqual({ symbol: 'BTC', price: 150 });
  });

  it('stops refreshing a feed after the last subscriber leaves and the linger passes', async () => {
    await start({ minIntervalMs: 20 });
    state.freshMs = 0;
    const client = connect();
    await client.next();
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(hub.stats().feeds).toBe(0);
    const loads = state.loads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.loads).toBe(loads);
  });

  it('terminates a socket that stops answering pings', async () => {
    await start({ heartbeatMs: 50 });
    const silent = new StreamClient(new WebSocket(url, { autoPong: false }));
    clients.push(silent);
    await silent.next();
    expect((await silent.closed).code).toBe(1006);
    await waitFor(() => hub.stats().subscribers === 0);
  });

  it('answers every update message at once and in order, even while a refresh is in flight', async () => {
    await start();
    const client = connect('?filters={"symbol":"BTC"}');
    await client.next();
    state.loadMs = 2_000; // a slow upstream: the answers must not wait for it
    const refreshing = hub.refreshNow();
    const sentAt = Date.now();
    client.send({ filters: { symbol: 'USDT' } });
    client.send({ filters: { symbol: 'USDT' } }); // unchanged: the current frame again
    client.send({ sort_by: 'price', page: 0 }); // invalid: an error frame, the view stays
    client.send({ filters: { symbol: 'ETH' } });
    const answers = [await client.next(), await client.next(), await client.next(), await client.next()];
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(answers[0].results).toEqual([{ symbol: 'USDT', price: 1 }]);
    expect(answers[1].results).toEqual([{ symbol: 'USDT', price: 1 }]);
    expect(answers[2]).toMatchObject({ type: 'error', code: 'invalid_params', details: [{ param: 'page' }] });
    expect(answers[3].results).toEqual([{ symbol: 'ETH', price: 10 }]);
    await refreshing;
  });

  it('answers, in order, the updates sent while the connection was still being authenticated', async () => {
    await start();
    await connect().next(); // warms the feed
    authenticator.delayMs = 200;
    const client = connect('?filters={"symbol":"BTC"}');
    await client.opened;
    client.send({ filters: { symbol: 'ETH' } });
    client.send({ filters: { symbol: 'USDT' } });
    const frames = [await client.next(), await client.next(), await client.next()];
    expect(frames.map((frame) => frame.results[0].symbol)).toEqual(['BTC', 'ETH', 'USDT']);
  });

  it('replies to a 14 KB update full of unknown keys with a short error frame', async () => {
    // (27 unknown keys, under the param cap: each is named, the frame stays bounded)
    {
      await start();
      const few = connect();
      await few.next();
      const update: Record<string, string> = {};
      for (let i = 0; i < 27; i++) update[`unknown_key_${'x'.repeat(400)}_${i}`] = 'y'.repeat(100);
      let bytes = 0;
      few.socket.once('message', (data: Buffer) => (bytes = data.length));
      few.send(update);
      const error = await few.next();
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params', more_details: 23 });
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(1024);
      await few.close();
    }
    const client = connect();
    await client.next();
    // over QUERY_LIMITS.maxParams: refused as a whole, before any key is validated or echoed
    const forty: Record<string, string> = {};
    for (let i = 0; i < 40; i++) forty[`unknown_key_${i}`] = 'y';
    client.send(forty);
    expect(await client.next()).toMatchObject({ type: 'error', code: 'invalid_params', details: [{ param: '(params)', message: 'at most 32 parameters' }] });

    // over the message's key bound (CLIENT_MESSAGE_LIMITS): refused before JSON.parse builds anything
    const update: Record<string, string> = {};
    for (let i = 0; Buffer.byteLength(JSON.stringify(update)) < 14_000; i++) update[`unknown_key_${'x'.repeat(40)}_${i}`] = 'y'.repeat(20);
    let replyBytes = 0;
    client.socket.once('message', (data: Buffer) => (replyBytes = data.length));
    client.send(update);
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', code: 'invalid_message', message: 'update message has more than 64 keys; the previous view is kept' });
    expect(error.details).toEqual([]);
    expect(replyBytes).toBeGreaterThan(0);
    expect(replyBytes).toBeLessThan(1024);
  });

  it('terminates a socket that keeps sending messages but never answers pings (liveness is pongs only)', async () => {
    await start({ heartbeatMs: 200 });
    const chatty = new StreamClient(new WebSocket(url, { autoPong: false }));
    clients.push(chatty);
    await chatty.next();
    const talking = setInterval(() => chatty.socket.readyState === WebSocket.OPEN && chatty.send({ page: 1 }), 5);
    try {
      await waitFor(() => chatty.socket.readyState === WebSocket.CLOSED, 2_000); // two beats, with margin
      expect((await chatty.closed).code).toBe(1006);
    } finally {
      clearInterval(talking);
    }
  });

  it('closes the socket with 4401 when its token expires', async () => {
    await start();
    authenticator.expiresAt = Date.now() + 300;
    const client = connect();
    await client.next();
    expect(await client.next()).toMatchObject({ type: 'error', code: 'unauthorized', message: 'access token has expired' });
    const closed = await client.closed;
    expect(closed.code).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(authenticator.expiresAt);
  });
});
