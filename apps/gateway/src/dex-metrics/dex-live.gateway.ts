import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { MetricsService } from '@app/observability';
import { CloseCode, Heartbeat, REALTIME_OPTIONS, SocketSender, errorFrame, type Outlet, type RealtimeOptions } from '@app/realtime';
import { DexMetricsService } from './dex-metrics.service';
import type { DexMessage } from './flow/dex-message';
import { DexLiveFeed } from './publish/dex-live-feed';

export const DEX_LIVE_PATH = '/v1/dex-metrics/live';
const STREAM = 'dex-metrics-live';

interface LiveClient extends Outlet {
  ticker?: string;
  alive: boolean;
}

/** The frame of one message: `{ type: "message", key, value | null, sent_at }` (PRODUCT.md). */
export function dexFrame(message: DexMessage): Buffer {
  return Buffer.from(JSON.stringify({ type: 'message', key: message.key, value: message.value, sent_at: Math.floor(message.sentAtMs / 1000) }));
}

/**
 * `WS /v1/dex-metrics/live[?ticker=<ticker>]`: the DEX metrics messages as they are sent to Kafka, starting with the
 * latest message of each (matching) symbol. Each frame is serialised once for all clients.
 */
@WebSocketGateway({ path: DEX_LIVE_PATH })
export class DexLiveGateway implements OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(DexLiveGateway.name);
  private readonly clients = new Set<LiveClient>();
  private readonly sender: SocketSender;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: Heartbeat<LiveClient>;

  constructor(
    private readonly feed: DexLiveFeed,
    private readonly dex: DexMetricsService,
    private readonly metrics: MetricsService,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
  ) {
    this.sender = new SocketSender(options, {
      onSent: (count) => metrics.wsFramesSent.inc({ stream: STREAM }, count),
      onSkipped: (count) => metrics.wsFramesSkipped.inc({ stream: STREAM }, count),
      onTerminated: (reason) => metrics.wsSocketsTerminated.inc({ reason }),
    });
    this.heartbeat = new Heartbeat({
      intervalMs: options.heartbeatMs,
      members: () => this.clients,
      onDead: () => metrics.wsSocketsTerminated.inc({ reason: 'heartbeat' }),
    });
    this.unsubscribe = feed.subscribe((message) => this.broadcast(message));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    const ticker = query.get('ticker') ?? undefined;
    const unknown = [...query.keys()].filter((k) => k !== 'ticker');
    if (unknown.length > 0 || (ticker !== undefined && !this.dex.isListed(ticker))) {
      const details = unknown.length > 0 ? unknown.map((param) => ({ param, message: 'unknown parameter' })) : [{ param: 'ticker', message: `not a listed ticker (see GET /symbol_info): ${ticker}` }];
      this.metrics.wsConnectionsRejected.inc({ stream: STREAM, reason: 'invalid_params' });
      socket.send(errorFrame('invalid_params', 'invalid query', details));
      socket.close(CloseCode.PolicyViolation, 'invalid_params');
      return;
    }
    if (this.clients.size >= this.options.maxConnections) {
      this.metrics.wsConnectionsRejected.inc({ stream: STREAM, reason: 'overloaded' });
      socket.send(errorFrame('overloaded', 'server is at its connection limit, retry later'));
      socket.close(CloseCode.TryAgainLater, 'overloaded');
      return;
    }
    let last: Buffer | undefined;
    const client: LiveClient = { socket, ticker, alive: true, lagSince: 0, latestFrame: () => last };
    this.clients.add(client);
    this.metrics.wsConnections.inc({ stream: STREAM });
    this.heartbeat.watch(client);
    socket.once('close', () => {
      this.clients.delete(client);
      this.sender.forget(client);
      this.metrics.wsConnections.dec({ stream: STREAM });
    });
    for (const message of this.feed.latest(ticker)) {
      last = dexFrame(message);
      this.sender.send(client, last);
    }
    this.heartbeat.start();
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    this.heartbeat.stop();
    this.sender.stop();
    for (const client of this.clients) client.socket.close(CloseCode.GoingAway, 'server shutting down');
  }

  private broadcast(message: DexMessage): void {
    if (this.clients.size === 0) return;
    const frame = dexFrame(message);
    let sent = 0;
    for (const client of this.clients) {
      if (client.ticker !== undefined && client.ticker !== message.key) continue;
      if (this.sender.send(client, frame)) sent++;
    }
    if (sent > 0) this.metrics.wsFramesSent.inc({ stream: STREAM }, sent);
  }
}
