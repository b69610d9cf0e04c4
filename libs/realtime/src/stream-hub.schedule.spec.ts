import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MetricsService } from '@app/observability';
import type { Cached } from '@app/upstream';
import { StreamClient, isData } from '../../../test/support/ws-client';
import { settleParts } from './load-parts';
import { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions } from './realtime.options';
import type { StreamDefinition, StreamLoad } from './stream-definition';
import { StreamHub } from './stream-hub';
import { ConnectionRegistry } from './connection-registry';

/** A stream whose `load` the test writes; renders `{ results: [data] }`. */
function stream(load: () => Promise<StreamLoad<unknown>>): StreamDefinition<object, unknown> {
  return {
    name: 'scheduled',
    path: '/scheduled',
    requiresAuth: false,
    rowFields: ['results'],
    refresh: { freshMs: 60_000, callsPerRefresh: 1 },
    load,
    render: (data) => ({ results: [data], count: 1 }),
  };
}

const part = <T>(value: T, fetchedAt: number, freshMs: number): Promise<Cached<T>> => Promise.resolve({ value, fetchedAt, stale: false, freshUntil: fetchedAt + freshMs });

describe('StreamHub scheduling and adaptive_interval', () => {
  let server: Server;
  let hub: StreamHub;
  let registry: ConnectionRegistry;
  const clients: StreamClient[] = [];

  async function start(definition: StreamDefinition<object, unknown>, options: Partial<RealtimeOptions>): Promise<string> {
    const hubOptions = { ...DEFAULT_REALTIME_OPTIONS, lingerMs: 50, ...options };
    const metrics = new MetricsService();
    registry = new ConnectionRegistry(hubOptions, metrics);
    hub = new StreamHub(hubOptions, metrics, registry);
    server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket, request) => void hub.connect(definition, socket, request));
    server.on('close', () => wss.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/scheduled`;
  }

  afterEach(async () => {
    jest.restoreAllMocks();
    await hub.beforeApplicationShutdown();
    registry.stop();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await new Promise((resolve) => server.close(resolve));
  });

  it('schedules a feed of parts with different TTLs from the first part to expire, not from the oldest fetch (not 1 s)', async () => {
    let loads = 0;
    const url = await start(
      stream(async () => {
        loads++;
        const now = Date.now();
        // CoinGecko metadata: 5 min fresh, fetched 200 s ago (100 s left); Deribit chain: 60 s fresh, fetched now
        const settled = await settleParts([
          { source: 'coingecko /coins/bitcoin', read: part('logo', now - 200_000, 300_000) },
          { source: 'deribit', read: part('chain', now, 60_000) },
        ] as const);
        return { data: settled.values.join(','), fetchedAt: settled.fetchedAt, freshUntil: settled.freshUntil, stale: settled.stale };
      }),
      { jitterMs: 0, minIntervalMs: 1_000 },
    );
    const client = StreamClient.connect(url);
    clients.push(client);
    const frame = await client.next(isData);
    expect(frame.adaptive_interval).toBe(60);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(loads).toBe(1); // no 1 Hz loop
  });

  it('adaptive_interval is the measured gap to the next push, jitter included (to the nearest second)', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.9); // jitter = 1.8 s of the 2 s allowed
    let version = 0;
    const url = await start(
      stream(async () => {
        const now = Date.now();
        return { data: ++version, fetchedAt: now, freshUntil: now + 1_000 }; // changes on every refresh, fresh for 1 s
      }),
      { jitterMs: 2_000, minIntervalMs: 200 },
    );
    const client = StreamClient.connect(url);
    clients.push(client);
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push(await client.next(isData, 10_000));
    for (let i = 1; i < frames.length; i++) {
      const gapSeconds = frames[i].timestamp - frames[i - 1].timestamp;
      expect(frames[i - 1].adaptive_interval).toBe(3); // 1 s fresh + 1.8 s jitter = 2.8 s
      expect(Math.abs(gapSeconds - frames[i - 1].adaptive_interval)).toBeLessThanOrEqual(0.5);
    }
  }, 30_000);
});
