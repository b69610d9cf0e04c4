import { ApiKeyAuthenticator, type ApiConsumer, type ApiKeyStore } from '@app/api-keys';
import { MetricsService } from '@app/observability';
import { CloseCode, ConnectionRegistry, DEFAULT_REALTIME_OPTIONS } from '@app/realtime';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
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
