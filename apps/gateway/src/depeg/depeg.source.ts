import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { LEADERSHIP, type Leadership } from '@app/cluster';
import { MetricsService } from '@app/observability';
import { JobScheduler } from '@app/scheduling';
import { CoinGeckoMarketData, DefiLlamaMarketData, UpstreamCache } from '@app/upstream';
import { loadTiming, settleParts, type StreamLoad } from '@app/realtime';
import { detectDepegEvents, mergeDepegEvents, type DepegEvent } from './depeg-detector';
import { DepegEventStore, thresholdToBp } from './depeg-event.store';
import { EventLogsParams } from './depeg.params';

export interface DepegLog {
  rows: DepegEvent[];
  /** "api": detected from upstream data this time (merged with the stored history); "database": upstreams down, stored history only */
  data_source: 'api' | 'database';
}

const DAY_SECONDS = 86_400;
/** how often the depeg leader records from the shared cache (the stream's data is fresh for 10 minutes) */
const RECORD_EVERY_MS = 60_000;
const DEFAULT_PARAMS = new EventLogsParams();
/** the `depeg_events_current` gauge follows the default threshold (1 %) */
const METRIC_THRESHOLD_BP = 100;

/**
 * Loads DefiLlama's live list and price history (and CoinGecko logos), detects depeg events, records them and
 * returns them merged with the recorded history of the same log (peg type + threshold) in the window. Recording is
 * a cluster singleton: only the replica leading `depeg` writes (fenced by its term); the others serve their fresh
 * detections merged with what the store holds.
 */
@Injectable()
export class DepegSource implements OnModuleInit {
  private readonly logger = new Logger(DepegSource.name);

  constructor(
    private readonly defillama: DefiLlamaMarketData,
    private readonly coingecko: CoinGeckoMarketData,
    private readonly store: DepegEventStore,
    private readonly metrics: MetricsService,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Optional() private readonly jobs: JobScheduler = JobScheduler.detached(),
  ) {}

  onModuleInit(): void {
    // The leader writes what the loads it runs detect. In a cluster the `event_logs` feed may be refreshed by another
    // replica (feed lease) whose loads may not write: the leader then records on its own, every minute, from what the
    // shared cache holds (no upstream call of its own; with no client anywhere nothing is refreshed or recorded, as before)
    this.leadership.register('depeg', {
      lead: async (term) => {
        const job = this.jobs.every('depeg.record', RECORD_EVERY_MS, () => this.recordFromSharedCache(term.signal));
        return async () => job.stop();
      },
    });
  }

  /** One recording pass of the leader: the default log and every log with a recent episode, read from the shared cache. */
  async recordFromSharedCache(signal?: AbortSignal): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const logs = await this.store.activeLogs(now - 2 * DAY_SECONDS).catch(() => []);
    const keys = new Map<string, EventLogsParams>();
    for (const key of [{ pegType: DEFAULT_PARAMS.peg_type, thresholdBp: thresholdToBp(DEFAULT_PARAMS.threshold) }, ...logs]) {
      const params = Object.assign(new EventLogsParams(), { peg_type: key.pegType, threshold: key.thresholdBp / 10_000 });
      keys.set(`${key.pegType}|${key.thresholdBp}`, params);
    }
    for (const params of keys.values()) {
      if (signal?.aborted) return;
      // a value the cache does not hold is simply not recorded this time
      await UpstreamCache.readingShared(() => this.load(params)).catch(() => undefined);
    }
  }

  async load(params: EventLogsParams, nowMs: number = Date.now()): Promise<StreamLoad<DepegLog>> {
    const now = Math.floor(nowMs / 1000);
    const key = { pegType: params.peg_type, thresholdBp: thresholdToBp(params.threshold) };
    const settled = await settleParts([
      { source: 'defillama /stablecoins', read: this.defillama.stablecoins() },
      { source: 'defillama /stablecoinprices', read: this.defillama.prices() },
      // logos only; shares main_table's cache entry
      { source: 'coingecko /coins/markets (logos)', read: this.coingecko.categoryMarkets('stablecoins', 'usd') },
    ] as const);
    const [stablecoins, prices, markets] = settled.values;
    const missing = [...settled.missing];
    const upstreamDown = !stablecoins && !prices;

    const openEpisodes = await this.attempt(missing, () => this.store.openEpisodes(key, now));
    const detected = upstreamDown
      ? []
      : detectDepegEvents({
          assets: stablecoins?.peggedAssets,
          prices,
          logos: new Map((markets ?? []).flatMap((market) => (market.image ? [[market.id, market.image] as const] : []))),
          threshold: params.threshold,
          pegType: params.peg_type,
          daysBack: params.days_back,
          now,
          openEpisodes,
        });
    // labels bounded by what exists: the default threshold only, and peg types DefiLlama actually lists
    if (stablecoins && key.thresholdBp === METRIC_THRESHOLD_BP && stablecoins.peggedAssets.some((asset) => asset.pegType === key.pegType)) {
      this.metrics.depegCurrent.set({ peg_type: key.pegType }, detected.filter((event) => event.event_type === 'current').length);
    }
    const term = this.leadership.term('depeg');
    if (!upstreamDown && term) await this.attempt(missing, () => this.store.save(key, detected, now, stablecoins !== undefined, term));
    // days_back holds for every row, detected or stored: the episode started within the window (its `timestamp`)
    const windowStart = now - params.days_back * DAY_SECONDS;
    const stored = await this.attempt(missing, () => this.store.recent(key, windowStart));
    if (upstreamDown && stored === undefined) throw settled.firstError;
    const rows = mergeDepegEvents([detected, stored ?? []]).filter((event) => event.timestamp >= windowStart);

    return {
      data: { rows, data_source: upstreamDown ? 'database' : 'api' },
      ...(upstreamDown
        ? { fetchedAt: nowMs, stale: true, staleReason: `DefiLlama is unavailable, showing the recorded log: ${missing.map((part) => `${part.source}: ${part.reason}`).join('; ')}` }
        : loadTiming(settled)),
      missing,
    };
  }

  /** A database problem costs the history, not the stream: it is reported in `missing`. */
  private async attempt<T>(missing: NonNullable<StreamLoad<unknown>['missing']>, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`depeg event store: ${reason}`);
      if (!missing.some((part) => part.source === 'database')) missing.push({ source: 'database', reason });
      return undefined;
    }
  }
}
