import { Logger, OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { MetricsService } from '@app/observability';
import { CloseCode, ConnectionRegistry, type Outlet } from '@app/realtime';
import { DexMetricsService } from './dex-metrics.service';
import type { DexMessage } from './flow/dex-message';
import { DexLiveFeed } from './publish/dex-live-feed';

export const DEX_LIVE_PATH = '/v1/dex-metrics/live';
const STREAM = 'dex-metrics-live';

interface LiveClient extends Outlet {
  ticker?: string;
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
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: DexLiveFeed,
    private readonly dex: DexMetricsService,
    private readonly metrics: MetricsService,
    /** process-wide caps, heartbeat and bounded sender */
    private readonly connections: ConnectionRegistry,
  ) {
    this.unsubscribe = feed.subscribe((message) => this.broadcast(message));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    const ticker = query.get('ticker') ?? undefined;
    const unknown = [...query.keys()].filter((k) => k !== 'ticker');
    if (unknown.length > 0 || (ticker !== undefined && !this.dex.isListed(ticker))) {
      const details = unknown.length > 0 ? unknown.map((param) => ({ param, message: 'unknown parameter' })) : [{ param: 'ticker', message: `not a listed ticker (see GET /symbol_info): ${ticker}` }];
      this.connections.refuse(socket, STREAM, 'invalid_params', 'invalid query', CloseCode.PolicyViolation, details);
      return;
    }
    let last: Buffer | undefined;
    const client: LiveClient = { socket, ticker, lagSince: 0, latestFrame: () => last };
    if (!this.connections.register(socket, request, { stream: STREAM, outlet: client })) return;
    this.clients.add(client);
    socket.once('close', () => this.clients.delete(client));
    for (const message of this.feed.latest(ticker)) {
      last = dexFrame(message);
      this.connections.send(client, last);
    }
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    for (const client of this.clients) client.socket.close(CloseCode.GoingAway, 'server shutting down');
  }

  private broadcast(message: DexMessage): void {
    if (this.clients.size === 0) return;
    const frame = dexFrame(message);
    let sent = 0;
    for (const client of this.clients) {
      if (client.ticker !== undefined && client.ticker !== message.key) continue;
      if (this.connections.send(client, frame)) sent++;
    }
    if (sent > 0) this.metrics.wsFramesSent.inc({ stream: STREAM }, sent);
  }
}
