import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PathHandler } from './stream-catalog';

type PathServer = WebSocketServer & { path: string };

export type UpgradeVerdict = { ok: true } | { ok: false; status: number; message: string };

/** Decides on the upgrade request whether a WebSocket may be opened at all (the per-IP cap of `ConnectionRegistry`). */
export interface UpgradeAdmission {
  admit(request: IncomingMessage): UpgradeVerdict | Promise<UpgradeVerdict>;
}

/** Which paths the realtime layer serves itself (`StreamCatalog`): every declared stream and `/v1/stream`. */
export interface UpgradeRouter {
  handlerFor(path: string): PathHandler | undefined;
}

/**
 * Nest's WsAdapter with these changes for a push gateway:
 * - every path the realtime layer declares (`router`) is served by the layer, not by a Nest gateway class; Nest
 *   gateways (`@WebSocketGateway({ path })`) still work for the paths the router does not know;
 * - an upgrade from a browser origin that is not allowed is answered `403 Forbidden`, before anything else;
 * - an upgrade to an unknown path is answered `404 Not Found` (the stock adapter drops the socket silently);
 * - inbound messages are not bound to Nest handlers: the hub reads update messages itself, which also
 *   saves the per-connection RxJS pipeline (~7 KiB heap per client, reference/perf-anchors.md §3);
 * - every path server gets the same `maxPayload` and no permessage-deflate;
 * - a client IP over its connection cap is refused `429 Too Many Requests` before the upgrade.
 */
export class GatewayWsAdapter extends WsAdapter {
  private readonly log = new Logger(GatewayWsAdapter.name);
  private readonly pathServers: PathServer[] = [];
  /** the one server of the layer's paths; the layer tracks and closes its sockets itself */
  private readonly layerServer: WebSocketServer;
  private attached?: HttpServer;
  /**
   * One listener for every socket. A closure made where the upgrade is handled would share that scope's context and
   * keep the upgrade request (headers, raw headers, its socket state) and `head` alive for the socket's whole life:
   * about 1 KiB of heap per connection, and more for every major GC to mark.
   */
  private readonly onSocketError = (error: Error & { code?: string }): void => this.limits.onClientError?.(error.code ?? 'unknown');

  constructor(
    app: INestApplicationContext,
    private readonly limits: {
      maxPayloadBytes: number;
      /** false refuses the upgrade with 403 (a browser page from an origin not in ALLOWED_ORIGINS) */
      admitOrigin?: (request: IncomingMessage) => boolean;
      /** the per-IP cap of `ConnectionRegistry`: refused upgrades get its status (429) */
      admission?: UpgradeAdmission;
      /** a client's socket failed (protocol violation or reset): counted, not logged */
      onClientError?: (code: string) => void;
      /** the layer's paths (`StreamCatalog`) */
      router?: UpgradeRouter;
    },
  ) {
    super(app);
    this.layerServer = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    this.layerServer.on('error', (error) => this.log.error(error));
    // the upgrade listener goes on the app's server now: with no Nest gateway at all, `ensureHttpServerExists` never runs
    const httpServer = this.httpServer as HttpServer | undefined;
    if (httpServer && limits.router) this.attach(httpServer);
  }

  override create(port: number, options: Record<string, unknown> = {}): WebSocketServer {
    const server = super.create(port, { ...options, maxPayload: this.limits.maxPayloadBytes, perMessageDeflate: false }) as PathServer;
    if (server.options?.noServer) this.pathServers.push(server);
    return server;
  }

  override bindMessageHandlers(): void {
    // Intentionally empty: see the class comment.
  }

  /**
   * A socket error is the client's doing (a frame over `maxPayload`, a bad frame, a reset): ws closes that socket
   * itself. Nest's adapter logs each one with a stack, so a hostile client could fill the log and burn CPU on it;
   * they are counted per error code instead (`ws_client_errors_total`), and only server errors are logged.
   */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket: WebSocket) => socket.on('error', this.onSocketError));
    server.on('error', (error: Error) => this.log.error(error));
    return server;
  }

  protected override ensureHttpServerExists(port: number, httpServer?: HttpServer): HttpServer | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    const server = httpServer ?? (super.ensureHttpServerExists(port) as HttpServer);
    if (httpServer) {
      this.httpServersRegistry.set(port, httpServer);
      this.attach(httpServer);
    }
    return server;
  }

  private attach(httpServer: HttpServer): void {
    if (this.attached === httpServer) return;
    this.attached = httpServer;
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.routeUpgrade(request, socket, head));
  }

  private routeUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // cross-site WebSocket hijacking: a foreign page must not open a stream with the visitor's cookies
    if (this.limits.admitOrigin && !this.limits.admitOrigin(request)) {
      return refuse(socket, 403, 'Forbidden', 'this origin may not open WebSocket streams here (see ALLOWED_ORIGINS)');
    }
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'ws://localhost').pathname;
    } catch {
      return refuse(socket, 400, 'Bad Request');
    }
    const handler = this.limits.router?.handlerFor(pathname);
    const target = handler ? undefined : this.pathServers.find((server) => server.path === pathname);
    if (!handler && !target) return refuse(socket, 404, 'Not Found');
    const admission = this.limits.admission?.admit(request);
    if (admission instanceof Promise) {
      // the cluster-wide count (Redis): the socket may go away meanwhile
      admission.then(
        (verdict) => {
          if (socket.destroyed) return;
          if (!verdict.ok) return refuse(socket, verdict.status, 'Too Many Requests', verdict.message);
          this.upgrade(request, socket, head, handler, target);
        },
        () => socket.destroy(),
      );
      return;
    }
    if (admission && !admission.ok) return refuse(socket, admission.status, 'Too Many Requests', admission.message);
    this.upgrade(request, socket, head, handler, target);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, handler: PathHandler | undefined, target: PathServer | undefined): void {
    if (target) return target.handleUpgrade(request, socket, head, (ws) => target.emit('connection', ws, request));
    this.layerServer.handleUpgrade(request, socket, head, (ws) => {
      // ws emits 'error' (then closes) on a protocol violation such as an oversized message: never unhandled
      ws.on('error', this.onSocketError);
      handler!(ws, request);
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string, message = `no WebSocket stream at this path (${reason})`): void {
  const body = JSON.stringify({ code: status, message, details: [] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
