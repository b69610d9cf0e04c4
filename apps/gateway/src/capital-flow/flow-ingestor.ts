import { FencedOutError, type LeadershipTerm } from '@app/cluster';
import { isUpstreamOutage } from '@app/upstream';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import { FlowSource } from './flow-source';
import { FlowMarket, FlowPoint, FLOW_MARKETS } from './point-series';
import { PointStore, SeriesKey } from './point-store';
import { SeriesIndex } from './series-index';
import { TrackedToken } from './tracked-tokens';
import { floorToStep, latestClosedInstant, STAT_WINDOWS, StatWindow, STEP_MS } from './windows';

export interface IngestLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface FlowIngestorOptions {
  /** where the next pass (`capital-flow.ingest`) is armed; a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  now?: () => number;
  logger?: IngestLogger;
  /** wait after an instant closes before asking for its bar (the exchange finalises it) */
  settleMs?: number;
  /** retry delay when some series failed */
  retryMs?: number;
  /** parallel upstream requests */
  concurrency?: number;
  /**
   * With leadership (the service: `leadership.register('capital-flow', …)`): only the leader ingests, its writes
   * fenced by its term; the others reload what it stored. Without: this ingestor always ingests, unfenced (tests).
   */
  led?: boolean;
}

export interface SyncReport {
  /** points written */
  points: number;
  /** series that could not be brought up to date (a source failed) */
  failed: number;
  /** tokens whose m5 series gained a newer point: their live snapshot changed */
  advanced: number[];
  durationMs: number;
  /** 'follower': another replica leads capital-flow; this pass reloaded what it stored */
  role: 'ingester' | 'follower';
  /** series still behind their newest closed instant after the pass (a follower retries soon) */
  behind: number;
}

interface SeriesJob {
  token: TrackedToken;
  market: FlowMarket;
  window: StatWindow;
  sources: FlowSource[];
}

/**
 * Keeps every series up to date: at start it backfills what is missing (up to 100 points back, so downtime
 * gaps close by themselves), then runs once per 5-minute instant. Backfill and live are one call per series:
 * "give me the closed points after the newest I have".
 */
export class FlowIngestor {
  private readonly now: () => number;
  private readonly settleMs: number;
  private readonly retryMs: number;
  private readonly concurrency: number;
  private timer?: ScheduledJob;
  private running?: Promise<SyncReport>;
  private stopped = true;
  /** aborted by `stop()`: a pass in flight (a backfill can take minutes against a slow upstream) ends at once */
  private abort = new AbortController();
  private readonly listeners = new Set<(report: SyncReport) => void>();
  /** the leadership term this replica ingests in now (with `led`) */
  private term?: LeadershipTerm;
  /** the term whose first pass reloaded the store: a new leader resumes from what is stored, not from its memory */
  private resumedToken?: number;

  constructor(
    private readonly tokens: readonly TrackedToken[],
    private readonly sources: readonly FlowSource[],
    private readonly store: PointStore,
    private readonly index: SeriesIndex,
    private readonly options: FlowIngestorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.settleMs = options.settleMs ?? 3_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.concurrency = options.concurrency ?? 4;
  }

  /** Called after every sync (the live stream pushes on it). */
  onSync(listener: (report: SyncReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * This replica leads capital-flow for `term`: the next passes ingest (the first one at once when running), their
   * writes fenced by the term. The returned function ends it: the pass in flight (aborted by the term's signal) is
   * awaited, and later passes follow.
   */
  lead(term: LeadershipTerm): () => Promise<void> {
    this.term = term;
    if (!this.stopped) {
      // after the pass in flight (perhaps a follower's reload), not alongside it
      void (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.schedule(0));
    }
    return async () => {
      if (this.term === term) this.term = undefined;
      await this.running?.catch(() => undefined);
    };
  }

  /** Aborts the pass in flight (its upstream calls and the series not started yet) and waits for it to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    this.abort.abort(new Error('capital-flow ingestion stopped'));
    await this.running?.catch(() => undefined);
  }

  /** One pass over every series; concurrent callers share the pass in flight. */
  sync(): Promise<SyncReport> {
    this.running ??= this.syncAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // `after` replaces the pass armed before, if any
    this.timer = (this.options.jobs ?? JobScheduler.detached()).after('capital-flow.ingest', delayMs, () => {
      void this.sync()
        .then((report) => {
          const nowMs = this.now();
          const nextInstant = floorToStep(nowMs) + STEP_MS + this.settleMs - nowMs;
          const retry = report.failed > 0 ? this.retryMs : report.behind > 0 ? this.followerRetryMs : Infinity;
          this.schedule(Math.min(retry, nextInstant));
        })
        .catch((error: Error) => {
          this.options.logger?.warn(`capital-flow sync failed: ${error.message}`);
          this.schedule(this.retryMs);
        });
    });
  }

  private get followerRetryMs(): number {
    return Math.max(1_000, this.retryMs / 3);
  }

  private async syncAll(): Promise<SyncReport> {
    const started = Date.now();
    const nowMs = this.now();
    const term = this.term;
    if (this.options.led && !term) return this.follow(started, nowMs);
    if (term && this.resumedToken !== term.token) {
      // the previous leader may have written since this replica last read the store
      this.index.replaceAll(await this.store.loadAll());
      this.resumedToken = term.token;
    }
    // the pass ends when the ingestor stops, the term ends, or a write is fenced out (a newer leader exists)
    const fenced = new AbortController();
    const signal = AbortSignal.any([this.abort.signal, fenced.signal, ...(term ? [term.signal] : [])]);
    const jobs = this.dueJobs(nowMs);
    let points = 0;
    let failed = 0;
    const advanced = new Set<number>();
    await runPool(jobs, this.concurrency, signal, async (job) => {
      try {
        const { written, moved } = await this.syncSeries(job, nowMs, signal, term);
        points += written;
        if (moved && job.window.minutes === STAT_WINDOWS[0].minutes) advanced.add(job.token.vsTokenId);
      } catch (error) {
        failed++;
        if (error instanceof FencedOutError && !fenced.signal.aborted) {
          this.options.logger?.warn(`capital-flow: ${error.message}; this pass stops`);
          fenced.abort(error);
        }
        // an upstream outage is logged once by its circuit breaker (and counted in the sync line below), not per series
        if (!signal.aborted && !isUpstreamOutage(error)) this.options.logger?.warn(`capital-flow ${job.token.symbol} ${job.market} ${job.window.label}: ${(error as Error).message}`);
      }
    });
    if (signal.aborted) this.options.logger?.log(`capital-flow sync stopped: ${points} points written, ${jobs.length} series were due`);
    const report: SyncReport = { points, failed, advanced: [...advanced], durationMs: Date.now() - started, role: 'ingester', behind: 0 };
    if (!signal.aborted && (points > 0 || failed > 0)) this.options.logger?.log(`capital-flow sync: ${points} points, ${failed} series failed (${report.durationMs} ms)`);
    return this.emit(report);
  }

  /** Another replica ingests: take its points from the store and tell listeners which tokens moved. */
  private async follow(started: number, nowMs: number): Promise<SyncReport> {
    const m5Latest = (token: TrackedToken) =>
      Math.max(...FLOW_MARKETS.map((market) => this.index.latestTime({ vsTokenId: token.vsTokenId, market, windowMinutes: STAT_WINDOWS[0].minutes }) ?? -Infinity));
    const before = new Map(this.tokens.map((token) => [token.vsTokenId, m5Latest(token)]));
    this.index.replaceAll(await this.store.loadAll());
    const advanced = this.tokens.filter((token) => m5Latest(token) > before.get(token.vsTokenId)!).map((token) => token.vsTokenId);
    return this.emit({ points: 0, failed: 0, advanced, durationMs: Date.now() - started, role: 'follower', behind: this.dueJobs(nowMs).length });
  }

  private emit(report: SyncReport): SyncReport {
    for (const listener of this.listeners) listener(report);
    return report;
  }

  /** the series whose newest closed instant is not stored yet */
  private dueJobs(nowMs: number): SeriesJob[] {
    const jobs: SeriesJob[] = [];
    for (const token of this.tokens) {
      for (const market of FLOW_MARKETS) {
        const sources = this.sources.filter((source) => source.market === market && source.covers(token));
        if (sources.length === 0) continue;
        for (const window of STAT_WINDOWS) {
          const latest = this.index.latestTime({ vsTokenId: token.vsTokenId, market, windowMinutes: window.minutes });
          if (latest === undefined || latest < latestClosedInstant(nowMs, window)) jobs.push({ token, market, window, sources });
        }
      }
    }
    return jobs;
  }

  private async syncSeries(
    { token, market, window, sources }: SeriesJob,
    nowMs: number,
    signal: AbortSignal,
    term: LeadershipTerm | undefined,
  ): Promise<{ written: number; moved: boolean }> {
    const key: SeriesKey = { vsTokenId: token.vsTokenId, market, windowMinutes: window.minutes };
    const latest = this.index.latestTime(key);
    // the newest stored point is fetched again: a bar the venue was still finalising gets its final figures
    const after = latest === undefined ? undefined : latest - window.ms;
    const perSource = await Promise.all(sources.map((source) => source.fetchPoints(token, window, after, nowMs, signal)));
    signal.throwIfAborted();
    const points = mergeVenues(perSource);
    if (points.length === 0) return { written: 0, moved: false };
    await this.store.save(key, points, sources.map((source) => source.venue), term);
    this.index.add(key, points);
    return { written: points.length, moved: (this.index.latestTime(key) ?? 0) > (latest ?? -Infinity) };
  }
}

/** Sums the venues' points per instant; an instant some venue lacks is left for a later pass (no partial figures). */
export function mergeVenues(perSource: readonly FlowPoint[][]): FlowPoint[] {
  if (perSource.length === 1) return perSource[0];
  const byTime = new Map<number, { point: FlowPoint; venues: number }>();
  for (const points of perSource) {
    for (const point of points) {
      const entry = byTime.get(point.time);
      if (!entry) byTime.set(point.time, { point: { ...point }, venues: 1 });
      else {
        entry.point.inflow += point.inflow;
        entry.point.amount += point.amount;
        entry.venues++;
      }
    }
  }
  return [...byTime.values()]
    .filter((entry) => entry.venues === perSource.length)
    .map((entry) => entry.point)
    .sort((a, b) => a.time - b.time);
}

/** Runs `work` over `items`, `size` at a time; once `signal` aborts, no further item starts. */
async function runPool<T>(items: readonly T[], size: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
