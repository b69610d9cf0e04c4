import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { ApiConsumer } from '@app/api-keys';
import { CloseCode, ConnectionRegistry, type ErrorCode } from '@app/realtime';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { CAPITAL_FLOW_PATHS } from './capital-flow.controller';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { CapitalFlowService } from './capital-flow.service';
import type { SyncReport } from './flow-ingestor';
import { OpenApiAccess, POINTS_COST } from './open-api-access';
import { OPEN_API_CODES, OpenApiError } from './open-api-envelope';
import type { TrackedToken } from './tracked-tokens';
import { parseVsTokenId, VS_TOKEN_ID_MAX } from './vs-token-id';

const STREAM = 'capital-flow-live';

interface Subscriber {
  socket: WebSocket;
  token: TrackedToken;
  consumer: ApiConsumer;
  lagSince: number;
  /** charge-then-send steps run one after the other, so snapshots keep their order */
  delivery: Promise<void>;
  /** nothing to re-send once a lagging socket drains: every snapshot is charged, the next one comes at the next close */
  latestFrame(): Buffer | undefined;
}

/**
 * `WS /api/open/v1/trade/snapshot/live?vsTokenId=<id>`: the upgrade is signed like a REST call (X-API-KEY,
 * X-TIMESTAMP, X-SIGN over timestamp + "GET" + path with query + empty body). Sends the token's snapshot at once,
 * then again each time its 5-minute point closes: `{type: "snapshot", vsTokenId, data, sent_at}`.
 */
@Injectable()
export class SnapshotLiveSessions implements OnApplicationShutdown {
  private readonly logger = new Logger('CapitalFlowLive');
  private readonly subscribers = new Set<Subscriber>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly flows: CapitalFlowService,
    private readonly access: OpenApiAccess,
    private readonly metrics: CapitalFlowMetrics,
    /** process-wide caps, heartbeat and bounded sender */
    private readonly connections: ConnectionRegistry,
  ) {
    this.unsubscribe = flows.onSync((report) => this.push(report));
  }

  async connect(socket: WebSocket, request: IncomingMessage): Promise<void> {
    if (!this.connections.register(socket, request, { stream: STREAM })) return;
    let consumer: ApiConsumer;
    try {
      consumer = await this.access.authenticate(request);
    } catch (error) {
      const message = error instanceof OpenApiError ? `${error.code}: ${error.message}` : 'authentication failed';
      if (!(error instanceof OpenApiError)) this.logger.error(error instanceof Error ? error.message : String(error));
      return this.refuse(socket, 'unauthorized', message, CloseCode.Unauthorized);
    }
    const raw = new URL(request.url ?? '/', 'http://localhost').searchParams.get('vsTokenId');
    const id = parseVsTokenId(raw);
    const token = id === undefined ? undefined : this.flows.token(id);
    if (!token) {
      // the raw value is never echoed: only the parsed (bounded) id
      const problem = raw === null ? 'vsTokenId is required' : id === undefined ? `vsTokenId must be an integer 1..${VS_TOKEN_ID_MAX}` : `unknown vsTokenId ${id}`;
      return this.refuse(socket, 'invalid_params', problem, CloseCode.PolicyViolation, [
        { param: 'vsTokenId', message: 'a vsTokenId from POST /api/open/v1/vs-token/list' },
      ]);
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    const subscriber: Subscriber = { socket, token, consumer, lagSince: 0, delivery: Promise.resolve(), latestFrame: () => undefined };
    this.subscribers.add(subscriber);
    this.metrics.liveConnections.inc();
    socket.on('close', () => {
      this.metrics.liveConnections.dec();
      this.subscribers.delete(subscriber);
      this.connections.sender.forget(subscriber);
    });
    this.send(subscriber, this.frameOf(token));
  }

  close(): void {
    this.unsubscribe();
    for (const { socket } of this.subscribers) socket.close(CloseCode.GoingAway, 'server shutting down');
    this.subscribers.clear();
  }

  onApplicationShutdown(): void {
    this.close();
  }

  private push(report: SyncReport): void {
    if (report.advanced.length === 0) return;
    const advanced = new Set(report.advanced);
    const frames = new Map<number, Buffer>();
    for (const subscriber of this.subscribers) {
      const id = subscriber.token.vsTokenId;
      if (!advanced.has(id)) continue;
      // one serialisation per token, whatever the number of subscribers
      if (!frames.has(id)) frames.set(id, this.frameOf(subscriber.token));
      this.send(subscriber, frames.get(id)!);
    }
  }

  private frameOf(token: TrackedToken): Buffer {
    const data = this.flows.snapshot(token, Date.now());
    return Buffer.from(JSON.stringify({ type: 'snapshot', vsTokenId: String(token.vsTokenId), data, sent_at: Math.floor(Date.now() / 1000) }));
  }

  /** Each snapshot pushed costs what the REST call does (3 points); an exhausted key gets `points_exhausted` and 4403. */
  private send(subscriber: Subscriber, frame: Buffer): void {
    subscriber.delivery = subscriber.delivery.then(() => this.chargeAndSend(subscriber, frame));
  }

  private async chargeAndSend(subscriber: Subscriber, frame: Buffer): Promise<void> {
    const sender = this.connections.sender;
    if (!sender.hasRoom(subscriber, frame.length)) {
      sender.send(subscriber, frame); // not written: counts the skip and the lag (a stuck socket is terminated), charges nothing
      return;
    }
    try {
      await this.access.charge(subscriber.consumer, POINTS_COST.snapshot);
    } catch (error) {
      if (error instanceof OpenApiError && error.code === OPEN_API_CODES.pointsExhausted) {
        return this.refuse(subscriber.socket, 'points_exhausted', error.message, CloseCode.Forbidden);
      }
      this.logger.error(`charging a live snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
      return this.refuse(subscriber.socket, 'overloaded', 'points could not be charged, retry later', CloseCode.TryAgainLater);
    }
    this.metrics.pointsCharged.inc({ route: CAPITAL_FLOW_PATHS.live }, POINTS_COST.snapshot);
    sender.send(subscriber, frame);
  }

  private refuse(socket: WebSocket, code: ErrorCode, message: string, close: number, details: Array<{ param: string; message: string }> = []): void {
    this.connections.refuse(socket, STREAM, code, message, close, details);
  }
}

/** Binds the path; the sessions do the rest. */
@WebSocketGateway({ path: CAPITAL_FLOW_PATHS.live })
export class SnapshotLiveGateway implements OnGatewayConnection {
  constructor(private readonly sessions: SnapshotLiveSessions) {}

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    void this.sessions.connect(client, request);
  }
}
