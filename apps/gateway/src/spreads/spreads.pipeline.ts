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

export type EventListener = (item: PublishedEvent) => void;

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
  private readonly listeners = new Set<EventListener>();
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
    });
  }

  async onApplicationBootstrap(): Promise<void> {
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

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onEvent(event: SpreadEvent): void {
    this.metrics.events.inc({ event: event.event });
    const item = publish(event);
    this.recent.push(item);
    this.writer.enqueue(event);
    for (const listener of this.listeners) {
      try {
        listener(item);
      } catch (error) {
        this.logger.error(`live listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
