import { FencedOutError, type LeadershipTerm } from '@app/cluster';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import type { SpreadEvent } from '../domain/spread-event';
import type { SpreadHistoryStore } from './history-store';

export interface HistoryWriterOptions {
  /** where the flush (`spreads.history-flush`) is armed; a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  flushMs: number;
  /** rows per insert statement */
  batchSize: number;
  /** beyond this many pending events the oldest are dropped (the database is down for long) */
  maxPending: number;
  /**
   * ceiling of the exponential back-off between failed batches (default 5 s). Events reach live clients only once
   * written, so a database that is back waits at most this long for the first retry (it was 30 s: half a minute of
   * silent live streams after a short Postgres restart).
   */
  maxRetryDelayMs?: number;
  onError?: (error: unknown) => void;
  onDropped?: (count: number) => void;
  /** after each written batch: the events and their row ids, in order (what the live stream carries) */
  onWritten?: (events: readonly SpreadEvent[], ids: readonly number[]) => void;
  /** a write was refused by the fence: a newer leader owns the history; the pending events were dropped */
  onFencedOut?: (error: FencedOutError, dropped: number) => void;
}

export const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;

/**
 * Batches events into the history table off the detection path: `enqueue` never waits. A failed batch stays
 * queued and is retried (duplicates are ignored by event id); `drain` writes everything still pending
 * (graceful shutdown). While it writes for a leadership term (`lead`), every batch is fenced
 * (`insertFenced`); a refused batch means a newer leader owns the history: the queue is dropped (that leader
 * resumed from what was written) and the writer stops until the next `lead`.
 */
export class HistoryWriter {
  private pending: SpreadEvent[] = [];
  private term?: Pick<LeadershipTerm, 'role' | 'token'>;
  private fencedOut = false;
  private timer?: ScheduledJob;
  private readonly jobs: JobScheduler;
  private flushing?: Promise<void>;
  private failures = 0;
  written = 0;

  constructor(
    private readonly store: SpreadHistoryStore,
    private readonly options: HistoryWriterOptions,
  ) {
    this.jobs = options.jobs ?? JobScheduler.detached();
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Writes as the leader of `term` from now on (a fresh queue). */
  lead(term: Pick<LeadershipTerm, 'role' | 'token'>): void {
    this.term = term;
    this.fencedOut = false;
  }

  enqueue(event: SpreadEvent): void {
    if (this.fencedOut) return;
    this.pending.push(event);
    if (this.pending.length > this.options.maxPending) {
      const dropped = this.pending.length - this.options.maxPending;
      this.pending.splice(0, dropped);
      this.options.onDropped?.(dropped);
    }
    this.schedule();
  }

  /** Writes until nothing is pending (retrying failed batches up to `attempts` times). */
  async drain(attempts = 5): Promise<void> {
    this.timer?.stop();
    this.timer = undefined;
    for (let attempt = 0; this.pending.length > 0 || this.flushing; ) {
      await this.flush();
      if (this.failures > 0 && ++attempt >= attempts) throw new Error(`spread history: ${this.pending.length} event(s) could not be written`);
    }
  }

  private schedule(): void {
    if (this.timer || this.flushing) return;
    const ceiling = Math.max(this.options.flushMs, this.options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS);
    const delay = this.failures === 0 ? this.options.flushMs : Math.min(this.options.flushMs * 2 ** Math.min(this.failures, 30), ceiling);
    this.timer = this.jobs.after('spreads.history-flush', delay, () => {
      this.timer = undefined;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.options.batchSize);
      let ids: number[];
      try {
        ids = this.term ? await this.store.insertFenced(this.term, batch) : await this.store.insert(batch);
        this.failures = 0;
      } catch (error) {
        if (error instanceof FencedOutError) {
          const dropped = this.pending.length;
          this.pending = [];
          this.failures = 0;
          this.fencedOut = true;
          this.options.onFencedOut?.(error, dropped);
          return;
        }
        this.failures++;
        this.options.onError?.(error);
        return;
      }
      // drop the written prefix by identity: `enqueue` may have trimmed the queue while we were waiting
      const written = new Set(batch);
      let count = 0;
      while (count < this.pending.length && written.has(this.pending[count])) count++;
      this.pending.splice(0, count);
      this.written += batch.length;
      this.options.onWritten?.(batch, ids);
    }
  }
}
