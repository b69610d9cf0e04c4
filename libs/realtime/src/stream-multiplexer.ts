import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ConnectionRegistry, closeGracefully, type Connection } from './connection-registry';
import { upgradeRequestOf, type UpgradeRequest } from './event-stream-definition';
import type { FrameSink, SharedFrame } from './frame-sink';
import { InboundMessages, parseClientMessage } from './inbound-messages';
import { REALTIME_OPTIONS, STREAM_AUTHENTICATOR, type RealtimeOptions, type StreamAuthenticator } from './realtime.options';
import { StreamCatalog } from './stream-catalog';
import { StreamHub, closeAtExpiry, type ViewHandle } from './stream-hub';
import { SubscriptionError, resolveSubscription } from './subscription';
import { CloseCode, errorBody, type ErrorCode, type ErrorDetail } from './ws-protocol';

/** The multiplexed path: many subscriptions, to any streams, on one socket. */
export const STREAM_MULTIPLEX_PATH = '/v1/stream';
/** its label in `ws_connections{stream}` and the rejection counters */
const METRICS_LABEL = 'v1/stream';

/** A subscription id: chosen by the client, 1-64 characters of `[A-Za-z0-9_.:-]` (safe in JSON as is). */
const SUBSCRIPTION_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_STREAM_NAME_CHARS = 100;

/** What `/v1/stream` gives an event stream when it opens a subscription on it. */
export interface EventSubscriptionContext {
  /** the `/v1/stream` upgrade request (signed headers, client IP) */
  readonly request: UpgradeRequest;
  /**
   * Call once the subscription is accepted and before its first frame (the welcome): the multiplexer then sends
   * `{type:"subscribed", id, stream, seq}` with this `seq` (the welcome's: the stream head or the resume point), and
   * from then on the sink tags frames `"sub":"<id>"` (before it, an error frame of a refused subscribe is tagged
   * `"id":"<id>"`, as every answer to a subscribe message).
   */
  subscribed(seq: number): void;
}

/** An open event-stream subscription on `/v1/stream`. */
export interface MultiplexedEventSubscription {
  /** an `update` message's params: answered through the sink (frame or error frame). Absent: the stream takes none. */
  update?(params: unknown): void;
  /** the client unsubscribed or the socket closed: stop writing to the sink */
  close(): void;
  /** at each heartbeat of the socket: the stream's visible `{type:"ping", seq}` */
  beat?(): void;
}

/**
 * The port through which `/v1/stream` reaches the event streams (spreads live, DEX live, capital-flow live),
 * implemented by the event-stream layer and provided under `EVENT_STREAM_PORT`. Without it, an event stream's name
 * is answered `unknown_stream`.
 */
export interface EventStreamPort<D = unknown> {
  /** the event stream published on `/v1/stream` under `name` (`spreads.live`, ...), or undefined */
  definition(name: string): D | undefined;
  /**
   * Opens a subscription writing to `sink`. Authenticates as the stream requires (`params.api_key`, the signed
   * upgrade in `context.request`); `params.resume_from` resumes. Refused: writes its error frame through the sink,
   * calls `sink.end(closeCode, reason)` (which removes only this subscription) and returns undefined.
   */
  open(definition: D, sink: FrameSink, params: Record<string, unknown>, context: EventSubscriptionContext): MultiplexedEventSubscription | undefined | Promise<MultiplexedEventSubscription | undefined>;
}

export const EVENT_STREAM_PORT = Symbol('EVENT_STREAM_PORT');

type AuthVerdict = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** One subscription of a `/v1/stream` socket. Its sink puts `"sub":"<id>",` before every frame of the stream. */
class SubscriptionSink implements FrameSink {
  /** `subscribed` was sent: frames are the subscription's (`sub`), before that answers to the subscribe (`id`) */
  confirmed = false;
  ended = false;
  written = 0;
  private readonly subHead: string;
  private readonly idHead: string;

  constructor(
    readonly connection: Connection,
    private readonly connections: ConnectionRegistry,
    readonly id: string,
    private readonly onEnd: () => void,
  ) {
    this.subHead = `{"sub":"${id}",`;
    this.idHead = `{"id":"${id}",`;
  }

  write(fields: string, body: Buffer): boolean {
    if (this.ended) return false;
    return this.counted(this.connections.sendPrefixed(this.connection, this.head + fields, body));
  }

  /** Subscriptions with the same id (clients running the same frontend code) share the frame's bytes. */
  writeShared(frame: SharedFrame): boolean {
    if (this.ended) return false;
    const wire = frame.wireFor(this.head);
    return wire ? this.counted(this.connections.sendWire(this.connection, wire)) : this.write(frame.fields, frame.body);
  }

  /** what goes before the stream's fields: the subscription's `sub`, or its `id` until `subscribed` was sent */
  private get head(): string {
    return this.confirmed ? this.subHead : this.idHead;
  }

  private counted(written: boolean): boolean {
    if (written) this.written++;
    return written;
  }

  /** The stream ended this subscription (its error frame was written): only it goes, the socket stays open. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}

interface Entry {
  readonly id: string;
  readonly stream: string;
  readonly sink: SubscriptionSink;
  view?: ViewHandle;
  event?: MultiplexedEventSubscription;
  /** an event stream's `open` is still running */
  opening: boolean;
}

/** One `/v1/stream` socket. */
class Session {
  readonly subscriptions = new Map<string, Entry>();
  readonly inbound: InboundMessages;
  auth: AuthVerdict = { ok: true };
  cancelExpiry?: () => void;
  closed = false;

  constructor(
    readonly connection: Connection,
    /** what later subscriptions authenticate with (signed headers, client IP), not the whole `IncomingMessage` */
    readonly request: UpgradeRequest,
    limits: { maxMessagesPerSecond: number },
  ) {
    this.inbound = new InboundMessages(limits);
  }
}

/**
 * `WS /v1/stream`: `{"op":"subscribe","id","stream","params"}`, `{"op":"update","id","params"}`,
 * `{"op":"unsubscribe","id"}`, `{"op":"ping"}`. Answers `{type:"subscribed", id, stream, seq}`,
 * `{type:"unsubscribed", id}`, `{type:"pong"}`, `{type:"error", id?, code, message, details}`; every frame of a
 * subscription carries `"sub":"<id>"`. View streams are served by the hub exactly as on their own paths (same
 * params, same updates, one shared body per view); event streams through `EventStreamPort`.
 */
@Injectable()
export class StreamMultiplexer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamMultiplexer.name);
  private readonly sessions = new Set<Session>();
  private closing = false;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    private readonly connections: ConnectionRegistry,
    private readonly catalog: StreamCatalog,
    private readonly hub: StreamHub,
    @Optional() @Inject(STREAM_AUTHENTICATOR) private readonly authenticator?: StreamAuthenticator,
    @Optional() @Inject(EVENT_STREAM_PORT) private readonly events?: EventStreamPort,
  ) {
    catalog.route(STREAM_MULTIPLEX_PATH, (socket, request) => void this.connect(socket, request));
  }

  async connect(socket: WebSocket, request: IncomingMessage): Promise<void> {
    if (this.closing) {
      this.connections.refuse(socket, METRICS_LABEL, 'overloaded', 'server is shutting down, retry later', CloseCode.TryAgainLater);
      return;
    }
    let session: Session | undefined;
    // each event subscription gets its visible ping at the socket's heartbeat, as on its own path
    const onBeat = () => {
      for (const entry of session?.subscriptions.values() ?? []) entry.event?.beat?.();
    };
    const connection = this.connections.register(socket, request, { stream: METRICS_LABEL, onBeat });
    if (!connection) return;
    session = new Session(connection, upgradeRequestOf(request), this.options);
    this.sessions.add(session);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(session, data, isBinary));
    socket.once('close', () => this.disconnect(session));

    // The JWT (cookie or bearer) of the upgrade authorises the view subscriptions; event streams authenticate their own way.
    if (this.authenticator?.enabled) {
      const verdict = await this.authenticator.authenticate(request);
      if (session.closed) return;
      if (!verdict.ok) {
        session.auth =
          verdict.reason === 'unavailable'
            ? { ok: false, code: 'overloaded', message: 'token keys are unavailable, retry later' }
            : { ok: false, code: 'unauthorized', message: verdict.message ?? verdict.reason };
      } else if (verdict.expiresAt !== undefined) {
        session.cancelExpiry = closeAtExpiry(verdict.expiresAt, () =>
          this.connections.refuse(socket, METRICS_LABEL, 'unauthorized', 'access token has expired', CloseCode.Unauthorized),
        );
      }
    }
    for (const data of session.inbound.accept()) this.handle(session, data);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await closeGracefully([...this.sessions].map((session) => session.connection.socket));
  }

  private onMessage(session: Session, data: Buffer, isBinary: boolean): void {
    if (!session.inbound.allow()) {
      this.sendError(session, undefined, 'rate_limited', `at most ${this.options.maxMessagesPerSecond} messages per second; this one was ignored`);
      return;
    }
    if (isBinary) {
      this.sendError(session, undefined, 'invalid_message', 'messages must be JSON text');
      return;
    }
    if (!session.inbound.ready) {
      if (!session.inbound.hold(data)) this.sendError(session, undefined, 'rate_limited', 'too many messages before the connection was accepted; this one was ignored');
      return;
    }
    this.handle(session, data);
  }

  /** Every message gets one answer: an ack, a frame of the subscription, or an error frame. */
  private handle(session: Session, data: Buffer): void {
    const parsed = parseClientMessage(data);
    if (!parsed.ok) return this.sendError(session, undefined, 'invalid_message', `message ${parsed.problem}`);
    const message = parsed.value;
    if (!isObject(message)) return this.sendError(session, undefined, 'invalid_message', 'message must be a JSON object with an "op"');
    const op = own(message, 'op');
    if (op === 'ping') return this.sendControl(session, '{"type":"pong"}');
    const rawId = own(message, 'id');
    const id = typeof rawId === 'string' && SUBSCRIPTION_ID.test(rawId) ? rawId : undefined;
    if (op !== 'subscribe' && op !== 'update' && op !== 'unsubscribe') {
      return this.sendError(session, id, 'invalid_message', '"op" must be one of subscribe, update, unsubscribe, ping');
    }
    if (!id) {
      return this.sendError(session, undefined, 'invalid_message', `"${op}" needs an "id"`, [{ param: 'id', message: 'must be 1-64 characters of A-Z a-z 0-9 _ . : -' }]);
    }
    if (op === 'subscribe') return this.subscribe(session, id, own(message, 'stream'), own(message, 'params'));
    const entry = session.subscriptions.get(id);
    if (!entry) return this.sendError(session, id, 'unknown_subscription', 'no subscription with this id on this socket');
    if (op === 'unsubscribe') {
      this.remove(session, entry);
      return this.sendControl(session, `{"type":"unsubscribed","id":"${id}"}`);
    }
    const params = own(message, 'params');
    if (entry.view) return entry.view.update(params);
    if (entry.opening || !entry.event) return this.sendError(session, id, 'invalid_message', 'the subscription is still being opened; update it once it is subscribed');
    if (!entry.event.update) return this.sendError(session, id, 'invalid_message', `${entry.stream} takes no updates; unsubscribe and subscribe again`);
    entry.event.update(params);
  }

  private subscribe(session: Session, id: string, stream: unknown, rawParams: unknown): void {
    if (session.subscriptions.has(id)) return this.sendError(session, id, 'duplicate_subscription', 'a subscription with this id is open on this socket');
    if (session.subscriptions.size >= this.options.maxSubscriptionsPerSocket) {
      return this.sendError(session, id, 'too_many_subscriptions', `at most ${this.options.maxSubscriptionsPerSocket} subscriptions per socket`);
    }
    if (typeof stream !== 'string' || stream.length === 0 || stream.length > MAX_STREAM_NAME_CHARS) {
      return this.sendError(session, id, 'invalid_message', '"stream" must be a stream name such as "stablecoins.btc_dom"');
    }
    if (rawParams !== undefined && !isObject(rawParams)) return this.sendError(session, id, 'invalid_message', '"params" must be a JSON object');
    // client keys on an object without prototype: no name can reach Object.prototype
    const params = Object.create(null) as Record<string, unknown>;
    if (rawParams) for (const [key, value] of Object.entries(rawParams)) params[key] = value;

    const view = this.catalog.view(stream);
    if (view) return this.subscribeView(session, id, view.name, view.definition, params);
    const event = this.events?.definition(stream);
    if (event !== undefined) return void this.subscribeEvent(session, id, stream, event, params);
    this.sendError(session, id, 'unknown_stream', `no stream named ${JSON.stringify(stream)}`);
  }

  private subscribeView(session: Session, id: string, stream: string, definition: Parameters<StreamHub['attach']>[0], params: Record<string, unknown>): void {
    if (definition.requiresAuth && !session.auth.ok) return this.sendError(session, id, session.auth.code, session.auth.message);
    let subscription;
    try {
      subscription = resolveSubscription(definition, params);
    } catch (error) {
      if (!(error instanceof SubscriptionError)) throw error;
      return this.sendError(session, id, 'invalid_params', `invalid params (${error.details.length})`, error.details);
    }
    const entry = this.add(session, id, stream);
    this.acknowledge(session, entry, 0); // before the view's first frame, which may follow at once
    entry.view = this.hub.attach(definition, entry.sink, subscription);
  }

  private async subscribeEvent(session: Session, id: string, stream: string, definition: unknown, params: Record<string, unknown>): Promise<void> {
    const entry = this.add(session, id, stream);
    entry.opening = true;
    let opened: MultiplexedEventSubscription | undefined;
    try {
      opened = await this.events!.open(definition, entry.sink, params, {
        request: session.request,
        subscribed: (seq) => this.acknowledge(session, entry, seq),
      });
    } catch (error) {
      this.logger.error(`opening ${stream} for a /v1/stream subscription failed: ${(error as Error).stack}`);
      if (!entry.sink.ended) this.sendError(session, id, 'overloaded', `${stream} could not be opened, retry later`);
      this.remove(session, entry);
      return;
    }
    entry.opening = false;
    if (session.subscriptions.get(id) !== entry) {
      // unsubscribed (or the socket closed) while opening
      opened?.close();
      return;
    }
    if (!opened) {
      // refused: the stream wrote its error frame (else answer here: every subscribe gets one)
      if (entry.sink.written === 0) this.sendError(session, id, 'unauthorized', `${stream} refused the subscription`);
      this.remove(session, entry);
      return;
    }
    entry.event = opened;
    if (!entry.sink.confirmed) this.acknowledge(session, entry, 0);
  }

  private add(session: Session, id: string, stream: string): Entry {
    const entry: Entry = {
      id,
      stream,
      opening: false,
      sink: new SubscriptionSink(session.connection, this.connections, id, () => this.remove(session, entry)),
    };
    session.subscriptions.set(id, entry);
    return entry;
  }

  private acknowledge(session: Session, entry: Entry, seq: number): void {
    if (entry.sink.confirmed || entry.sink.ended || session.subscriptions.get(entry.id) !== entry) return;
    entry.sink.confirmed = true;
    this.sendControl(session, `{"type":"subscribed","id":"${entry.id}","stream":${JSON.stringify(entry.stream)},"seq":${Number.isSafeInteger(seq) ? seq : 0}}`);
  }

  private remove(session: Session, entry: Entry): void {
    if (session.subscriptions.get(entry.id) !== entry) return;
    session.subscriptions.delete(entry.id);
    entry.sink.ended = true;
    entry.view?.close();
    entry.event?.close();
  }

  private disconnect(session: Session): void {
    if (!this.sessions.delete(session)) return;
    session.closed = true;
    session.cancelExpiry?.();
    session.inbound.clear();
    for (const entry of [...session.subscriptions.values()]) this.remove(session, entry);
  }

  private sendControl(session: Session, frame: string): void {
    this.connections.send(session.connection, frame);
  }

  /** `{type:"error", id?, code, message, details}`: bounded (see `errorFrame`), through the sender. */
  private sendError(session: Session, id: string | undefined, code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): void {
    this.connections.sendPrefixed(session.connection, id ? `{"type":"error","id":"${id}",` : '{"type":"error",', errorBody(code, message, details));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property of a client's object (never one inherited from Object.prototype). */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}
