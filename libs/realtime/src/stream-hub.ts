import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ClusterStatus } from '@app/cluster';
import { MetricsService } from '@app/observability';
import { JobScheduler, waitAtMost, type ScheduledJob } from '@app/scheduling';
import { UpstreamCache } from '@app/upstream';
import { QueryMemo } from '@app/query';
import { ConnectionRegistry, closeGracefully } from './connection-registry';
import { Feed, Subscriber, View } from './feed';
import { FEED_LEASES, FeedLeases, type FeedNotice } from './feed-leases';
import { SharedFrame, SocketSink, type FrameSink } from './frame-sink';
import { InboundMessages, parseClientMessage } from './inbound-messages';
import { REALTIME_OPTIONS, STREAM_AUTHENTICATOR, type RealtimeOptions, type StreamAuthenticator } from './realtime.options';
import type { AnyStreamDefinition } from './stream-definition';
import { SubscriptionError, mergeUpdate, queryFromUrl, resolveSubscription, type Subscription } from './subscription';
import { CloseCode, errorBody, type ErrorCode, type ErrorDetail } from './ws-protocol';
import { RowJsonMemo } from './view-json';

/** setTimeout's largest delay; a token expiring later is re-checked then */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** One view subscription on a shared socket (`/v1/stream`): what the multiplexer can do with it. */
export interface ViewHandle {
  /** an update message's params, answered exactly as on the single-stream path (frame or error frame, in order) */
  update(params: unknown): void;
  /** leaves the view; nothing more is written to the sink */
  close(): void;
}

/** A single-stream socket: its one subscription plus the socket's own state. */
class PathClient {
  readonly inbound: InboundMessages;
  /** cancels the close (4401) at the access token's expiry */
  cancelExpiry?: () => void;

  constructor(
    readonly subscriber: Subscriber,
    limits: { maxMessagesPerSecond: number },
  ) {
    this.inbound = new InboundMessages(limits);
  }
}

/**
 * The realtime hub of the view streams (seed 000).
 * Subscribers are grouped into feeds (same upstream params: one refresh loop) and views (same canonical
 * query: one render, one serialised buffer per refresh). Each subscriber is a `FrameSink` (a whole socket or a
 * `/v1/stream` subscription) that writes its own prefix (`{"type":"view","seq":N,`) before the shared bytes.
 *
 * In a cluster (`FeedLeases`, with Redis) each feed is refreshed by one replica, the holder of its lease: it loads
 * through the shared upstream cache and announces the refresh; every other replica with clients on the feed
 * re-renders from the shared cache (`UpstreamCache.readingShared`: never the upstream) and counts `adaptive_interval`
 * down to the holder's next refresh. A follower claims the lease when it expires (holder dead) or is released.
 */
@Injectable()
export class StreamHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamHub.name);
  private readonly feeds = new Map<string, Feed>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly pathClients = new Set<PathClient>();
  private closing = false;
  /** renews the leases this replica holds, every third of their life */
  private leaseRenewal?: ScheduledJob;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    private readonly metrics: MetricsService,
    /** counts, heartbeat and the bounded sender shared with every other WebSocket surface */
    private readonly connections: ConnectionRegistry,
    @Optional() @Inject(STREAM_AUTHENTICATOR) private readonly authenticator?: StreamAuthenticator,
    /** with Redis: one replica of the cluster refreshes each feed */
    @Optional() @Inject(FEED_LEASES) private readonly leases?: FeedLeases,
    @Optional() clusterStatus?: ClusterStatus,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {
    clusterStatus?.countFeedLeasesWith(() => this.leasesHeld());
  }

  async onModuleInit(): Promise<void> {
    const leases = this.leases;
    if (!leases) return;
    // bounded: an unreachable Redis must not hold the start-up (ioredis subscribes once it connects)
    const subscribed = leases.start((notice) => this.onNotice(notice)).catch((error: Error) => leases.warn(`feed notices: ${error.message}`));
    await waitAtMost(subscribed, 2_000, { ref: false });
    this.leaseRenewal = this.jobs.every('realtime.feed-lease-renewal', Math.max(100, leases.ttlMs / 3), () => this.renewLeases());
  }

  /** How many feeds this replica refreshes for the cluster now. */
  leasesHeld(): number {
    let held = 0;
    for (const feed of this.feeds.values()) if (feed.leased) held++;
    return held;
  }

  /** A socket on a single-stream path (the realtime layer routes each declared path here). */
  async connect(definition: AnyStreamDefinition, socket: WebSocket, request: IncomingMessage): Promise<void> {
    if (this.closing) {
      this.connections.refuse(socket, definition.name, 'overloaded', 'server is shutting down, retry later', CloseCode.TryAgainLater, [], 1);
      return;
    }
    const connection = this.connections.register(socket, request, { stream: definition.name, refusalSeq: 1 });
    if (!connection) return;
    const subscriber = this.track(new Subscriber(new SocketSink(connection, this.connections), definition));
    const client = new PathClient(subscriber, this.options);
    this.pathClients.add(client);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(client, data, isBinary));
    socket.once('close', () => this.disconnect(client));

    if (definition.requiresAuth && this.authenticator?.enabled) {
      const verdict = await this.authenticator.authenticate(request);
      if (!verdict.ok) {
        // A key-server outage is not the client's fault: ask it to retry instead of telling it its token is bad.
        if (verdict.reason === 'unavailable') this.fail(subscriber, 'overloaded', 'token keys are unavailable, retry later', CloseCode.TryAgainLater);
        else this.fail(subscriber, 'unauthorized', verdict.message ?? verdict.reason, CloseCode.Unauthorized);
        return;
      }
      if (socket.readyState !== WebSocket.OPEN) return;
      if (verdict.expiresAt !== undefined) {
        client.cancelExpiry = closeAtExpiry(verdict.expiresAt, () => this.fail(subscriber, 'unauthorized', 'access token has expired', CloseCode.Unauthorized));
      }
    }

    const raw = queryFromUrl(request.url);
    let subscription: Subscription;
    try {
      subscription = resolveSubscription(definition, raw);
    } catch (error) {
      if (!(error instanceof SubscriptionError)) throw error;
      this.fail(subscriber, 'invalid_params', `invalid query parameters: ${error.message}`, CloseCode.PolicyViolation, error.details);
      return;
    }
    subscriber.raw = raw;
    this.join(subscriber, subscription);
    // updates sent while the connection was being accepted, answered in order
    for (const update of client.inbound.accept()) this.applyMessage(subscriber, update);
  }

  /**
   * A validated subscription written to `sink` (one subscription of a `/v1/stream` socket): joins its view at once
   * (a frame is written now when one can be had). The caller authenticated it and owns the socket.
   */
  attach(definition: AnyStreamDefinition, sink: FrameSink, subscription: Subscription): ViewHandle {
    const subscriber = this.track(new Subscriber(sink, definition));
    subscriber.raw = subscription.raw;
    this.join(subscriber, subscription);
    return {
      update: (params) => {
        if (this.subscribers.has(subscriber)) this.applyUpdate(subscriber, params);
      },
      close: () => this.untrack(subscriber),
    };
  }

  /** Forces a refresh of every feed of a stream (or all streams) now; used by operations and tests. */
  async refreshNow(streamName?: string): Promise<void> {
    const feeds = [...this.feeds.values()].filter((feed) => !streamName || feed.definition.name === streamName);
    await Promise.all(feeds.map((feed) => this.refresh(feed)));
  }

  stats(): { subscribers: number; feeds: number; views: number; lagging: number } {
    let views = 0;
    for (const feed of this.feeds.values()) views += feed.views.size;
    return { subscribers: this.subscribers.size, feeds: this.feeds.size, views, lagging: this.connections.sender.laggingCount };
  }

  /**
   * Graceful shutdown: stop refreshing, close every single-stream socket with 1001 and wait (bounded) for the close
   * handshakes (`/v1/stream` sockets are closed by the multiplexer).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.leaseRenewal?.stop();
    // the leases are released (followers take over at once) before the sockets close
    await Promise.all([...this.feeds.values()].map((feed) => this.stopFeed(feed)));
    await this.leases?.close();
    await closeGracefully([...this.pathClients].map((client) => client.subscriber.sink.connection.socket));
  }

  private track(subscriber: Subscriber): Subscriber {
    this.subscribers.add(subscriber);
    subscriber.onDrain = () => this.catchUp(subscriber);
    subscriber.sink.connection.drainListeners.add(subscriber.onDrain);
    return subscriber;
  }

  private untrack(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (subscriber.onDrain) subscriber.sink.connection.drainListeners.delete(subscriber.onDrain);
    this.leave(subscriber);
  }

  /** Refuses a single-stream socket: counted, its error frame, then the close code. */
  private fail(subscriber: Subscriber, code: ErrorCode, message: string, closeCode: number, details: readonly ErrorDetail[] = []): void {
    this.metrics.wsConnectionsRejected.inc({ stream: subscriber.definition.name, reason: code });
    this.sendError(subscriber, code, message, details);
    subscriber.sink.end(closeCode, code);
  }

  /** Writes one frame with the subscriber's next `seq`; a skipped view frame is re-sent (latest) once the socket drains. */
  private write(subscriber: Subscriber, type: 'view' | 'error', body: Buffer): boolean {
    return this.written(subscriber, type, subscriber.sink.write(frameFields(type, subscriber.seq + 1), body));
  }

  private written(subscriber: Subscriber, type: 'view' | 'error', written: boolean): boolean {
    if (written) subscriber.seq++;
    else if (type === 'view') subscriber.missed = true;
    return written;
  }

  /** Every error frame goes through the bounded sender (a non-reading client cannot grow memory). */
  private sendError(subscriber: Subscriber, code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): void {
    this.write(subscriber, 'error', errorBody(code, message, details));
  }

  private onMessage(client: PathClient, data: Buffer, isBinary: boolean): void {
    const subscriber = client.subscriber;
    // Not a liveness signal: only pongs are (Heartbeat). A client that writes but never reads must still be reaped.
    if (!client.inbound.allow()) {
      this.sendError(subscriber, 'rate_limited', `at most ${this.options.maxMessagesPerSecond} update messages per second; this one was ignored`);
      return;
    }
    if (isBinary) {
      this.sendError(subscriber, 'invalid_message', 'update messages must be JSON text');
      return;
    }
    if (!client.inbound.ready) {
      // applied in order once the connection is accepted
      if (!client.inbound.hold(data)) this.sendError(subscriber, 'rate_limited', 'too many update messages before the connection was accepted; this one was ignored');
      return;
    }
    this.applyMessage(subscriber, data);
  }

  /** An update message: bounded and parsed (`parseClientMessage`), then applied; or an error frame saying why not. */
  private applyMessage(subscriber: Subscriber, data: Buffer): void {
    const parsed = parseClientMessage(data);
    if (parsed.ok) this.applyUpdate(subscriber, parsed.value);
    else this.sendError(subscriber, 'invalid_message', `update message ${parsed.problem}; the previous view is kept`);
  }

  /** Answers at once: the view's current frame (when data is loaded) or an error frame keeping the previous view. */
  private applyUpdate(subscriber: Subscriber, update: unknown): void {
    if (!update || typeof update !== 'object' || Array.isArray(update)) {
      this.sendError(subscriber, 'invalid_message', 'update message must be a JSON object of params; the previous view is kept');
      return;
    }
    let raw: Record<string, unknown>;
    let subscription: Subscription;
    try {
      raw = mergeUpdate(subscriber.raw, update as Record<string, unknown>);
      subscription = resolveSubscription(subscriber.definition, raw);
    } catch (error) {
      if (!(error instanceof SubscriptionError)) throw error;
      // the details name the bad params (the first few and a count, see errorFrame); the message does not repeat them
      this.sendError(subscriber, 'invalid_params', `invalid params (${error.details.length}); the previous view is kept`, error.details);
      return;
    }
    subscriber.raw = raw;
    const current = subscriber.view;
    if (current && current.feed.key === subscription.feedKey && current.key === subscription.query.key && current.body) {
      this.sendFrame(subscriber, current.body); // unchanged view: its current frame is the answer
      return;
    }
    this.leave(subscriber);
    this.join(subscriber, subscription);
  }

  /** Puts a subscriber into its feed and view and gives it a frame at once when one can be had. */
  private join(subscriber: Subscriber, subscription: Subscription): void {
    let feed = this.feeds.get(subscription.feedKey);
    const isNewFeed = !feed;
    if (!feed) {
      feed = new Feed(subscription.feedKey, subscriber.definition, subscription.params);
      this.feeds.set(feed.key, feed);
    }
    if (feed.lingerTimer) {
      clearTimeout(feed.lingerTimer);
      feed.lingerTimer = undefined;
    }
    let view = feed.views.get(subscription.query.key);
    if (!view) {
      view = new View(subscription.query.key, subscription.query, feed);
      feed.views.set(view.key, view);
    }
    view.subscribers.add(subscriber);
    subscriber.view = view;

    if (isNewFeed) {
      void this.refresh(feed);
    } else if (view.body) {
      this.sendFrame(subscriber, view.body);
    } else if (feed.last) {
      // rendered from the data at hand even while a refresh is in flight: the answer does not wait for the upstream
      this.publishView(feed, view, Date.now());
    } else if (!feed.loading && feed.failing) {
      this.sendError(subscriber, 'upstream_unavailable', `upstream data is not available yet: ${feed.lastError}`);
    }
  }

  private sendFrame(subscriber: Subscriber, body: Buffer): void {
    if (this.write(subscriber, 'view', body)) this.metrics.wsFramesSent.inc({ stream: subscriber.definition.name });
  }

  /** The socket drained after skipped frames: the view's latest frame, with the next seq. */
  private catchUp(subscriber: Subscriber): void {
    if (!subscriber.missed) return;
    subscriber.missed = false;
    if (subscriber.view?.body) this.sendFrame(subscriber, subscriber.view.body);
  }

  private leave(subscriber: Subscriber): void {
    const view = subscriber.view;
    if (!view) return;
    subscriber.view = undefined;
    view.subscribers.delete(subscriber);
    const feed = view.feed;
    if (view.subscribers.size === 0) feed.views.delete(view.key);
    if (feed.views.size === 0 && !feed.lingerTimer && !feed.stopped) {
      feed.lingerTimer = setTimeout(() => {
        if (feed.views.size > 0) return;
        void this.stopFeed(feed);
        this.feeds.delete(feed.key);
      }, this.options.lingerMs).unref();
    }
  }

  private disconnect(client: PathClient): void {
    if (!this.pathClients.delete(client)) return;
    client.cancelExpiry?.();
    client.inbound.clear();
    this.untrack(client.subscriber);
  }

  private async stopFeed(feed: Feed): Promise<void> {
    feed.stopped = true;
    if (feed.timer) clearTimeout(feed.timer);
    if (feed.lingerTimer) clearTimeout(feed.lingerTimer);
    if (!feed.leased || !this.leases) return;
    feed.leased = false;
    await this.leases.release(feed.key).catch((error: Error) => this.leases?.warn(`releasing the lease of ${feed.key} failed: ${error.message}`));
  }

  /**
   * One refresh: load once, render every view, schedule the next. Concurrent calls share the one in flight.
   * In a cluster, only the holder of the feed's lease refreshes it; elsewhere this is a claim of the lease.
   */
  private refresh(feed: Feed): Promise<void> {
    feed.loading ??= (this.leases ? this.claimAndRefresh(feed, this.leases) : this.runRefresh(feed)).finally(() => (feed.loading = undefined));
    return feed.loading;
  }

  /**
   * Takes (or renews) the feed's lease and refreshes it; when another replica holds it, renders from the shared cache
   * what this replica does not have yet, and claims again when that lease would expire.
   */
  private async claimAndRefresh(feed: Feed, leases: FeedLeases): Promise<void> {
    if (feed.timer) clearTimeout(feed.timer);
    let claim: Awaited<ReturnType<FeedLeases['claim']>>;
    try {
      claim = await leases.claim(feed.key);
    } catch (error) {
      // Redis is unreachable: refresh on our own rather than leave the clients without data
      leases.warn(`claiming the lease of ${feed.key} failed, refreshing it here: ${(error as Error).message}`);
      feed.leased = false;
      return this.runRefresh(feed);
    }
    if (feed.stopped) {
      if (claim.held) await leases.release(feed.key).catch(() => undefined);
      return;
    }
    if (claim.held) {
      if (!feed.leased) this.logger.log(`${leases.replicaId} refreshes ${feed.key} for the cluster now`);
      feed.leased = true;
      return this.runRefresh(feed);
    }
    feed.leased = false;
    if (!feed.last && claim.last && !claim.last.released) this.follow(feed, claim.last);
    // the holder renews its lease every third of its life: this check only succeeds once the holder is gone
    feed.timer = setTimeout(() => void this.refresh(feed), claim.expiresInMs + 1 + Math.random() * 100).unref();
  }

  /** A holder's notice: re-render from the shared cache, or claim a feed its holder let go. */
  private onNotice(notice: FeedNotice): void {
    if (notice.holder === this.leases?.replicaId) return;
    const feed = this.feeds.get(notice.feed);
    if (!feed || feed.stopped) return;
    if (notice.released) {
      void this.refresh(feed);
      return;
    }
    // a feed this replica believes it holds: the next renewal settles who does
    if (!feed.leased) this.follow(feed, notice);
  }

  private follow(feed: Feed, notice: FeedNotice): void {
    feed.following = feed.following.then(() => this.renderShared(feed, notice));
  }

  /** Renders every view from what the holder stored in the shared cache; never calls the upstream. */
  private async renderShared(feed: Feed, notice: FeedNotice): Promise<void> {
    let readError: string | undefined;
    try {
      feed.last = await UpstreamCache.readingShared(() => feed.definition.load(feed.params));
    } catch (error) {
      readError = error instanceof Error ? error.message : String(error);
    }
    if (feed.stopped || feed.leased) return;
    feed.failing = notice.failing === true || readError !== undefined;
    feed.lastError = notice.failing ? notice.error : readError;
    feed.nextRefreshAt = notice.nextRefreshAt;
    this.publishRefresh(feed, Date.now());
  }

  /** Renews every lease held; a lease found taken (this replica paused past its life) is given up here. */
  private async renewLeases(): Promise<void> {
    const leases = this.leases;
    if (!leases) return;
    const held = [...this.feeds.values()].filter((feed) => feed.leased && !feed.stopped);
    await Promise.all(
      held.map(async (feed) => {
        try {
          const claim = await leases.claim(feed.key);
          if (claim.held || !feed.leased) return;
          feed.leased = false;
          this.logger.warn(`${feed.key}: lease lost to another replica; following it now`);
          if (feed.timer) clearTimeout(feed.timer);
          feed.timer = setTimeout(() => void this.refresh(feed), claim.expiresInMs + 1).unref();
        } catch (error) {
          leases.warn(`renewing the lease of ${feed.key} failed: ${(error as Error).message}`);
        }
      }),
    );
  }

  private async runRefresh(feed: Feed): Promise<void> {
    if (feed.timer) clearTimeout(feed.timer);
    const stopTimer = this.metrics.refreshDuration.startTimer({ stream: feed.definition.name });
    let outcome = 'ok';
    try {
      // Reads past their fresh TTL wait for the upstream: a refresh pushes the new value, or the previous one marked
      // stale only when the upstream failed, never a "stale" copy of a healthy upstream's value followed by the fresh one.
      const load = await UpstreamCache.awaitingFreshValues(() => feed.definition.load(feed.params));
      feed.last = load;
      feed.failing = false;
      // a load with parts served stale is a failing upstream too: back off the same way
      feed.failures = load.stale ? feed.failures + 1 : 0;
      feed.lastError = undefined;
    } catch (error) {
      outcome = 'error';
      feed.failing = true;
      feed.failures += 1;
      feed.lastError = error instanceof Error ? error.message : String(error);
      // the first failure of a run is a warning; the next ones (an outage, logged by the upstream's breaker) are debug
      if (feed.failures === 1) this.logger.warn(`refresh of ${feed.key} failed: ${feed.lastError}`);
      else this.logger.debug(`refresh of ${feed.key} failed (${feed.failures} in a row): ${feed.lastError}`);
    }
    if (feed.stopped) return;
    const now = Date.now();
    // the jitter is drawn before publishing so that adaptive_interval counts down to the refresh actually scheduled
    feed.intervalMs = this.nextInterval(feed, now) + Math.random() * this.options.jitterMs;
    feed.nextRefreshAt = now + feed.intervalMs;
    this.publishRefresh(feed, now);
    stopTimer({ outcome });
    feed.timer = setTimeout(() => void this.refresh(feed), feed.intervalMs).unref();
    if (feed.leased) await this.announce(feed);
  }

  /** The holder tells the cluster: the other replicas re-render from the shared cache now. */
  private async announce(feed: Feed): Promise<void> {
    try {
      const notice = { feed: feed.key, nextRefreshAt: feed.nextRefreshAt, ...(feed.failing ? { failing: true, error: feed.lastError } : {}) };
      if (await this.leases!.announce(notice)) return;
      feed.leased = false;
      this.logger.warn(`${feed.key}: lease lost to another replica before announcing; following it now`);
    } catch (error) {
      this.leases!.warn(`announcing ${feed.key} failed: ${(error as Error).message}`);
    }
  }

  /** Every view's frame after a refresh (here or on the holder), or the error frame while there is no data yet. */
  private publishRefresh(feed: Feed, now: number): void {
    if (feed.last) {
      this.publishAll(feed, now);
    } else {
      const body = errorBody('upstream_unavailable', `upstream data is not available yet: ${feed.lastError}; retrying`);
      for (const view of feed.views.values()) this.sendToView(view, 'error', body);
    }
  }

  /**
   * Milliseconds to the next refresh (before jitter): no sooner than the first part of the data stops being fresh
   * (parts may have different TTLs: the earliest expiry counts, not the oldest fetch) nor than the upstream budget
   * allows for all feeds drawing on it; backs off while the upstream fails, wholly or in part (stale parts).
   */
  private nextInterval(feed: Feed, now: number): number {
    const { minIntervalMs, maxIntervalMs, errorBackoffMs, errorBackoffMaxMs } = this.options;
    if (feed.failing || feed.last?.stale) return Math.min(errorBackoffMs * 2 ** (feed.failures - 1), errorBackoffMaxMs);
    const { freshMs, callsPerRefresh, budget } = feed.definition.refresh;
    const freshUntil = feed.last ? (feed.last.freshUntil ?? feed.last.fetchedAt + freshMs) : now;
    const freshRemaining = freshUntil - now;
    let budgetFloor = 0;
    if (budget) {
      let feedsOnBudget = 0;
      for (const other of this.feeds.values()) if (other.definition.refresh.budget?.upstream === budget.upstream) feedsOnBudget++;
      budgetFloor = (callsPerRefresh * feedsOnBudget * 60_000) / budget.callsPerMinute;
    }
    return Math.min(Math.max(freshRemaining, budgetFloor, minIntervalMs), maxIntervalMs);
  }

  /** Every view of a refresh from one snapshot: the views share matches, sorted orders (`QueryMemo`) and row texts. */
  private publishAll(feed: Feed, now: number): void {
    const memo = new QueryMemo();
    const json = new RowJsonMemo();
    const changed: View[] = [];
    const rendering = performance.now();
    for (const view of feed.views.values()) if (this.renderView(feed, view, now, memo, json)) changed.push(view);
    // the render's share of a refresh: what a stream costs the event loop beyond the sends themselves
    this.metrics.renderDuration.observe({ stream: feed.definition.name }, (performance.now() - rendering) / 1000);
    // all renders first, then the sends back to back, not a render between two groups of sends
    for (const view of changed) this.sendToView(view, 'view', view.body!);
  }

  /** Renders one view; serialises once; sends the same buffer to every subscriber, unless nothing changed. */
  private publishView(feed: Feed, view: View, now: number): void {
    if (this.renderView(feed, view, now)) this.sendToView(view, 'view', view.body!);
  }

  /** Renders one view into `view.body`, serialised once for all its subscribers; false when nothing changed. */
  private renderView(feed: Feed, view: View, now: number, memo?: QueryMemo, json?: RowJsonMemo): boolean {
    const load = feed.last!;
    let body: Record<string, unknown>;
    try {
      body = feed.definition.render(load.data, view.query, feed.params, { now, memo });
    } catch (error) {
      this.logger.error(`render of ${feed.key} view ${view.key} failed: ${(error as Error).stack}`);
      return false;
    }
    if (load.missing?.length) Object.assign(body, { partial: true, missing: load.missing });
    // the body's members, without its braces: the frame puts the subscriber's fields before them and the tail after
    const members = json ? json.members(body) : JSON.stringify(body).slice(1, -1);
    const stale = feed.failing || load.stale === true;
    if (members === view.lastRendered && stale === view.lastStale && view.body) return false;
    view.lastRendered = members;
    view.lastStale = stale;

    // seconds from this frame to the refresh actually scheduled (jitter included), to the nearest second
    const adaptiveInterval = Math.max(0, Math.round((feed.nextRefreshAt - now) / 1000));
    let tail = `"adaptive_interval":${adaptiveInterval},"timestamp":${now / 1000}`;
    if (stale) {
      const reason = (feed.failing ? feed.lastError : load.staleReason) ?? 'the upstream could not be refreshed';
      tail += `,"stale":true,"stale_age_seconds":${Math.max(0, Math.round((now - load.fetchedAt) / 1000))},"stale_reason":${JSON.stringify(reason)}`;
    }
    // the shared bytes, without the opening brace: each subscriber's sink writes its own prefix before them
    view.body = Buffer.from(members ? `${members},${tail}}` : `${tail}}`);
    return true;
  }

  /** One body for every subscriber of the view; each gets its own few prefix bytes (seq, sub) in front of it. */
  private sendToView(view: View, type: 'view' | 'error', body: Buffer): void {
    // subscribers at the same seq (those that joined between the same two refreshes, e.g. all the clients of a
    // reconnect after a deploy) get identical frames: one SharedFrame per seq, framed once for all but the first
    const frames = new Map<number, SharedFrame>();
    let sent = 0;
    for (const subscriber of view.subscribers) {
      const seq = subscriber.seq + 1;
      let frame = frames.get(seq);
      if (frame === undefined) frames.set(seq, (frame = new SharedFrame(frameFields(type, seq), body)));
      if (this.written(subscriber, type, subscriber.sink.writeShared(frame))) sent++;
    }
    this.metrics.wsFramesSent.inc({ stream: view.feed.definition.name }, sent);
  }
}

/** The hub's per-client fields of a frame, in front of the shared body. */
function frameFields(type: 'view' | 'error', seq: number): string {
  return `"type":"${type}","seq":${seq},`;
}

/** Runs `expire` once `expiresAt` (epoch ms) has passed (at once if it has); returns the cancel function. */
export function closeAtExpiry(expiresAt: number, expire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = expiresAt - Date.now();
    timer = undefined;
    if (left <= 0) expire();
    else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS)).unref();
  };
  arm();
  return () => clearTimeout(timer);
}
