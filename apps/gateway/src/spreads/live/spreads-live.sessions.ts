import { ApiKeyAccessError, ApiKeyAuthenticator, apiKeyFromRequest, type ApiConsumer } from '@app/api-keys';
import { CloseCode, ConnectionRegistry, type SocketSender } from '@app/realtime';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { effectiveDelay, LIVE_TIERS, TIER_ACCESS } from '../api/access-policy';
import type { PublishedEvent } from '../api/recent-events';
import { matchesFilters, parseSpreadQuery, SpreadQueryError, type SpreadFilters } from '../api/spread-filters';
import type { SpreadsPipeline } from '../spreads.pipeline';
import { KeyOrderedDelay } from './key-ordered-delay';

export const SPREADS_LIVE_STREAM = 'spreads-live';

/** Connection caps, heartbeat (with its `{"type":"ping"}` frame) and the bounded sender come from the `ConnectionRegistry`. */
export interface LiveOptions {
  /** how often delayed frames are released */
  releaseMs: number;
  onFrames?: (count: number) => void;
  onConnections?: (delta: number) => void;
}

/** One live connection: its filters, per-event-type delay and the frames it is holding back. */
class LiveSession {
  readonly held = new KeyOrderedDelay<Buffer>();
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
  private unsubscribe?: () => void;
  private releaser?: NodeJS.Timeout;

  constructor(
    private readonly pipeline: SpreadsPipeline,
    private readonly auth: ApiKeyAuthenticator,
    private readonly connections: ConnectionRegistry,
    private readonly options: LiveOptions,
  ) {}

  /** the process-wide bounded sender */
  private get sender(): SocketSender {
    return this.connections.sender;
  }

  get size(): number {
    return this.sessions.size;
  }

  async connect(socket: WebSocket, request: IncomingMessage): Promise<void> {
    // counted from the upgrade on (while authenticating too), so a burst cannot overshoot the cap
    let session: LiveSession | undefined;
    const connection = this.connections.register(socket, request, {
      stream: SPREADS_LIVE_STREAM,
      // the seed's `{"type":"ping"}` frame rides along with the ws ping
      onBeat: () => session && this.sender.send(session, PING_FRAME),
    });
    if (!connection) return;
    let consumer: ApiConsumer;
    let filters: SpreadFilters;
    let requestedDelay: number | undefined;
    try {
      const query = parseSpreadQuery(Object.fromEntries(new URL(request.url ?? '/', 'ws://localhost').searchParams), 'live');
      filters = query.filters;
      requestedDelay = query.delay;
      consumer = await this.auth.authenticate(apiKeyFromRequest(request, { allowQuery: true }), LIVE_TIERS);
    } catch (error) {
      return this.refuse(socket, error);
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    const live = TIER_ACCESS[consumer.tier].live!;
    const openDelay = effectiveDelay(requestedDelay, live.openMinDelaySeconds);
    const closeDelay = effectiveDelay(requestedDelay, live.closeMinDelaySeconds);
    session = new LiveSession(socket, consumer, filters, openDelay * 1000, closeDelay * 1000);
    const opened = session;
    this.sender.send(session, Buffer.from(JSON.stringify({ type: 'welcome', family: 'spreads', delay_seconds: openDelay, filters, trace: consumer.trace })));
    this.sessions.add(session);
    this.options.onConnections?.(1);
    socket.on('message', () => undefined); // the stream takes no messages; filters are fixed per connection
    socket.once('close', () => this.drop(opened));
    this.ensureRunning();
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.releaser) clearInterval(this.releaser);
    this.releaser = undefined;
    for (const session of this.sessions) session.socket.close(CloseCode.GoingAway, 'server shutting down');
    this.sessions.clear();
    this.waiting.clear();
  }

  private refuse(socket: WebSocket, error: unknown): void {
    if (error instanceof SpreadQueryError) {
      this.connections.refuse(socket, SPREADS_LIVE_STREAM, 'invalid_params', error.message, CloseCode.PolicyViolation, error.details);
    } else if (error instanceof ApiKeyAccessError) {
      this.connections.refuse(socket, SPREADS_LIVE_STREAM, error.code, error.message, error.status === 401 ? CloseCode.Unauthorized : CloseCode.Forbidden);
    } else {
      this.connections.refuse(socket, SPREADS_LIVE_STREAM, 'overloaded', 'could not open the stream, try again', CloseCode.TryAgainLater);
    }
  }

  private ensureRunning(): void {
    this.unsubscribe ??= this.pipeline.subscribe((item) => this.onEvent(item));
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
