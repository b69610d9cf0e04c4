/**
 * The one place in the service that arms timers (a test, `no-raw-timers.spec.ts`, keeps it so). What each kind of
 * timer became:
 * - Repeating work (sweepers, heartbeats, catch-up pokes, lease renewals, flushes, polls): a named interval in
 *   @nestjs/schedule's SchedulerRegistry through `JobScheduler.every`. Named `<feature>.<job>` (one per process) or
 *   `<feature>.<job>:<instance>` (one per chain, venue, ticker...); the part before `:` is the metric label.
 * - Self-rescheduling loops and one-shot follow-ups (next poll after the last one finished, retry after a backoff,
 *   a debounce, a flush after a batch delay): a named registry timeout through `JobScheduler.after`; it leaves the
 *   registry when it fires or is stopped.
 * - Every job run is guarded (a run never starts while the previous run of the same job is going: counted as
 *   `skipped`), its failure is caught and logged at most once a minute per job, and it is counted in
 *   `scheduled_job_runs_total{job,outcome}` and timed in `scheduled_job_duration_seconds{job}`.
 * - Awaited waits and cancellation deadlines (a store that must answer within N ms, a drain that may take up to N ms,
 *   a pause between retries): `delay`, `withDeadline` and `waitAtMost` from `./deadlines`. They are not jobs (nothing
 *   repeats, nothing is left to stop once the await returns), so they stay out of the registry and the metrics.
 * - Per-socket timers: none. Sockets are swept by one shared job per concern (heartbeat, send-buffer sweeper).
 * Timers are armed with the global `setInterval`/`setTimeout`, so Jest's fake timers drive them like before.
 */
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { MetricsService, OncePerWindow } from '@app/observability';

export interface JobOptions {
  /** keep the process alive while armed (default false: a scheduled job never holds a process open) */
  ref?: boolean;
}

/** A handle on one armed job: `stop()` disarms it (idempotent; a run in progress finishes). */
export interface ScheduledJob {
  readonly name: string;
  stop(): void;
}

type Run = () => unknown;
type Outcome = 'ok' | 'error' | 'skipped';

@Injectable()
export class JobScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly failureLog = new OncePerWindow(60_000, 1_000);
  private readonly running = new Set<string>();

  constructor(
    @Optional() private readonly registry: SchedulerRegistry = new SchedulerRegistry(),
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** For plain classes built outside Nest (unit tests, the standalone simulator): a scheduler with its own registry. */
  static detached(): JobScheduler {
    return new JobScheduler(new SchedulerRegistry());
  }

  /** Runs `run` every `periodMs` (first run after one period, as `setInterval`); a second job of the same name throws. */
  every(name: string, periodMs: number, run: Run, options: JobOptions = {}): ScheduledJob {
    const timer = setInterval(() => this.execute(name, run), periodMs);
    if (!options.ref) timer.unref();
    this.registry.addInterval(name, timer);
    return { name, stop: () => this.stopInterval(name, timer) };
  }

  /** Runs `run` once after `delayMs`, replacing a pending run of the same name. */
  after(name: string, delayMs: number, run: Run, options: JobOptions = {}): ScheduledJob {
    this.release(name);
    const timer = setTimeout(() => {
      if (this.registry.doesExist('timeout', name) && this.registry.getTimeout(name) === timer) this.registry.deleteTimeout(name);
      this.execute(name, run);
    }, Math.max(0, delayMs));
    if (!options.ref) timer.unref();
    this.registry.addTimeout(name, timer);
    return { name, stop: () => this.stopTimeout(name, timer) };
  }

  /** Disarms the job of that name, if armed. */
  stop(name: string): void {
    this.release(name);
  }

  has(name: string): boolean {
    return this.registry.doesExist('interval', name) || this.registry.doesExist('timeout', name);
  }

  /** Names of the armed jobs (for /metrics-side listings and tests). */
  names(): string[] {
    return [...this.registry.getIntervals(), ...this.registry.getTimeouts()].sort();
  }

  /**
   * Backstop: owners stop their jobs in their own shutdown hooks (before their stores close); whatever is left is
   * disarmed here, after the HTTP server closed (ScheduleModule's own clearing runs in beforeApplicationShutdown).
   */
  onApplicationShutdown(): void {
    for (const name of this.names()) this.release(name);
  }

  /**
   * One run: synchronous runs finish within the timer's callback (as a raw timer's would, which Jest's fake timers
   * rely on); a run that returns a promise holds the job until it settles.
   */
  private execute(name: string, run: Run): void {
    const job = name.split(':', 1)[0];
    if (this.running.has(name)) return this.record(job, 'skipped');
    const started = performance.now();
    let result: unknown;
    try {
      result = run();
    } catch (error) {
      return this.failed(name, job, started, error);
    }
    if (!isPromiseLike(result)) return this.record(job, 'ok', started);
    this.running.add(name);
    result.then(
      () => {
        this.running.delete(name);
        this.record(job, 'ok', started);
      },
      (error: unknown) => {
        this.running.delete(name);
        this.failed(name, job, started, error);
      },
    );
  }

  private failed(name: string, job: string, started: number, error: unknown): void {
    this.record(job, 'error', started);
    const suppressed = this.failureLog.take(job);
    if (suppressed === undefined) return;
    const repeats = suppressed > 0 ? ` (${suppressed} more failure(s) of this job in the last minute)` : '';
    this.logger.warn(`scheduled job ${name} failed: ${error instanceof Error ? error.message : String(error)}${repeats}`);
  }

  private record(job: string, outcome: Outcome, started?: number): void {
    if (!this.metrics) return;
    this.metrics.scheduledJobRuns.inc({ job, outcome });
    if (started !== undefined) this.metrics.scheduledJobDuration.observe({ job }, (performance.now() - started) / 1000);
  }

  private release(name: string): void {
    if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
  }

  private stopInterval(name: string, timer: NodeJS.Timeout): void {
    if (this.registry.doesExist('interval', name) && this.registry.getInterval(name) === timer) this.registry.deleteInterval(name);
    else clearInterval(timer);
  }

  private stopTimeout(name: string, timer: NodeJS.Timeout): void {
    if (this.registry.doesExist('timeout', name) && this.registry.getTimeout(name) === timer) this.registry.deleteTimeout(name);
    else clearTimeout(timer);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
