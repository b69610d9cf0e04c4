import { APP_CONFIG, type AppConfig } from '@app/config';
import { DATABASE, type Database } from '@app/storage';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { publish, RecentEvents, type PublishedEvent } from './api/recent-events';
import type { Quote } from './domain/quote';
import type { SpreadEvent } from './domain/spread-event';
import { SpreadEngine } from './engine/spread-engine';
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

/** How far back a restart looks for spreads still open. */
const RESTORE_WINDOW_MS = 24 * 3600_000;
const SWEEP_MS = 1_000;

/**
 * The spreads feature's spine: quotes → engine → events, each event kept in the recent buffer, queued for the
 * history and pushed to live listeners. On start it restores what the history says is open (so a restart
 * neither loses nor re-opens spreads); on shutdown it stops the sources and writes every pending event.
 */
@Injectable()
export class SpreadsPipeline implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Spreads');
  readonly engine: SpreadEngine;
  readonly recent = new RecentEvents(500);
  readonly history: SpreadHistoryStore;
  readonly writer: HistoryWriter;
  private readonly storedListeners = new Set<StoredListener>();
  /** the curated form computed on detection, reused once the event is stored */
  private readonly published = new WeakMap<SpreadEvent, PublishedEvent>();
  /** the row id of the newest event handed to `subscribeStored` listeners */
  lastStoredId = 0;
  private sweeper?: NodeJS.Timeout;
  private readonly sink = (quotes: readonly Quote[]) => this.engine.onQuotes(quotes);

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DATABASE) db: Database,
    @Inject(SPREADS_QUOTE_SOURCES) private readonly sources: QuoteSource[],
    private readonly metrics: SpreadsMetrics,
  ) {
    this.engine = new SpreadEngine(config.spreads, (event) => this.onEvent(event));
    this.history = new SpreadHistoryStore(db);
    this.writer = new HistoryWriter(this.history, {
      flushMs: config.spreads.historyFlushMs,
      batchSize: 500,
      maxPending: 200_000,
      onError: (error) => this.logger.warn(`history write failed (will retry): ${error instanceof Error ? error.message : String(error)}`),
      onDropped: (count) => this.logger.error(`history queue over capacity: ${count} oldest event(s) dropped`),
      onWritten: (events, ids) => this.onStored(events, ids),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.lastStoredId = Math.max(this.lastStoredId, await this.history.maxId());
    const warm = await this.history.latest(this.recent.capacity);
    for (const event of warm) this.recent.push(publish(event));
    if (warm.length === this.recent.capacity) this.recent.markIncomplete();
    const last = await this.history.lastEventPerKey(Date.now() - RESTORE_WINDOW_MS);
    this.engine.restore(last);
    const open = last.filter((item) => item.event.event === 'open').length;
    if (open > 0) this.logger.log(`restored ${open} open spread(s) from the history`);
    this.sweeper = setInterval(() => {
      this.engine.sweep();
      this.metrics.openSpreads.set(this.engine.openCount);
    }, SWEEP_MS);
    this.sweeper.unref();
    for (const source of this.sources) source.start(this.sink);
    this.logger.log(`quote sources: ${this.sources.map((s) => s.name).join(', ') || 'none'}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.sources.map((source) => source.stop()));
    if (this.sweeper) clearInterval(this.sweeper);
    await this.writer.drain();
  }

  /** Feeds quotes as a source would (sources, tests and the benchmark). */
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

  private onStored(events: readonly SpreadEvent[], ids: readonly number[]): void {
    for (let i = 0; i < events.length; i++) {
      const id = ids[i];
      if (!(id > this.lastStoredId)) continue;
      this.lastStoredId = id;
      const stored: StoredEvent = { seq: id, payload: this.published.get(events[i]) ?? publish(events[i]) };
      for (const listener of this.storedListeners) {
        try {
          listener(stored);
        } catch (error) {
          this.logger.error(`live listener failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  private onEvent(event: SpreadEvent): void {
    this.metrics.events.inc({ event: event.event });
    const item = publish(event);
    this.published.set(event, item);
    this.recent.push(item);
    this.writer.enqueue(event);
  }
}
