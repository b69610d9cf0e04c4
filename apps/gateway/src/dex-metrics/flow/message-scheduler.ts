import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import { findInvariantViolations } from '../domain/invariants';
import type { DexMetricsBook } from '../domain/metrics-book';
import { HEARTBEAT_MS } from '../domain/resolutions';
import type { DexMessageSink } from './dex-message';

/** The seed allows sending up to 30 s late so several updates go out as one. */
export const MAX_BATCH_DELAY_MS = 30_000;

export interface MessageSchedulerOptions {
  /** where the per-ticker follow-ups are armed (`dex.flush:<ticker>`...); a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  /** how long a due message waits for more updates before it is sent (≤ 30 s) */
  batchDelayMs: number;
  now?: () => number;
  /** asked for fresh quasi-static figures before a quiet symbol's 24 h message */
  refreshQuasiStatic?: (ticker: string) => void;
  onInvariantViolation?: (ticker: string, problems: string[]) => void;
  /** the last trade time changed (persisted so the 24 h rhythm survives a restart) */
  onLastTrade?: (ticker: string, lastTradeMs: number) => void;
}

interface SymbolSchedule {
  listedAtMs: number;
  lastTradeMs?: number;
  /** when the pending message became due; undefined when nothing is pending */
  dueSinceMs?: number;
  flushTimer?: ScheduledJob;
  changeTimer?: ScheduledJob;
  heartbeatTimer?: ScheduledJob;
}

/**
 * The seed's message rules, per symbol:
 * - a swap makes a message due (all resolutions);
 * - whenever a swap leaves a window (1 h after it for 1h, …) a follow-up is due with the adjusted metrics;
 * - with no swap for 24 h, a message is due every 24 h from the last swap (zeros, refreshed quasi-static figures);
 * - a listed symbol's messages start at once; a delisted one gets a tombstone and nothing more.
 * A due message waits `batchDelayMs` (≤ 30 s) so updates in between coalesce into one up-to-date message.
 */
export class MessageScheduler {
  private readonly symbols = new Map<string, SymbolSchedule>();
  private readonly now: () => number;
  private readonly jobs: JobScheduler;
  private stopped = false;

  constructor(
    private readonly book: DexMetricsBook,
    private readonly sink: DexMessageSink,
    private readonly options: MessageSchedulerOptions,
  ) {
    if (!(options.batchDelayMs >= 0 && options.batchDelayMs <= MAX_BATCH_DELAY_MS)) {
      throw new RangeError(`batchDelayMs must be within 0..${MAX_BATCH_DELAY_MS}, got ${options.batchDelayMs}`);
    }
    this.now = options.now ?? Date.now;
    this.jobs = options.jobs ?? JobScheduler.detached();
  }

  isListed(ticker: string): boolean {
    return this.symbols.has(ticker);
  }

  listed(): string[] {
    return [...this.symbols.keys()];
  }

  lastTradeMs(ticker: string): number | undefined {
    return this.symbols.get(ticker)?.lastTradeMs;
  }

  /** A symbol enters /symbol_info: its messages start now. `lastTradeMs` (known from before a restart) anchors the 24 h rhythm. */
  list(ticker: string, known: { lastTradeMs?: number } = {}): void {
    if (this.symbols.has(ticker) || this.stopped) return;
    this.book.track(ticker);
    this.symbols.set(ticker, { listedAtMs: this.now(), lastTradeMs: known.lastTradeMs });
    this.markDue(ticker);
  }

  /** A symbol leaves /symbol_info: one tombstone now, then nothing more for it. */
  delist(ticker: string): void {
    const schedule = this.symbols.get(ticker);
    if (!schedule) return;
    this.clearTimers(schedule);
    this.symbols.delete(ticker);
    this.book.untrack(ticker);
    this.sink.publish({ key: ticker, value: null, sentAtMs: this.now() });
  }

  /** A swap of `ticker` was added to (or taken back from) its windows; `tradeTimeMs` is its block time. */
  onTrade(ticker: string, tradeTimeMs?: number): void {
    const schedule = this.symbols.get(ticker);
    if (!schedule) return;
    if (tradeTimeMs !== undefined && (schedule.lastTradeMs === undefined || tradeTimeMs > schedule.lastTradeMs)) {
      schedule.lastTradeMs = tradeTimeMs;
      this.options.onLastTrade?.(ticker, tradeTimeMs);
    }
    this.markDue(ticker);
  }

  /** Sends every pending message now (shutdown) and stops all timers. */
  stop(flushPending = true): void {
    for (const [ticker, schedule] of this.symbols) {
      if (flushPending && schedule.dueSinceMs !== undefined) this.flush(ticker);
      this.clearTimers(schedule);
    }
    this.stopped = true;
  }

  private markDue(ticker: string): void {
    const schedule = this.symbols.get(ticker);
    if (!schedule || this.stopped || schedule.dueSinceMs !== undefined) return;
    schedule.dueSinceMs = this.now();
    schedule.flushTimer = this.jobs.after(`dex.flush:${ticker}`, this.options.batchDelayMs, () => this.flush(ticker));
  }

  private flush(ticker: string): void {
    const schedule = this.symbols.get(ticker);
    if (!schedule) return;
    schedule.flushTimer?.stop();
    schedule.flushTimer = undefined;
    schedule.dueSinceMs = undefined;
    const now = this.now();
    const value = this.book.valueAt(ticker, now);
    if (value) {
      const problems = findInvariantViolations(value);
      if (problems.length === 0) this.sink.publish({ key: ticker, value, sentAtMs: now });
      else this.options.onInvariantViolation?.(ticker, problems);
    }
    this.scheduleChange(ticker, schedule, now);
    this.scheduleHeartbeat(ticker, schedule, now);
  }

  /** The next moment a swap leaves one of the windows: a follow-up with the adjusted metrics is due then. */
  private scheduleChange(ticker: string, schedule: SymbolSchedule, now: number): void {
    schedule.changeTimer?.stop();
    schedule.changeTimer = undefined;
    const next = this.book.nextChangeMs(ticker);
    if (next === undefined) return;
    schedule.changeTimer = this.jobs.after(`dex.follow-up:${ticker}`, Math.max(0, next - now), () => this.markDue(ticker));
  }

  /** Every 24 h from the last swap (or from listing, before any swap): refreshed quasi-static figures. */
  private scheduleHeartbeat(ticker: string, schedule: SymbolSchedule, now: number): void {
    schedule.heartbeatTimer?.stop();
    const anchor = schedule.lastTradeMs ?? schedule.listedAtMs;
    const periods = Math.max(1, Math.floor((now - anchor) / HEARTBEAT_MS) + 1);
    const next = anchor + periods * HEARTBEAT_MS;
    schedule.heartbeatTimer = this.jobs.after(`dex.heartbeat:${ticker}`, next - now, () => {
      schedule.heartbeatTimer = undefined;
      this.options.refreshQuasiStatic?.(ticker);
      this.markDue(ticker);
    });
  }

  private clearTimers(schedule: SymbolSchedule): void {
    for (const timer of [schedule.flushTimer, schedule.changeTimer, schedule.heartbeatTimer]) timer?.stop();
    schedule.flushTimer = schedule.changeTimer = schedule.heartbeatTimer = undefined;
    schedule.dueSinceMs = undefined;
  }
}
