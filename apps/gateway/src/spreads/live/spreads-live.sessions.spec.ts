import { ApiKeyAuthenticator, type ApiConsumer, type ApiKeyStore } from '@app/api-keys';
import { MetricsService } from '@app/observability';
import { CloseCode, ConnectionRegistry, DEFAULT_REALTIME_OPTIONS } from '@app/realtime';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { publish, type PublishedEvent } from '../api/recent-events';
import type { SpreadEvent } from '../domain/spread-event';
import type { SpreadsPipeline } from '../spreads.pipeline';
import { SpreadsLiveSessions } from './spreads-live.sessions';

const CONSUMER: ApiConsumer = { id: 1, name: 'acme', tier: 'contract', secret: 's', points: 0, trace: 'c_0123456789abcdef', disabled: false };

interface Received {
  frames: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  socket: WebSocket;
}

function connect(port: number): Promise<Received> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/spreads/live?api_key=k`);
    const frames: Array<Record<string, unknown>> = [];
    const closed = new Promise<{ code: number; reason: string }>((done) => socket.once('close', (code, reason) => done({ code, reason: reason.toString() })));
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    socket.once('error', reject);
    // resolved once the server has answered (welcome or refusal)
    socket.once('message', () => resolve({ frames, closed, socket }));
  });
}

describe('SpreadsLiveSessions connection cap', () => {
  let server: WebSocketServer;
  let sessions: SpreadsLiveSessions;
  let registry: ConnectionRegistry;
  let port: number;

  beforeEach(async () => {
    const store = { findByKey: async (key: string) => (key === 'k' ? CONSUMER : undefined) } as unknown as ApiKeyStore;
    const pipeline = { subscribe: () => () => undefined } as unknown as SpreadsPipeline;
    registry = new ConnectionRegistry({ ...DEFAULT_REALTIME_OPTIONS, heartbeatMs: 60_000, maxConnections: 2 }, new MetricsService());
    sessions = new SpreadsLiveSessions(pipeline, new ApiKeyAuthenticator(store), registry, { releaseMs: 1_000 });
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket, request) => void sessions.connect(socket, request));
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    sessions.close();
    registry.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts maxConnections sockets, refuses the next with an overloaded frame and close 1013, and accepts again after one leaves', async () => {
    const first = await connect(port);
    const second = await connect(port);
    expect(first.frames[0]).toMatchObject({ type: 'welcome', family: 'spreads' });
    expect(second.frames[0]).toMatchObject({ type: 'welcome', family: 'spreads' });
    expect(sessions.size).toBe(2);

    const third = await connect(port);
    expect(third.frames[0]).toMatchObject({ type: 'error', code: 'overloaded' });
    expect(await third.closed).toEqual({ code: CloseCode.TryAgainLater, reason: 'overloaded' });
    expect(CloseCode.TryAgainLater).toBe(1013);
    expect(sessions.size).toBe(2);

    first.socket.close();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the server sees the close
    expect(sessions.size).toBe(1);
    const fourth = await connect(port);
    expect(fourth.frames[0]).toMatchObject({ type: 'welcome' });
    second.socket.close();
    fourth.socket.close();
  });
});

describe('SpreadsLiveSessions per-key order (builder: opens held 60 s, closes not)', () => {
  const BUILDER: ApiConsumer = { ...CONSUMER, tier: 'builder' };
  let listener: ((item: PublishedEvent) => void) | undefined;
  let sent: Array<{ event: string; symbol: string }>;
  let sessions: SpreadsLiveSessions;
  let registry: ConnectionRegistry;

  const spreadEvent = (event: 'open' | 'close', symbol: string, firedAtMs: number): SpreadEvent => ({
    id: `${event}-${symbol}-${firedAtMs}`,
    event,
    symbol,
    spread_type: 'spot/spot',
    buy_leg: 'BINANCE:spot',
    sell_leg: 'OKX:spot',
    buy_exchange: 'BINANCE',
    sell_exchange: 'OKX',
    buy_kind: 'spot',
    sell_kind: 'spot',
    buy_price: 100,
    sell_price: event === 'open' ? 103 : 100.1,
    spread_percent: event === 'open' ? 3 : 0.1,
    volume_24h: null,
    cex_legs: 2,
    fired_at_ms: firedAtMs,
  });

  beforeEach(async () => {
    jest.useFakeTimers({ now: 1_781_000_000_000 });
    listener = undefined;
    sent = [];
    const store = { findByKey: async () => BUILDER } as unknown as ApiKeyStore;
    const pipeline = { subscribe: (fn: (item: PublishedEvent) => void) => ((listener = fn), () => undefined) } as unknown as SpreadsPipeline;
    registry = new ConnectionRegistry({ ...DEFAULT_REALTIME_OPTIONS, heartbeatMs: 3_600_000 }, new MetricsService());
    jest.spyOn(registry.sender, 'send').mockImplementation((_outlet, frame: Buffer) => {
      const parsed = JSON.parse(frame.toString()) as { type: string; data: { event: string; symbol: string } };
      if (parsed.type === 'event') sent.push({ event: parsed.data.event, symbol: parsed.data.symbol });
      return true;
    });
    sessions = new SpreadsLiveSessions(pipeline, new ApiKeyAuthenticator(store), registry, { releaseMs: 250 });
    const socket = Object.assign(new EventEmitter(), { readyState: WebSocket.OPEN, send: () => undefined, close: () => undefined });
    await sessions.connect(socket as unknown as WebSocket, { url: '/v1/spreads/live?api_key=k', headers: {} } as IncomingMessage);
    expect(listener).toBeDefined();
  });

  afterEach(() => {
    sessions.close();
    registry.stop();
    jest.useRealTimers();
  });

  it('delivers the open, then its close (held until after the open), never the reverse', () => {
    listener!(publish(spreadEvent('open', 'AAA_USDT', Date.now())));
    jest.advanceTimersByTime(1_000);
    listener!(publish(spreadEvent('close', 'AAA_USDT', Date.now())));
    listener!(publish(spreadEvent('close', 'ZZZ_USDT', Date.now()))); // no open of ZZZ held: not delayed
    expect(sent).toEqual([{ event: 'close', symbol: 'ZZZ_USDT' }]);
    jest.advanceTimersByTime(58_000);
    expect(sent).toHaveLength(1); // 59 s: the open is still held, so is its close
    jest.advanceTimersByTime(1_500);
    expect(sent).toEqual([
      { event: 'close', symbol: 'ZZZ_USDT' },
      { event: 'open', symbol: 'AAA_USDT' },
      { event: 'close', symbol: 'AAA_USDT' },
    ]);
  });
});
