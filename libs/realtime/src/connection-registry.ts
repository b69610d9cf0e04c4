import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { MetricsService } from '@app/observability';
import { JobScheduler, delay, waitAtMost } from '@app/scheduling';
import { clientAddress, compileTrustedProxies, type TrustProxy } from '@app/http-security';
import { Heartbeat, type HeartbeatMember } from './heartbeat';
import { REALTIME_OPTIONS, type RealtimeOptions } from './realtime.options';
import { SharedConnectionCounts } from './shared-connection-counts';
import { SocketSender, type Outlet, type WireFrame } from './socket-sender';
import { CloseCode, errorBody, errorFrame, type ErrorCode, type ErrorDetail } from './ws-protocol';

export interface RegisterOptions {
  /** the surface, as labelled in `ws_connections{stream}` and the rejection counters */
  stream: string;
  /** what the surface sends through (its own subscriber object); default: the connection itself */
  outlet?: Outlet;
  /** after each ws ping of this connection (e.g. to send a visible `{"type":"ping"}` frame) */
  onBeat?: () => void;
  /** the `seq` of the error frame when the socket is refused at the cap (view streams: 1, their first frame) */
  refusalSeq?: number;
}

/** Why an upgrade must be refused before it happens. */
export type Admission = { ok: true } | { ok: false; status: 429; message: string };

/** One registered socket of any surface: counted, heartbeat-checked, written to through the one bounded sender. */
export class Connection implements Outlet, HeartbeatMember {
  /** set by pongs only: a client sending messages but not answering pings is still dead */
  alive = true;
  lagSince = 0;
  readonly outlet: Outlet;
  /** inbound messages read in the current one-second window (`meterInbound`) */
  messagesInWindow = 0;
  windowStart = 0;
  readsPaused = false;
  /**
   * What the streams writing to this socket re-send once it drained after skipped frames (their latest frames).
   * Used when the connection is its own outlet (sockets written to through `FrameSink`s).
   */
  readonly drainListeners = new Set<() => void>();

  constructor(
    readonly socket: WebSocket,
    readonly stream: string,
    readonly ip: string,
    readonly onBeat?: () => void,
    outlet?: Outlet,
  ) {
    this.outlet = outlet ?? this;
  }

  latestFrame(): Buffer | undefined {
    return undefined;
  }

  catchUp(): void {
    for (const listener of this.drainListeners) listener();
  }
}

/**
 * Every WebSocket of the process, whatever its surface (seed-000 streams, spreads live, DEX live, capital-flow live):
 * one connection count (`WS_MAX_CONNECTIONS`), one count per client IP (`WS_MAX_CONNECTIONS_PER_IP`), one heartbeat,
 * one bounded sender that every outbound frame goes through.
 */
@Injectable()
export class ConnectionRegistry implements OnApplicationShutdown {
  readonly sender: SocketSender;
  private readonly connections = new Set<Connection>();
  private readonly bySocket = new WeakMap<WebSocket, Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly heartbeat: Heartbeat<Connection>;

  private readonly logger = new Logger('ConnectionRegistry');
  private lastWarned = 0;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    private readonly metrics: MetricsService,
    /** with `REDIS_URL`: the per-IP count is summed over the replicas */
    @Optional() @Inject(SharedConnectionCounts) private readonly shared?: SharedConnectionCounts,
    @Optional() jobs: JobScheduler = JobScheduler.detached(),
  ) {
    shared?.start(() => this.perIp);
    // the options object is read at each use: bootstrap and tests tune it after construction
    this.sender = new SocketSender(options, {
      onSent: (count) => metrics.wsFramesSent.inc({ stream: 'lag-resend' }, count),
      onSkipped: (count) => metrics.wsFramesSkipped.inc({ stream: 'all' }, count),
      onTerminated: (reason) => metrics.wsSocketsTerminated.inc({ reason }),
    }, jobs);
    this.heartbeat = new Heartbeat({
      get intervalMs() {
        return options.heartbeatMs;
      },
      onDead: () => metrics.wsSocketsTerminated.inc({ reason: 'heartbeat' }),
      onBeat: (connection) => connection.onBeat?.(),
      jobs,
    });
  }

  get size(): number {
    return this.connections.size;
  }

  connectionsFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  /**
   * Checked on the HTTP upgrade, before the socket exists: beyond the per-IP cap the upgrade is refused with 429.
   * With shared counts, the IP's connections on every live replica count; while Redis cannot be reached, this
   * process's own.
   */
  admit(request: IncomingMessage): Admission | Promise<Admission> {
    const ip = clientAddress(request, this.trustProxy());
    const max = this.options.maxConnectionsPerIp;
    const refused: Admission = { ok: false, status: 429, message: `too many WebSocket connections from this address (at most ${max})` };
    if (this.connectionsFrom(ip) >= max) return refused;
    if (!this.shared) return { ok: true };
    return this.shared.count(ip).then(
      (total) => (total >= max ? refused : { ok: true }),
      (error: Error) => {
        if (Date.now() - this.lastWarned > 30_000) {
          this.lastWarned = Date.now();
          this.logger.warn(`per-IP counts of the cluster unavailable (${error.message}): this replica's own count applies`);
        }
        return { ok: true } as Admission;
      },
    );
  }

  private trustCache?: { list: readonly string[] | undefined; trust: TrustProxy | undefined };

  /** The key of the per-IP cap: the client behind `TRUSTED_PROXIES`, else the TCP peer. */
  private trustProxy(): TrustProxy | undefined {
    const list = this.options.trustedProxies;
    if (this.trustCache?.list !== list) this.trustCache = { list, trust: compileTrustedProxies(list ?? []) };
    return this.trustCache?.trust;
  }

  /**
   * Counts the socket in, or refuses it (error frame `overloaded`, close 1013) when the process or its client IP is at
   * its cap. Returns undefined when refused. The connection leaves the registry when its socket closes.
   */
  register(socket: WebSocket, request: IncomingMessage, options: RegisterOptions): Connection | undefined {
    const ip = clientAddress(request, this.trustProxy());
    if (this.connections.size >= this.options.maxConnections || this.connectionsFrom(ip) >= this.options.maxConnectionsPerIp) {
      this.refuse(socket, options.stream, 'overloaded', 'server is at its connection limit, retry later', CloseCode.TryAgainLater, [], options.refusalSeq);
      return undefined;
    }
    const connection = new Connection(socket, options.stream, ip, options.onBeat, options.outlet);
    this.connections.add(connection);
    this.bySocket.set(socket, connection);
    this.perIp.set(ip, this.connectionsFrom(ip) + 1);
    this.shared?.change(ip, 1);
    this.metrics.wsConnections.inc({ stream: options.stream });
    this.heartbeat.watch(connection);
    this.heartbeat.start();
    socket.on('message', () => this.meterInbound(connection));
    socket.once('close', () => this.unregister(connection));
    return connection;
  }

  /**
   * Inbound flow control: once a socket has sent `maxMessagesPerSecond` messages in a window, its TCP reads pause
   * until the window ends. A flooding client then fills its own send buffer instead of this process's memory and
   * CPU (ws would otherwise read, unmask and buffer everything it sends), and no message is dropped unanswered:
   * the surplus waits in TCP and is read in later windows.
   */
  private meterInbound(connection: Connection): void {
    const now = Date.now();
    if (now - connection.windowStart >= 1000) {
      connection.windowStart = now;
      connection.messagesInWindow = 0;
    }
    if (++connection.messagesInWindow < this.options.maxMessagesPerSecond || connection.readsPaused) return;
    const socket = connection.socket;
    connection.readsPaused = true;
    socket.pause();
    // a per-socket wait, not a job: only flooding sockets get one, and it ends with the window
    void delay(connection.windowStart + 1000 - now, { ref: false }).then(() => {
      connection.readsPaused = false;
      socket.resume();
    });
  }

  /** Writes one frame through the bounded sender; false when skipped (backpressure) or the socket is not open. */
  send(outlet: Outlet, frame: Buffer | string): boolean {
    return this.sender.send(outlet, typeof frame === 'string' ? Buffer.from(frame) : frame);
  }

  /** Writes `prefix` + the shared `body` as one frame through the bounded sender, without copying the body. */
  sendPrefixed(outlet: Outlet, prefix: string, body: Buffer): boolean {
    return this.sender.sendPrefixed(outlet, prefix, body);
  }

  sendWire(outlet: Outlet, frame: WireFrame): boolean {
    return this.sender.sendWire(outlet, frame);
  }

  /** An error frame (bounded, see `errorFrame`) through the sender; the connection stays open. */
  sendError(outlet: Outlet, code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): boolean {
    return this.send(outlet, errorFrame(code, message, details));
  }

  /**
   * Refuses a socket: counted, an error frame through the sender, then the close code. `seq`: the frame's `seq`
   * on surfaces whose frames carry one.
   */
  refuse(socket: WebSocket, stream: string, code: ErrorCode, message: string, closeCode: number, details: readonly ErrorDetail[] = [], seq?: number): void {
    this.metrics.wsConnectionsRejected.inc({ stream, reason: code });
    if (socket.readyState !== WebSocket.OPEN) return;
    const outlet = this.bySocket.get(socket)?.outlet ?? bareOutlet(socket);
    if (seq === undefined) this.sendError(outlet, code, message, details);
    else this.sender.sendPrefixed(outlet, `{"type":"error","seq":${seq},`, errorBody(code, message, details));
    socket.close(closeCode, code);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.shared?.close();
  }

  stop(): void {
    this.heartbeat.stop();
    this.sender.stop();
  }

  private unregister(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    const left = this.connectionsFrom(connection.ip) - 1;
    if (left > 0) this.perIp.set(connection.ip, left);
    else this.perIp.delete(connection.ip);
    this.shared?.change(connection.ip, -1);
    this.metrics.wsConnections.dec({ stream: connection.stream });
    this.sender.forget(connection.outlet);
    this.heartbeat.unwatch(connection);
    if (this.connections.size === 0) this.heartbeat.stop();
  }
}

/** How long shutdown waits for clients to answer the 1001 close frame before the sockets are cut. */
export const SHUTDOWN_CLOSE_WAIT_MS = 2_000;

/**
 * Closes sockets with 1001 and waits (bounded) for the close handshakes; those still open then are terminated, so
 * the HTTP server can close behind them.
 */
export async function closeGracefully(sockets: readonly WebSocket[], waitMs = SHUTDOWN_CLOSE_WAIT_MS): Promise<void> {
  const closed = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close(CloseCode.GoingAway, 'server shutting down');
      }),
  );
  await waitAtMost(Promise.all(closed), waitMs);
  for (const socket of sockets) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
}

function bareOutlet(socket: WebSocket): Outlet {
  return { socket, lagSince: 0, latestFrame: () => undefined };
}

/** The TCP peer's address (IPv4-mapped IPv6 folded to IPv4): the client when no proxy is trusted. */
export function clientIp(request: IncomingMessage): string {
  return clientAddress(request);
}
