import { CLUSTER_REDIS, LEADERSHIP, clusterChannel, type Leadership, type LeadershipTerm } from '@app/cluster';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { spreadsConfig, type SpreadsConfig } from './spreads.config';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import { DATABASE, type Database } from '@app/storage';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { publish, RecentEvents, type PublishedEvent } from './api/recent-events';
import type { Quote } from './domain/quote';
import type { SpreadEvent } from './domain/spread-event';
import { SpreadEngine } from './engine/spread-engine';
import { HistoryFollower, SPREADS_HISTORY_CHANNEL, type HistoryRow } from './history/history-follower';
import { SpreadHistoryStore } from './history/history-store';
import { HistoryWriter } from './history/history-writer';
import { SPREADS_QUOTE_SOURCES, type QuoteSource } from './sources/quote-source';
import { SpreadsMetrics } from './spreads.metrics';

/** An event once it is in the history, with its row id (the live stream's `seq`). */
export interface StoredEvent {
  readonly seq: number;
  readonly payload: PublishedEvent;
}
export type StoredListener = (event: StoredEvent) => void;

/** How far back a new leader looks for spreads still open. */
const RESTORE_WINDOW_MS = 24 * 3600_000;
const SWEEP_MS = 1_000;
/** with Redis: a follower reads the history at least this often, whatever pub/sub says */
const FOLLOW_CATCH_UP_MS = 1_000;
const FOLLOW_PAGE = 1_000;

/**
 * The spreads feature's spine. Detection is a cluster singleton: only while this replica leads `spreads` do the
 * quote sources run into the engine and its events go to the history (each write fenced by the term). A new
 * leader resumes from the history: it claims the fence, then restores what is open, so no open is repeated and
 * no close lost. Delivery runs on every replica: live listeners and the recent buffer get each stored event once,
 * in id order. Without Redis (one process) they get them straight from this process's writer, as before the
 * cluster; with Redis every replica follows the history (pub/sub after each write, plus a periodic catch-up read).
 */
@Injectable()
export class SpreadsPipeline implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Spreads');
  /** the detection of the current (or last) term: a new term starts a fresh engine from the history */
  engine: SpreadEngine;
  readonly recent = new RecentEvents(500);
  readonly history: SpreadHistoryStore;
  readonly writer: HistoryWriter;
  private readonly storedListeners = new Set<StoredListener>();
  /** the curated form computed on detection, reused once the event is stored */
  private readonly published = new WeakMap<SpreadEvent, PublishedEvent>();
  /** with Redis: reads the history every replica delivers from */
  private readonly follower?: HistoryFollower;
  /** the row id of the newest event handed to `subscribeStored` listeners */
  lastStoredId = 0;
  private sweeper?: ScheduledJob;
  /** set while this replica leads: its term and the function that ends its work */
  private leading?: { term: LeadershipTerm; stop: () => Promise<void> };
  private starting?: Promise<unknown>;
  private followErrorLoggedAt = 0;
  private readonly sink = (quotes: readonly Quote[]) => {
    if (this.leading) this.engine.onQuotes(quotes);
  };

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(spreadsConfig.token) private readonly spreadsConfig: SpreadsConfig,
    @Inject(DATABASE) db: Database,
    @Inject(SPREADS_QUOTE_SOURCES) private readonly sources: QuoteSource[],
    private readonly metrics: SpreadsMetrics,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Inject(CLUSTER_REDIS) redis: Redis | undefined,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {
    this.engine = this.newEngine();
    this.history = new SpreadHistoryStore(db);
    if (redis) {
      this.follower = new HistoryFollower({
        jobs,
        redis,
        channel: clusterChannel(config, SPREADS_HISTORY_CHANNEL),
        read: (afterId, limit) => this.history.afterId(afterId, {}, limit),
        deliver: (row) => this.deliverFollowed(row),
        catchUpMs: FOLLOW_CATCH_UP_MS,
        pageSize: FOLLOW_PAGE,
        onError: (error) => {
          // an outage fails every publish and read: one line per 30 s
          if (Date.now() - this.followErrorLoggedAt < 30_000) return;
          this.followErrorLoggedAt = Date.now();
          this.logger.warn(`following the history: ${errorMessage(error)} (reads retry every second; repeats within 30 s are not logged)`);
        },
      });
    }
    this.writer = new HistoryWriter(this.history, {
      jobs,
      flushMs: spreadsConfig.historyFlushMs,
      batchSize: 500,
      maxPending: 200_000,
      onError: (error) => this.logger.warn(`history write failed (will retry): ${errorMessage(error)}`),
      onDropped: (count) => this.logger.error(`history queue over capacity: ${count} oldest event(s) dropped`),
      onWritten: (events, ids) => (this.follower ? this.follower.announce(Math.max(...ids)) : this.onStored(events, ids)),
      onFencedOut: (error, dropped) => {
        this.logger.warn(`${error.message}: ${dropped} unwritten event(s) dropped, detection stops here`);
        void this.leading?.stop();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.lastStoredId = Math.max(this.lastStoredId, await this.history.maxId());
    const warm = await this.history.latest(this.recent.capacity, this.lastStoredId);
    for (const event of warm) this.recent.push(publish(event));
    if (warm.length === this.recent.capacity) this.recent.markIncomplete();
    this.follower?.start(this.lastStoredId);
    this.leadership.register('spreads', { lead: (term) => (this.starting = this.lead(term)) });
    // the embedded default leads at once: detection is running when the app is up, as before the cluster
    await this.starting?.catch(() => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.leading?.stop();
    await this.follower?.stop();
  }

  /** whether this replica runs detection now (it leads `spreads`) */
  get isLeading(): boolean {
    return this.leading !== undefined;
  }

  /** Feeds quotes as a source would (sources, tests and the benchmark); ignored unless this replica leads. */
  ingest(quotes: readonly Quote[]): void {
    this.sink(quotes);
  }

  /**
   * Every event once written to the history, with its row id, in id order: what `WS /v1/spreads/live` carries (an
   * event reaches live clients only once it has the id a resuming client will give back).
   */
  subscribeStored(listener: StoredListener): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /** Resolves once every event written so far reached this replica's listeners (with Redis; tests). */
  async caughtUp(): Promise<void> {
    await this.follower?.catchUp();
  }

  /**
   * This replica leads `spreads` for `term`: claim the fence first (an older leader's late write is refused from
   * now on), then restore what the history says is open, then start detection. Returns the stop of the term.
   */
  private async lead(term: LeadershipTerm): Promise<() => Promise<void>> {
    await this.history.claimFence(term);
    const last = await this.history.lastEventPerKey(Date.now() - RESTORE_WINDOW_MS);
    const engine = this.newEngine();
    engine.restore(last);
    const open = last.filter((item) => item.event.event === 'open').length;
    if (term.signal.aborted) return async () => undefined;
    this.engine = engine;
    this.writer.lead(term);
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= this.stopLeading(term));
    this.leading = { term, stop };
    term.signal.addEventListener('abort', () => void stop(), { once: true });
    this.sweeper?.stop();
    this.sweeper = this.jobs.every('spreads.sweeper', SWEEP_MS, () => {
      engine.sweep();
      this.metrics.openSpreads.set(engine.openCount);
    });
    for (const source of this.sources) source.start(this.sink);
    this.logger.log(
      `leading spreads (fencing token ${term.token}): ${open} open spread(s) restored from the history; quote sources: ${this.sources.map((s) => s.name).join(', ') || 'none'}`,
    );
    return stop;
  }

  /** Ends the term's work: sources stop, then every event detected in it is written (unless a newer leader fenced it out). */
  private async stopLeading(term: LeadershipTerm): Promise<void> {
    if (this.leading?.term === term) this.leading = undefined;
    await Promise.allSettled(this.sources.map((source) => source.stop()));
    this.sweeper?.stop();
    this.sweeper = undefined;
    this.metrics.openSpreads.set(0);
    try {
      await this.writer.drain();
    } catch (error) {
      this.logger.error(`spreads term ${term.token} ended with unwritten events: ${errorMessage(error)}`);
    }
    this.logger.log(`stopped leading spreads (fencing token ${term.token})`);
  }

  private newEngine(): SpreadEngine {
    return new SpreadEngine(this.spreadsConfig, (event) => this.onEvent(event));
  }

  /** With Redis: a row read from the history, whoever wrote it. */
  private deliverFollowed(row: HistoryRow): void {
    const item = publish(row.event);
    this.recent.push(item);
    this.lastStoredId = row.id;
    this.notify({ seq: row.id, payload: item });
  }

  private onStored(events: readonly SpreadEvent[], ids: readonly number[]): void {
    for (let i = 0; i < events.length; i++) {
      const id = ids[i];
      if (!(id > this.lastStoredId)) continue;
      this.lastStoredId = id;
      this.notify({ seq: id, payload: this.published.get(events[i]) ?? publish(events[i]) });
    }
  }

  private notify(stored: StoredEvent): void {
    for (const listener of this.storedListeners) {
      try {
        listener(stored);
      } catch (error) {
        this.logger.error(`live listener failed: ${errorMessage(error)}`);
      }
    }
  }

  private onEvent(event: SpreadEvent): void {
    this.metrics.events.inc({ event: event.event });
    this.writer.enqueue(event);
    // with Redis the recent buffer is fed from the history, like every other replica's
    if (this.follower) return;
    const item = publish(event);
    this.published.set(event, item);
    this.recent.push(item);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
