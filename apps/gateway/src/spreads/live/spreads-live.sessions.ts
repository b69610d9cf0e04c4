import { ApiKeyAccessError, ApiKeyAuthenticator, apiKeyFromRequest, type ApiConsumer } from '@app/api-keys';
import { CloseCode, errorFrame, Heartbeat, SocketSender } from '@app/realtime';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { effectiveDelay, LIVE_TIERS, TIER_ACCESS } from '../api/access-policy';
import type { PublishedEvent } from '../api/recent-events';
import { matchesFilters, parseSpreadQuery, SpreadQueryError, type SpreadFilters } from '../api/spread-filters';
import type { SpreadsPipeline } from '../spreads.pipeline';
import { KeyOrderedDelay } from './key-ordered-delay';

export interface LiveOptions {
  /** `{"type":"ping"}` heartbeat interval; a socket that missed the previous ws ping is terminated */
  pingMs: number;
  /** how often delayed frames are released */
  releaseMs: number;
  /** live connections this process accepts (`REALTIME_OPTIONS.maxConnections`); more are refused with 1013 */
  maxConnections: number;
  onFrames?: (count: number) => void;
  onConnections?: (delta: number) => void;
}

/** One live connection: its filters, per-event-type delay and the frames it is holding back. */
class LiveSession {
  readonly held = new KeyOrderedDelay<Buffer>();
  alive = true;
  lagSince = 0;
  constructor(
    readonly socket: WebSocket,
    readonly consumer: ApiConsumer,
    readonly filters: SpreadFilters,
    readonly openDelayMs: number,
    readonly closeDelayMs: number,
  ) {}
  latestFrame(): Buffer | undefined {
    return undefined; // events are not "latest wins": a lagging socket misses frames rather than getting an old one again
  }
}

const frameCache = new WeakMap<PublishedEvent, Buffer>();
/** The event frame, serialised once per event whatever the number of sockets. */
function eventFrame(item: PublishedEvent): Buffer {
  let frame = frameCache.get(item);
  if (!frame) {
    frame = Buffer.from(JSON.stringify({ type: 'event', family: 'spreads', received_at: item.curated.received_at, data: item.curated }));
    frameCache.set(item, frame);
  }
  return frame;
}

const PING_FRAME = Buffer.from(JSON.stringify({ type: 'ping' }));

/**
 * `WS /v1/spreads/live`: authenticates (X-API-Key or `api_key`), sends the welcome frame, then pushes matching
 * events, immediately or after the connection's delay (the tier raises the delay: builder holds opens >= 60 s).
 */
export class SpreadsLiveSessions {
  private readonly sessions = new Set<LiveSession>();
  private readonly waiting = new Set<LiveSession>();
  /** connections still authenticating: they count against the cap so a burst cannot overshoot it */
  private pending = 0;
  private unsubscribe?: () => void;
  private readonly heartbeat: Heartbeat<LiveSession>;
  private releaser?: NodeJS.Timeout;

  constructor(
    private readonly pipeline: SpreadsPipeline,
    private readonly auth: ApiKeyAuthenticator,
    private readonly sender: SocketSender,
    private readonly options: LiveOptions,
  ) {
    this.heartbeat = new Heartbeat({
      intervalMs: options.pingMs,
      members: () => this.sessions,
      // the seed's `{"type":"ping"}` frame rides along with the ws ping
      onBeat: (session) => this.sender.send(session, PING_FRAME),
    });
  }

  get size(): number {
    return this.sessions.size;
  }

  async connect(socket: WebSocket, request: IncomingMessage): Promise<void> {
    if (this.sessions.size + this.pending >= this.options.maxConnections) {
      socket.send(errorFrame('overloaded', 'server is at its connection limit, retry later'));
      socket.close(CloseCode.TryAgainLater, 'overloaded');
      return;
    }
    let consumer: ApiConsumer;
    let filters: SpreadFilters;
    let requestedDelay: number | undefined;
    this.pending++;
    try {
      const query = parseSpreadQuery(Object.fromEntries(new URL(request.url ?? '/', 'ws://localhost').searchParams), 'live');
      filters = query.filters;
      requestedDelay = query.delay;
      consumer = await this.auth.authenticate(apiKeyFromRequest(request, { allowQuery: true }), LIVE_TIERS);
    } catch (error) {
      return this.refuse(socket, error);
    } finally {
      this.pending--;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    const live = TIER_ACCESS[consumer.tier].live!;
    const openDelay = effectiveDelay(requestedDelay, live.openMinDelaySeconds);
    const closeDelay = effectiveDelay(requestedDelay, live.closeMinDelaySeconds);
    const session = new LiveSession(socket, consumer, filters, openDelay * 1000, closeDelay * 1000);
    socket.send(JSON.stringify({ type: 'welcome', family: 'spreads', delay_seconds: openDelay, filters, trace: consumer.trace }));
    this.sessions.add(session);
    this.options.onConnections?.(1);
    this.heartbeat.watch(session);
    socket.on('message', () => undefined); // the stream takes no messages; filters are fixed per connection
    socket.once('close', () => this.drop(session));
    this.ensureRunning();
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.heartbeat.stop();
    if (this.releaser) clearInterval(this.releaser);
    this.releaser = undefined;
    for (const session of this.sessions) session.socket.close(CloseCode.GoingAway, 'server shutting down');
    this.sessions.clear();
    this.waiting.clear();
  }

  private refuse(socket: WebSocket, error: unknown): void {
    if (error instanceof SpreadQueryError) {
      socket.send(errorFrame('invalid_params', error.message, error.details));
      socket.close(CloseCode.PolicyViolation, 'invalid params');
    } else if (error instanceof ApiKeyAccessError) {
      socket.send(errorFrame(error.code, error.message));
      socket.close(error.status === 401 ? CloseCode.Unauthorized : CloseCode.Forbidden, error.code);
    } else {
      socket.send(errorFrame('overloaded', 'could not open the stream, try again'));
      socket.close(CloseCode.TryAgainLater, 'internal error');
    }
  }

  private ensureRunning(): void {
    this.unsubscribe ??= this.pipeline.subscribe((item) => this.onEvent(item));
    this.heartbeat.start();
    this.releaser ??= setInterval(() => this.release(Date.now()), this.options.releaseMs).unref();
  }

  private onEvent(item: PublishedEvent): void {
    let frame: Buffer | undefined;
    const now = Date.now();
    const key = `${item.event.symbol}|${item.event.buy_leg}|${item.event.sell_leg}`;
    for (const session of this.sessions) {
      if (!matchesFilters(item.event, session.filters)) continue;
      frame ??= eventFrame(item);
      const delayMs = item.event.event === 'open' ? session.openDelayMs : session.closeDelayMs;
      const due = delayMs === 0 ? now : item.event.fired_at_ms + delayMs;
      // a close whose open is still held waits for it (per key, never a close before its open)
      if (session.held.offer(key, due, now, frame)) {
        if (this.sender.send(session, frame)) this.options.onFrames?.(1);
      } else {
        this.waiting.add(session);
      }
    }
  }

  /** Sends the held frames that are due, in due order (per key in event order). */
  release(now: number): void {
    for (const session of this.waiting) {
      for (const frame of session.held.takeDue(now)) if (this.sender.send(session, frame)) this.options.onFrames?.(1);
      if (session.held.size === 0) this.waiting.delete(session);
    }
  }

  private drop(session: LiveSession): void {
    if (!this.sessions.delete(session)) return;
    this.waiting.delete(session);
    this.sender.forget(session);
    this.options.onConnections?.(-1);
    if (this.sessions.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }
}
