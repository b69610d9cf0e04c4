import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { MetricsService } from '@app/observability';
import { JobScheduler, delay, type ScheduledJob } from '@app/scheduling';
import { ConnectionRegistry } from './connection-registry';
import {
  rawParamsFromQuery,
  refusal,
  type AnyEventStreamDefinition,
  type EventSelection,
  type EventStreamContext,
  type RawParams,
  type Refusal,
  type StreamEvent,
} from './event-stream-definition';
import { SocketSink, objectBody, type FrameSink } from './frame-sink';
import { KeyOrderedDelay } from './key-ordered-delay';
import { REALTIME_OPTIONS, type RealtimeOptions } from './realtime.options';
import { CloseCode, errorFrame, type ErrorCode, type ErrorDetail } from './ws-protocol';

/** Tuning of the event streams. Defaults suit production; tests shorten them. */
export interface EventStreamOptions {
  /** how often held (delayed) events are checked for release */
  releaseMs: number;
  /** most events one resume replays; a resume missing more starts over with `resumed:false` and a gap */
  maxReplay: number;
  /** events read from the source per replay page */
  replayPage: number;
  /** live events one subscription may buffer while its replay is read; more end it with `overloaded` */
  maxBuffered: number;
}

export const EVENT_STREAM_OPTIONS = Symbol('EVENT_STREAM_OPTIONS');

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = { releaseMs: 250, maxReplay: 10_000, replayPage: 1_000, maxBuffered: 50_000 };

/** The query/subscribe param every event stream takes: replay every event after this seq, then continue live. */
export const RESUME_PARAM = 'resume_from';

/** Bounds of the params a client may give any event stream, before the stream's own parser sees them. */
export const EVENT_PARAM_LIMITS = { count: 32, nameChars: 64, valueChars: 4_096 } as const;

const RESUME_FROM = /^\d{1,15}$/;
const DEFAULT_FILL = 're-read the current state: the stream restarts from its latest values';

/** One open subscription of an event stream (a single-stream socket, or one `sub` of `/v1/stream`). */
export interface EventSubscription {
  readonly stream: string;
  /**
   * The resume point: every event with seq <= this that the subscription gets has been sent (what control frames
   * carry as `seq`; events still held by a tier delay keep it below them).
   */
  readonly seq: number;
  /** Writes the visible heartbeat `{type:"ping", seq}` (the socket's heartbeat calls it for each subscription). */
  beat(): void;
  /** Writes `{type:"pong", seq}`: the answer to a client's `{"op":"ping"}` / `{"type":"ping"}`. */
  pong(): void;
  /** Stops it (client unsubscribed or socket closed): nothing more is written. Idempotent. */
  close(): void;
}

/**
 * Serves every declared event stream (spreads live, DEX messages, capital-flow snapshots) over the connection
 * registry: on its single-stream path (`serve`, a socket of its own) and through any `FrameSink` (`open`, e.g. a
 * subscription of `/v1/stream`). Params, auth, selection, replay and rendering come from the stream's definition;
 * this service owns the protocol: welcome, seq, resume, ping, error frames, tier delays, per-event charges.
 */
@Injectable()
export class EventStreams implements OnApplicationShutdown {
  private readonly logger = new Logger('EventStreams');
  private readonly definitions = new Map<string, AnyEventStreamDefinition>();
  private readonly subscriptions = new Set<Subscription>();
  /** subscriptions holding delayed events */
  private readonly waiting = new Set<Subscription>();
  private releaser?: ScheduledJob;
  /** each event is rendered once, whatever the number of clients */
  private readonly frames = new WeakMap<object, Buffer>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    @Inject(REALTIME_OPTIONS) private readonly realtime: RealtimeOptions,
    @Inject(EVENT_STREAM_OPTIONS) private readonly options: EventStreamOptions,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {}

  /** Declares a stream (its feature does, at start); names are unique. */
  register(definition: AnyEventStreamDefinition): void {
    const known = this.definitions.get(definition.name);
    if (known && known !== definition) throw new Error(`event stream ${definition.name} is declared twice`);
    this.definitions.set(definition.name, definition);
  }

  /** The declared stream of that name (`/v1/stream` subscribe), or undefined. */
  definition(name: string): AnyEventStreamDefinition | undefined {
    return this.definitions.get(name);
  }

  /** Every declared event stream. */
  list(): AnyEventStreamDefinition[] {
    return [...this.definitions.values()];
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /**
   * A socket on the stream's own path: registered (caps, heartbeat with a visible ping, bounded sender), its query
   * string as params; inbound messages are answered (pong, or `invalid_message`: params change on `/v1/stream`).
   */
  async serve(definition: AnyEventStreamDefinition, socket: WebSocket, request: IncomingMessage): Promise<void> {
    let subscription: EventSubscription | undefined;
    const connection = this.registry.register(socket, request, { stream: definition.metricsLabel, onBeat: () => subscription?.beat() });
    if (!connection) return;
    const sink = new SocketSink(connection, this.registry);
    let window = { start: 0, count: 0 };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const now = Date.now();
      if (now - window.start >= 1000) window = { start: now, count: 0 };
      const seq = subscription?.seq ?? 0;
      if (++window.count > this.realtime.maxMessagesPerSecond) {
        return void writeError(sink, seq, 'rate_limited', `at most ${this.realtime.maxMessagesPerSecond} messages per second; this one was ignored`);
      }
      if (!isBinary && isPing(data)) {
        if (subscription) subscription.pong();
        else sink.write('', objectBody(JSON.stringify({ type: 'pong', seq })));
        return;
      }
      writeError(sink, seq, 'invalid_message', `this path takes no messages but {"op":"ping"}; to change params, subscribe on /v1/stream`);
    });
    let search: URLSearchParams;
    try {
      search = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    } catch {
      search = new URLSearchParams();
    }
    subscription = await this.open(definition, sink, rawParamsFromQuery(search), { request });
    if (!subscription) return;
    const opened = subscription;
    if (socket.readyState !== WebSocket.OPEN) opened.close();
    else socket.once('close', () => opened.close());
  }

  /**
   * Opens one subscription writing through `sink`. Undefined when refused: the refusal's error frame was written and
   * `sink.end(closeCode, code)` called. Never touches the socket: every byte goes through the sink.
   */
  async open(definition: AnyEventStreamDefinition, sink: FrameSink, raw: RawParams, context: EventStreamContext): Promise<EventSubscription | undefined> {
    const refuse = (verdict: Refusal): undefined => {
      this.metrics.wsConnectionsRejected.inc({ stream: definition.metricsLabel, reason: verdict.code });
      writeError(sink, 0, verdict.code, verdict.message, verdict.details);
      sink.end(verdict.closeCode, verdict.code);
      return undefined;
    };
    const bounded = boundParams(raw);
    if (!bounded.ok) return refuse(bounded);
    const { params: rest, resumeFrom } = bounded.value;
    let subscription: Subscription;
    try {
      const parsed = definition.parse(rest);
      if (!parsed.ok) return refuse(parsed);
      const principal = await definition.authenticate(parsed.value, context, rest);
      if (!principal.ok) return refuse(principal);
      if (sink.connection.socket.readyState !== WebSocket.OPEN) return undefined;
      subscription = new Subscription(this, definition, sink, parsed.value, principal.value, definition.select(principal.value, parsed.value), context.subscribed);
    } catch (error) {
      this.logger.error(`${definition.name}: opening failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(refusal('overloaded', 'could not open the stream, try again', CloseCode.TryAgainLater));
    }
    this.subscriptions.add(subscription);
    try {
      await subscription.start(resumeFrom);
    } catch (error) {
      this.logger.error(`${definition.name}: starting failed: ${error instanceof Error ? error.message : String(error)}`);
      subscription.end('overloaded', 'could not open the stream, try again', CloseCode.TryAgainLater);
      return undefined;
    }
    return subscription.closed ? undefined : subscription;
  }

  /** Sends the held events that are due at `now`, in due order (per key in event order). */
  release(now = Date.now()): void {
    for (const subscription of this.waiting) if (!subscription.release(now)) this.waiting.delete(subscription);
    if (this.waiting.size === 0) this.stopReleaser();
  }

  onApplicationShutdown(): void {
    this.stopReleaser();
    for (const subscription of this.subscriptions) subscription.end(undefined, 'server shutting down', CloseCode.GoingAway);
    this.subscriptions.clear();
  }

  /** @internal the frame body of an event, rendered once per event object */
  frameOf(definition: AnyEventStreamDefinition, event: StreamEvent<unknown>): Buffer {
    let frame = this.frames.get(event);
    if (!frame) {
      frame = definition.render(event);
      this.frames.set(event, frame);
    }
    return frame;
  }

  /** @internal */
  hold(subscription: Subscription): void {
    this.waiting.add(subscription);
    this.releaser ??= this.jobs.every('event-streams.releaser', this.options.releaseMs, () => this.release(Date.now()));
  }

  /** @internal */
  forget(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
    this.waiting.delete(subscription);
  }

  /** @internal */
  get settings(): { options: EventStreamOptions; realtime: RealtimeOptions; registry: ConnectionRegistry; metrics: MetricsService } {
    return { options: this.options, realtime: this.realtime, registry: this.registry, metrics: this.metrics };
  }

  private stopReleaser(): void {
    this.releaser?.stop();
    this.releaser = undefined;
  }
}

type StartKind = { resumed: true } | { resumed: false; gap?: { from: number; to: number; reason: string } };

class Subscription implements EventSubscription {
  closed = false;
  /** live events that arrived while the replay was read */
  private buffered: StreamEvent<unknown>[] | undefined = [];
  /** the highest seq taken from the source (sent, held, or not for this subscription) */
  private position = 0;
  private readonly held = new KeyOrderedDelay<StreamEvent<unknown>>();
  /** charged deliveries in flight, oldest first (their seqs) */
  private readonly charging: number[] = [];
  private delivery: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;

  constructor(
    private readonly streams: EventStreams,
    private readonly definition: AnyEventStreamDefinition,
    private readonly sink: FrameSink,
    private readonly params: unknown,
    private readonly principal: unknown,
    private readonly selection: EventSelection<unknown>,
    /** only the callback of the context: the upgrade request is not kept for the life of the subscription */
    private readonly subscribed: EventStreamContext['subscribed'],
  ) {}

  get stream(): string {
    return this.definition.name;
  }

  get seq(): number {
    let seq = this.position;
    for (const event of this.held.values()) seq = Math.min(seq, event.seq - 1);
    if (this.charging.length > 0) seq = Math.min(seq, this.charging[0] - 1);
    return Math.max(0, seq);
  }

  /**
   * Live first (buffered), then the replay or the initial state, then the buffer without what was already taken:
   * no event is lost or repeated at the replay→live boundary.
   */
  async start(resumeFrom: number | undefined): Promise<void> {
    const { realtime } = this.streams.settings;
    const source = this.definition.source;
    this.unsubscribe = source.subscribe((event) => this.onLive(event));
    const head = await source.head();
    let kind: StartKind = { resumed: false };
    let replay: StreamEvent<unknown>[] = [];
    if (resumeFrom !== undefined) {
      if (resumeFrom > head) {
        kind = { resumed: false, gap: { from: 1, to: head, reason: 'unknown_seq' } };
      } else {
        const read = await this.readReplay(resumeFrom, head);
        if (read.complete) {
          kind = { resumed: true };
          replay = read.events;
        } else {
          kind = { resumed: false, gap: { from: resumeFrom + 1, to: Math.max(head, resumeFrom + 1), reason: read.reason } };
        }
      }
    }
    if (this.closed) return;
    this.position = kind.resumed ? resumeFrom! : head;
    const initial = kind.resumed ? [] : ((await this.definition.initial?.(this.principal, this.params)) ?? []);
    if (this.closed) return;
    const gap = !kind.resumed && kind.gap
      ? { ...kind.gap, fill: (await this.definition.gapFill?.(kind.gap.from, kind.gap.to, this.params)) ?? DEFAULT_FILL }
      : undefined;
    if (this.closed) return;
    const welcome = {
      type: 'welcome',
      stream: this.definition.name,
      seq: this.seq,
      resumed: kind.resumed,
      ...(gap ? { gap } : {}),
      heartbeat_ms: realtime.heartbeatMs,
      ...(this.definition.welcome?.(this.principal, this.params) ?? {}),
    };
    this.subscribed?.(this.seq);
    this.sink.write('', objectBody(JSON.stringify(welcome)));
    // the initial state stands for everything up to the head: it is taken whatever its seqs
    for (const event of [...initial].sort((a, b) => a.seq - b.seq)) {
      if (!(await this.paced())) return;
      this.take(event);
      this.position = Math.max(this.position, event.seq);
    }
    for (const event of replay) {
      if (!(await this.paced())) return;
      this.process(event);
    }
    const buffered = this.buffered ?? [];
    this.buffered = undefined;
    for (const event of buffered) this.process(event);
  }

  beat(): void {
    if (!this.closed) this.sink.write('', objectBody(JSON.stringify({ type: 'ping', seq: this.seq })));
  }

  pong(): void {
    if (!this.closed) this.sink.write('', objectBody(JSON.stringify({ type: 'pong', seq: this.seq })));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.buffered = undefined;
    this.streams.forget(this);
  }

  /** Ends it from the server side: the error frame (when there is a code), then the sink's end. */
  end(code: ErrorCode | undefined, message: string, closeCode: number): void {
    if (this.closed) return;
    if (code) {
      this.streams.settings.metrics.wsConnectionsRejected.inc({ stream: this.definition.metricsLabel, reason: code });
      writeError(this.sink, this.seq, code, message);
    }
    this.close();
    this.sink.end(closeCode, code ?? message);
  }

  /** Returns whether events are still held. */
  release(now: number): boolean {
    if (this.closed) return false;
    for (const event of this.held.takeDue(now)) this.deliver(event);
    return this.held.size > 0;
  }

  private onLive(event: StreamEvent<unknown>): void {
    if (this.closed) return;
    if (!this.buffered) return this.process(event);
    this.buffered.push(event);
    if (this.buffered.length > this.streams.settings.options.maxBuffered) {
      this.end('overloaded', 'too many events while resuming; reconnect with resume_from', CloseCode.TryAgainLater);
    }
  }

  /** Takes a source event once, in seq order. */
  private process(event: StreamEvent<unknown>): void {
    if (this.closed || event.seq <= this.position) return;
    this.position = event.seq;
    this.take(event);
  }

  /** Filter, then at once or held until due (tier delays; per key in event order). */
  private take(event: StreamEvent<unknown>): void {
    if (!this.selection.accepts(event.payload)) return;
    const now = Date.now();
    const due = this.selection.dueAt?.(event.payload) ?? 0;
    const key = this.selection.key?.(event.payload) ?? '';
    if (this.held.offer(key, due, now, event)) this.deliver(event);
    else this.streams.hold(this);
  }

  private deliver(event: StreamEvent<unknown>): void {
    if (this.closed) return;
    if (!this.definition.charge) return void this.write(event);
    this.charging.push(event.seq);
    this.delivery = this.delivery.then(() => this.chargeAndWrite(event)).finally(() => this.charging.shift());
  }

  /** A charged event: charged only when it can be written now; a refused charge ends the subscription. */
  private async chargeAndWrite(event: StreamEvent<unknown>): Promise<void> {
    if (this.closed) return;
    const frame = this.streams.frameOf(this.definition, event);
    const { registry } = this.streams.settings;
    if (!registry.sender.hasRoom(this.sink.connection.outlet, frame.length + 64)) return this.slow();
    let charge;
    try {
      charge = await this.definition.charge!(this.principal, event);
    } catch {
      charge = refusal('overloaded', 'could not charge this event, retry later', CloseCode.TryAgainLater);
    }
    if (this.closed) return;
    if (!charge.ok) return this.end(charge.code, charge.message, charge.closeCode);
    this.write(event);
  }

  private write(event: StreamEvent<unknown>): void {
    if (this.closed) return;
    if (!this.sink.write('', this.streams.frameOf(this.definition, event))) return this.slow();
    this.streams.settings.metrics.wsFramesSent.inc({ stream: this.definition.metricsLabel });
  }

  /** A skipped event would be a silent loss: the client is told to resume instead. */
  private slow(): void {
    this.end('overloaded', `this client reads too slowly; reconnect with resume_from=${this.seq}`, CloseCode.TryAgainLater);
  }

  /** Waits while the socket's send buffer is over half the backpressure bound (replays are written in bulk). */
  private async paced(): Promise<boolean> {
    const { realtime } = this.streams.settings;
    const socket = this.sink.connection.socket;
    const started = Date.now();
    while (!this.closed && socket.readyState === WebSocket.OPEN && socket.bufferedAmount > realtime.backpressureBytes / 2) {
      if (Date.now() - started > realtime.stuckMs) {
        this.slow();
        return false;
      }
      await delay(10);
    }
    return !this.closed && socket.readyState === WebSocket.OPEN;
  }

  /** Every event after `after`, up to `maxReplay`; incomplete when the source no longer reaches back or there are more. */
  private async readReplay(after: number, head: number): Promise<{ events: StreamEvent<unknown>[]; complete: boolean; reason: string }> {
    const { maxReplay, replayPage } = this.streams.settings.options;
    const events: StreamEvent<unknown>[] = [];
    let cursor = after;
    while (cursor < head && !this.closed) {
      const limit = Math.min(replayPage, maxReplay + 1 - events.length);
      const page = await this.definition.source.since(cursor, limit, this.params);
      if (!page.complete) return { events: [], complete: false, reason: 'retention' };
      events.push(...page.events);
      if (events.length > maxReplay) return { events: [], complete: false, reason: 'too_many' };
      if (page.events.length < limit) break;
      cursor = page.events[page.events.length - 1].seq;
    }
    return { events, complete: true, reason: '' };
  }
}

function isPing(data: Buffer): boolean {
  if (data.length > 64) return false;
  try {
    const message = JSON.parse(data.toString('utf8')) as { op?: unknown; type?: unknown } | null;
    return typeof message === 'object' && message !== null && (message.op === 'ping' || message.type === 'ping');
  } catch {
    return false;
  }
}

/** `{type:"error", seq, code, message, details}`, bounded (`errorFrame`). */
function writeError(sink: FrameSink, seq: number, code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): boolean {
  return sink.write(`"seq":${seq},`, objectBody(errorFrame(code, message, details)));
}

/** The layer's own bounds on any params, and `resume_from` taken out. */
function boundParams(raw: RawParams): { ok: true; value: { params: RawParams; resumeFrom?: number } } | Refusal {
  const names = Object.keys(raw);
  const invalid = (details: ErrorDetail[]) => refusal('invalid_params', 'invalid params', CloseCode.PolicyViolation, details);
  if (names.length > EVENT_PARAM_LIMITS.count) return invalid([{ param: '*', message: `at most ${EVENT_PARAM_LIMITS.count} params` }]);
  const params = Object.create(null) as Record<string, unknown>;
  let resumeFrom: number | undefined;
  const problems: ErrorDetail[] = [];
  for (const name of names) {
    const value = raw[name];
    if (name.length > EVENT_PARAM_LIMITS.nameChars) {
      problems.push({ param: name, message: 'unknown parameter' });
      continue;
    }
    if (value !== null && typeof value === 'object') {
      problems.push({ param: name, message: 'must be a single value' });
      continue;
    }
    if (typeof value === 'string' && value.length > EVENT_PARAM_LIMITS.valueChars) {
      problems.push({ param: name, message: `must be at most ${EVENT_PARAM_LIMITS.valueChars} characters` });
      continue;
    }
    if (name === RESUME_PARAM) {
      const text = String(value);
      if (!RESUME_FROM.test(text)) problems.push({ param: RESUME_PARAM, message: 'must be the integer seq of an event of this stream' });
      else resumeFrom = Number(text);
      continue;
    }
    params[name] = value;
  }
  if (problems.length > 0) return invalid(problems);
  return { ok: true, value: { params, resumeFrom } };
}
