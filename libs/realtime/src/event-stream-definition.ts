import type { IncomingMessage } from 'node:http';
import type { ErrorCode, ErrorDetail } from './ws-protocol';

/** One event of an event stream with its per-stream `seq` (the same for every client). */
export interface StreamEvent<E> {
  readonly seq: number;
  readonly payload: E;
}

/**
 * The params a client gave: the query string of a single-stream path, or `params` of a `/v1/stream` subscribe
 * message (already JSON). Client data: read with own-property checks only (see `rawParamsFromQuery`). The layer takes
 * `resume_from` out before the definition sees them.
 */
export type RawParams = Readonly<Record<string, unknown>>;

/** Why a connection or subscription is refused: an error frame, then the close code (or the subscription ends). */
export interface Refusal {
  ok: false;
  code: ErrorCode;
  message: string;
  /** 1008 invalid params, 4401 unauthorized, 4403 forbidden, 1013 overloaded */
  closeCode: number;
  details?: readonly ErrorDetail[];
}

export type Verdict<T> = { ok: true; value: T } | Refusal;

/**
 * What a stream may read of its socket's upgrade request: headers, method, path and the TCP socket. `/v1/stream` keeps
 * only these for its later subscriptions, not the `IncomingMessage` itself (its raw headers and stream state, ~1 KiB
 * a socket for the socket's whole life).
 */
export type UpgradeRequest = Pick<IncomingMessage, 'headers' | 'method' | 'url' | 'socket'>;

/** The parts of an upgrade request a `/v1/stream` session keeps. */
export function upgradeRequestOf(request: IncomingMessage): UpgradeRequest {
  return { headers: request.headers, method: request.method, url: request.url, socket: request.socket };
}

export interface EventStreamContext {
  /** the upgrade request of the socket (its headers, its signed path) */
  request: UpgradeRequest;
  /** on `/v1/stream`: called once the subscription is accepted, before its welcome, with the welcome's `seq` */
  subscribed?(seq: number): void;
}

/** Which events of the stream one connection gets, and when. */
export interface EventSelection<E> {
  /** false: this connection does not get the event */
  accepts(event: E): boolean;
  /**
   * epoch ms before which the event must not be sent (tier delays); absent or not later than now: at once.
   * Delays hold during replay too.
   */
  dueAt?(event: E): number;
  /** events of one key keep their order whatever their delays (a close never before the open it closes) */
  key?(event: E): string;
}

/** Where a stream's events come from. */
export interface EventSource<E, P> {
  /** Every new event, in seq order, once it has its seq. Returns the unsubscribe function. */
  subscribe(listener: (event: StreamEvent<E>) => void): () => void;
  /** The newest seq delivered to `subscribe` listeners. */
  head(): Promise<number>;
  /**
   * Events with seq > `after`, oldest first, at most `limit`; `params` lets a durable source filter in its query
   * (the layer filters again). `complete: false` when events after `after` are gone (retention) or `after` is not
   * of this stream (ahead of its head).
   */
  since(after: number, limit: number, params: P): Promise<{ events: StreamEvent<E>[]; complete: boolean }>;
}

/** What a charged event costs this connection: sent, or the subscription ends with the refusal. */
export type Charge = { ok: true } | Refusal;

/**
 * An event stream declared by its feature (spreads live, DEX messages, capital-flow snapshots) and served by
 * `EventStreams` on its single-stream path and on `/v1/stream`. No feature touches sockets.
 * E: the event payload; P: the parsed params; A: the authenticated principal.
 */
export interface EventStreamDefinition<E = any, P = any, A = any> {
  /** the name on `/v1/stream` and in the AsyncAPI document: `spreads.live`, `dex-metrics.live`, `capital-flow.snapshot` */
  readonly name: string;
  /** the single-stream path */
  readonly path: string;
  /** the label of `ws_connections{stream}` and the rejection counters for the single-stream path */
  readonly metricsLabel: string;
  /** Parses and validates the params (bounded; unknown params refused with `invalid_params`, close 1008). */
  parse(raw: RawParams): Verdict<P>;
  /** Authenticates the connection (upgrade request and/or params, e.g. `api_key`). */
  authenticate(params: P, context: EventStreamContext, raw: RawParams): Promise<Verdict<A>>;
  /** The events this principal with these params gets, and when. */
  select(principal: A, params: P): EventSelection<E>;
  readonly source: EventSource<E, P>;
  /**
   * The frame of one event: the serialised object WITHOUT its opening `{`, carrying `"type"` and `"seq"` (see
   * `FrameSink.write`). Called once per event whatever the number of clients (the layer caches it per event object).
   */
  render(event: StreamEvent<E>): Buffer;
  /** Feature fields of the welcome frame (spreads: family, delay_seconds, filters, trace). */
  welcome?(principal: A, params: P): Record<string, unknown>;
  /**
   * The state a client starts from when it does not resume (or cannot: `resumed:false`), e.g. the latest message of
   * each key. Events of the stream with their real seq, oldest first; filtered and delayed like any other.
   */
  initial?(principal: A, params: P): Promise<StreamEvent<E>[]> | StreamEvent<E>[];
  /** How a client fills a gap of seqs from..to (spreads: `GET /v1/spreads/history?since=<unix s>`). */
  gapFill?(from: number, to: number, params: P): Promise<string> | string;
  /**
   * Charged per event sent to this principal (capital-flow: 3 points). Deliveries then run one after the other, in
   * order; a refusal (`points_exhausted`, 4403) ends the subscription.
   */
  charge?(principal: A, event: StreamEvent<E>): Promise<Charge>;
}

export type AnyEventStreamDefinition = EventStreamDefinition<any, any, any>;

/** Params of a query string, in a prototype-free record (client-chosen names never touch Object.prototype). */
export function rawParamsFromQuery(search: URLSearchParams): Record<string, string> {
  const raw = Object.create(null) as Record<string, string>;
  for (const [name, value] of search) raw[name] = value; // repeated: the last wins
  return raw;
}

/** Shortcut for a refusal. */
export function refusal(code: ErrorCode, message: string, closeCode: number, details: readonly ErrorDetail[] = []): Refusal {
  return { ok: false, code, message, closeCode, details };
}
