import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { ConnectionRegistry, REALTIME_OPTIONS, type RealtimeOptions } from '@app/realtime';
import { SignJWT } from 'jose';
import type { IncomingMessage, Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { CapitalFlowService } from '../apps/gateway/src/capital-flow/capital-flow.service';
import { OpenApiAccess } from '../apps/gateway/src/capital-flow/open-api-access';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient } from './support/ws-client';

const HUB_STREAM = '/tzone_apis/services/stablecoins/ws/main_table';
const DEX_LIVE = '/v1/dex-metrics/live';
const SPREADS_LIVE = '/v1/spreads/live';
const CAPITAL_FLOW_LIVE = '/api/open/v1/trade/snapshot/live';
const SECRET = 'realtime-limits-e2e-secret-0123456789';
const STEP = 5 * 60_000;
const HEARTBEAT_MS = 500;

jest.setTimeout(120_000);

/** a data or error frame: not the welcome nor a heartbeat ping of an event stream */
const isEvent = (frame: { type?: string }) => frame.type !== 'welcome' && frame.type !== 'ping';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** A seed-000 access token expiring `seconds` from now. */
function accessToken(seconds = 600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('e2e')
    .setIssuedAt()
    .setExpirationTime(Math.ceil(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(SECRET));
}

/** The HTTP answer to an upgrade that was refused before it happened. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => reject(new Error('upgrade was accepted')));
    socket.once('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
}

describe('realtime limits across every WebSocket surface (e2e)', () => {
  let gateway: GatewayUnderTest;
  let options: RealtimeOptions;
  let registry: ConnectionRegistry;
  let defaults: Pick<RealtimeOptions, 'maxConnections' | 'maxConnectionsPerIp' | 'heartbeatMs' | 'stuckMs'>;
  const sockets: StreamClient[] = [];
  const track = (client: StreamClient) => (sockets.push(client), client);
  let sequence = 0;

  async function addKey(tier: 'builder' | 'contract', points: number) {
    const key = { key: `rt-e2e-key-${process.pid}-${++sequence}`, secret: `rt-e2e-secret-${sequence}` };
    await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier, name: `rt e2e ${sequence}`, points });
    return key;
  }

  /** Headers signing the capital-flow live upgrade like a REST call. */
  function signedUpgrade(key: { key: string; secret: string }, vsTokenId: number) {
    const timestamp = String(Date.now());
    const path = `${CAPITAL_FLOW_LIVE}?vsTokenId=${vsTokenId}`;
    return { 'x-api-key': key.key, 'x-timestamp': timestamp, 'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path, body: '' }) };
  }

  async function hubClient(query: Record<string, string> = {}): Promise<StreamClient> {
    return track(StreamClient.connect(gateway.wsUrl(HUB_STREAM, query), { authorization: `Bearer ${await accessToken()}` }));
  }

  beforeAll(async () => {
    gateway = await startGateway({
      env: { AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: SECRET, CAPITAL_FLOW_TOKENS: 'BTC,ETH', CAPITAL_FLOW_INGEST: 'false', SPREADS_SOURCE: 'off' },
      realtime: { heartbeatMs: HEARTBEAT_MS },
    });
    options = gateway.app.get<RealtimeOptions>(REALTIME_OPTIONS);
    registry = gateway.app.get(ConnectionRegistry);
    defaults = { maxConnections: options.maxConnections, maxConnectionsPerIp: options.maxConnectionsPerIp, heartbeatMs: options.heartbeatMs, stuckMs: options.stuckMs };
  });
  afterEach(async () => {
    Object.assign(options, defaults);
    await Promise.all(sockets.splice(0).map((client) => client.close()));
    await waitFor(() => registry.size === 0, 5_000, 'every socket unregistered');
  });
  afterAll(() => gateway.close());

  it('counts one cap over every surface: one socket each on three surfaces, the fourth anywhere gets 1013', async () => {
    options.maxConnections = 3;
    const spreadsKey = await addKey('contract', 0);
    const hub = await hubClient();
    await hub.opened;
    const dex = track(StreamClient.connect(gateway.wsUrl(DEX_LIVE)));
    await dex.opened;
    const spreads = track(StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: spreadsKey.key })));
    expect(await spreads.next()).toMatchObject({ type: 'welcome', family: 'spreads' });
    expect(registry.size).toBe(3);

    for (const fourth of [() => track(StreamClient.connect(gateway.wsUrl(DEX_LIVE))), () => track(StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: spreadsKey.key })))]) {
      const refused = fourth();
      expect(await refused.next()).toMatchObject({ type: 'error', code: 'overloaded' });
      expect((await refused.closed).code).toBe(1013);
    }
    const fourthOnHub = await hubClient();
    expect(await fourthOnHub.next()).toMatchObject({ type: 'error', seq: 1, code: 'overloaded' });
    expect((await fourthOnHub.closed).code).toBe(1013);

    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    for (const stream of ['dex-metrics-live', 'spreads-live']) expect(metrics).toMatch(new RegExp(`ws_connections\\{stream="${stream}"\\} 1`));
  });

  it('refuses an upgrade beyond WS_MAX_CONNECTIONS_PER_IP with HTTP 429 and a JSON body, on any surface', async () => {
    options.maxConnectionsPerIp = 2;
    const first = track(StreamClient.connect(gateway.wsUrl(DEX_LIVE)));
    const second = await hubClient();
    await Promise.all([first.opened, second.opened]);
    for (const path of [DEX_LIVE, HUB_STREAM, SPREADS_LIVE, CAPITAL_FLOW_LIVE]) {
      const refused = await refusedUpgrade(gateway.wsUrl(path));
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toEqual({ code: 429, message: expect.stringContaining('at most 2'), details: [] });
    }
    await first.close();
    await waitFor(() => registry.size === 1, 2_000, 'first socket unregistered');
    const again = track(StreamClient.connect(gateway.wsUrl(DEX_LIVE)));
    await again.opened;
  });

  it('behind a proxy in TRUSTED_PROXIES counts the client its X-Forwarded-For names, and a client cannot spoof it', async () => {
    options.maxConnectionsPerIp = 1;
    const from = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    // untrusted (the default): every socket is the TCP peer 127.0.0.1, whatever the header says
    const plain = track(new StreamClient(new WebSocket(gateway.wsUrl(DEX_LIVE), from('203.0.113.1'))));
    await plain.opened;
    expect((await refusedUpgrade(gateway.wsUrl(DEX_LIVE), { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
    await plain.close();
    await waitFor(() => registry.size === 0, 2_000, 'socket unregistered');

    // loopback is the load balancer: one socket per forwarded client
    options.trustedProxies = ['loopback'];
    try {
      const a = track(new StreamClient(new WebSocket(gateway.wsUrl(DEX_LIVE), from('203.0.113.1'))));
      const b = track(new StreamClient(new WebSocket(gateway.wsUrl(DEX_LIVE), from('203.0.113.2'))));
      await Promise.all([a.opened, b.opened]);
      expect((await refusedUpgrade(gateway.wsUrl(DEX_LIVE), { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
      // a client prepending another address is still counted as the one the proxy saw
      expect((await refusedUpgrade(gateway.wsUrl(DEX_LIVE), { 'x-forwarded-for': '198.51.100.7, 203.0.113.2' })).status).toBe(429);
    } finally {
      options.trustedProxies = [];
    }
  });

  it('reaps a socket that stops answering pings on the capital-flow live surface too', async () => {
    const key = await addKey('builder', 1_000);
    const silent = track(new StreamClient(new WebSocket(gateway.wsUrl(CAPITAL_FLOW_LIVE, { vsTokenId: 1 }), { headers: signedUpgrade(key, 1), autoPong: false })));
    // nothing is ingested in this suite: the socket gets its welcome (no empty snapshot), then only pings
    expect(await silent.next((frame) => frame.type === 'welcome')).toMatchObject({ type: 'welcome', stream: 'capital-flow.snapshot' });
    const started = Date.now();
    expect((await silent.closed).code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS * 3 + 1_000);
  });

  it('keeps no upgrade request alive for the life of a socket, on any surface (heap per connection)', async () => {
    // each upgrade request holds its raw headers and stream state (~1 KiB): 5,000 sockets must not keep 5,000 of them
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const requests: Array<{ url?: string; ref: WeakRef<IncomingMessage> }> = [];
    const server = gateway.app.getHttpServer() as Server;
    const remember = (request: IncomingMessage) => requests.push({ url: request.url, ref: new WeakRef(request) });
    server.prependListener('upgrade', remember);
    try {
      const key = await addKey('contract', 1_000);
      // two sockets per surface, one after the other: Nest's gateway plumbing (an RxJS distinctUntilChanged on the
      // connection arguments) holds the latest connection of each Nest gateway path until the next one arrives
      for (let round = 0; round < 2; round++) {
        const hub = await hubClient();
        const dex = track(StreamClient.connect(gateway.wsUrl(DEX_LIVE)));
        const spreads = track(StreamClient.connect(gateway.wsUrl(SPREADS_LIVE, { api_key: key.key })));
        const flow = track(new StreamClient(new WebSocket(gateway.wsUrl(CAPITAL_FLOW_LIVE, { vsTokenId: 1 }), { headers: signedUpgrade(key, 1) })));
        const mux = track(StreamClient.connect(gateway.wsUrl('/v1/stream'), { authorization: `Bearer ${await accessToken()}` }));
        await mux.opened;
        mux.send({ op: 'subscribe', id: 'table', stream: 'stablecoins.main_table', params: {} });
        mux.send({ op: 'subscribe', id: 'spreads', stream: 'spreads.live', params: { api_key: key.key } });
        expect(await hub.next()).toMatchObject({ type: 'view' });
        expect(await dex.next()).toMatchObject({ type: 'welcome' });
        expect(await spreads.next()).toMatchObject({ type: 'welcome' });
        expect(await flow.next((frame) => frame.type === 'welcome')).toMatchObject({ type: 'welcome' });
        expect(await mux.next((frame) => frame.sub === 'table' && frame.type === 'view')).toMatchObject({ type: 'view' });
        expect(await mux.next((frame) => frame.sub === 'spreads' && frame.type === 'welcome')).toMatchObject({ stream: 'spreads.live' });
      }
      expect(requests).toHaveLength(10);
      await sleep(50); // past the job that made the WeakRefs (a WeakRef keeps its target alive until that job ends)
      gc();
      gc();
      const firstRound = requests.slice(0, 5);
      expect(firstRound.filter(({ ref }) => ref.deref() !== undefined).map(({ url }) => url)).toEqual([]);
      expect(registry.size).toBe(10); // every socket still open
    } finally {
      server.removeListener('upgrade', remember);
    }
  });

  it('closes a seed-000 socket with 4401 when its 2-second token expires', async () => {
    const client = track(StreamClient.connect(gateway.wsUrl(HUB_STREAM), { authorization: `Bearer ${await accessToken(2)}` }));
    await client.opened;
    const opened = Date.now();
    const expired = await client.next((frame) => frame.type === 'error', 6_000);
    expect(expired).toMatchObject({ code: 'unauthorized', message: 'access token has expired', seq: client.frames.indexOf(expired) + 1 });
    expect((await client.closed).code).toBe(4401);
    const lived = Date.now() - opened;
    expect(lived).toBeGreaterThan(1_000);
    expect(lived).toBeLessThan(4_000);
  });

  it('refuses a seed-000 token without exp', async () => {
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('e2e').sign(new TextEncoder().encode(SECRET));
    const client = track(StreamClient.connect(gateway.wsUrl(HUB_STREAM), { authorization: `Bearer ${forever}` }));
    expect(await client.next()).toMatchObject({ type: 'error', seq: 1, code: 'unauthorized', message: expect.stringContaining('no exp') });
    expect((await client.closed).code).toBe(4401);
  });

  it('charges 3 points per capital-flow live snapshot and ends an exhausted key with points_exhausted and 4403', async () => {
    // three closed 5-minute points behind the present, so each step below is settled and due
    const T0 = Math.floor(Date.now() / STEP) * STEP - 3 * STEP;
    gateway.simulator.clock.freeze(T0);
    const flows = gateway.app.get(CapitalFlowService);
    expect((await flows.sync()).failed).toBe(0);
    const key = await addKey('builder', 7); // two snapshots (6 points), not a third
    const client = track(new StreamClient(new WebSocket(gateway.wsUrl(CAPITAL_FLOW_LIVE, { vsTokenId: 1 }), { headers: signedUpgrade(key, 1) })));
    expect(await client.next(isEvent)).toMatchObject({ type: 'snapshot', vsTokenId: '1' });
    gateway.simulator.clock.freeze(T0 + STEP);
    await flows.sync();
    expect(await client.next(isEvent)).toMatchObject({ type: 'snapshot', vsTokenId: '1' });
    gateway.simulator.clock.freeze(T0 + 2 * STEP);
    await flows.sync();
    expect(await client.next(isEvent)).toMatchObject({ type: 'error', code: 'points_exhausted' });
    expect((await client.closed).code).toBe(4403);
    const snapshots = client.frames.filter((frame) => frame.type === 'snapshot').length;
    expect(snapshots).toBe(2);

    const consumer = (await gateway.app.get<ApiKeyStore>(API_KEY_STORE).findByKey(key.key))!;
    const balance = await gateway.app.get(OpenApiAccess).meter.balance(consumer);
    expect(balance.limit - balance.remaining).toBe(3 * snapshots);
  });

  it('terminates five non-reading, non-ponging sockets flooding update messages, with RSS flat', async () => {
    // the heartbeat restarts with the next registered socket (the registry is empty between tests): ~3-6 s of flooding
    options.heartbeatMs = 3_000;
    options.stuckMs = 2_000;
    const update: Record<string, string> = {};
    for (let i = 0; Buffer.byteLength(JSON.stringify(update)) < 14_000; i++) update[`unknown_param_${i}`] = 'v'.repeat(40);
    const message = JSON.stringify(update);
    // a well-behaved client keeps the feed warm (and must be unharmed): the flood is measured, not the first data load
    const bystander = await hubClient();
    await bystander.next();
    await sleep(500);

    const token = await accessToken();

    /** Five sockets that never read and never answer pings flood update messages until the server terminates them. */
    async function floodRound(): Promise<number> {
      const rssBefore = process.memoryUsage().rss;
      const flooders = Array.from({ length: 5 }, () => new WebSocket(gateway.wsUrl(HUB_STREAM), { headers: { authorization: `Bearer ${token}` }, autoPong: false }));
      const closed = flooders.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
      let rssPeak = rssBefore;
      await Promise.all(flooders.map((socket) => new Promise((resolve) => socket.once('open', resolve))));
      for (const socket of flooders) {
        socket.on('error', () => undefined); // writes to a terminated socket fail; expected
        (socket as unknown as { _socket: { pause(): void } })._socket.pause(); // never reads again
      }
      const flood = setInterval(() => {
        for (const socket of flooders) if (socket.readyState === WebSocket.OPEN) socket.send(message);
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 50); // 20 messages a second per socket: twice the update rate limit
      try {
        await waitFor(() => registry.size === 1, 15_000, 'flooding sockets terminated by the server');
      } finally {
        clearInterval(flood);
      }
      for (const socket of flooders) socket.terminate();
      await Promise.all(closed);
      return (Math.max(rssPeak, process.memoryUsage().rss) - rssBefore) / 2 ** 20;
    }

    // the first round also pays the process's one-off growth (JIT, buffer pools, heap sizing); the second is measured
    const warmUpMb = await floodRound();
    const growthMb = await floodRound();
    if (process.env.PRINT_RSS) console.log(`RSS growth: warm-up round ${warmUpMb.toFixed(1)} MB, measured round ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(20);
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
  });
});
