import { SchedulerRegistry } from '@nestjs/schedule';
import { MetricsService } from '@app/observability';
import { JobScheduler } from './job-scheduler';
import { delay, waitAtMost, withDeadline } from './deadlines';

describe('JobScheduler', () => {
  let registry: SchedulerRegistry;
  let metrics: MetricsService;
  let jobs: JobScheduler;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = new SchedulerRegistry();
    metrics = new MetricsService();
    jobs = new JobScheduler(registry, metrics);
  });
  afterEach(() => {
    jobs.onApplicationShutdown();
    jest.useRealTimers();
  });

  const runs = async (job: string, outcome: string) => (await metrics.scheduledJobRuns.get()).values.find((v) => v.labels.job === job && v.labels.outcome === outcome)?.value ?? 0;

  it('runs an interval job every period, first after one period, listed in the registry by name', () => {
    const run = jest.fn();
    jobs.every('spreads.sweeper', 1_000, run);
    expect(registry.getIntervals()).toEqual(['spreads.sweeper']);
    jest.advanceTimersByTime(999);
    expect(run).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2_001);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('refuses a second interval of the same name', () => {
    jobs.every('a.job', 1_000, () => undefined);
    expect(() => jobs.every('a.job', 1_000, () => undefined)).toThrow();
  });

  it('skips a run while the previous run of the job is still going, and counts it', async () => {
    let finish!: () => void;
    const run = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    jobs.every('dex.state-refresh:ethereum', 100, run);
    jest.advanceTimersByTime(300);
    expect(run).toHaveBeenCalledTimes(1);
    expect(await runs('dex.state-refresh', 'skipped')).toBe(2);
    finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(100);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('catches a failing run, counts it, and keeps the job going', async () => {
    const run = jest.fn(() => {
      throw new Error('boom');
    });
    jobs.every('capital-flow.ingest', 100, run);
    jest.advanceTimersByTime(300);
    await Promise.resolve();
    expect(run).toHaveBeenCalledTimes(3);
    expect(await runs('capital-flow.ingest', 'error')).toBe(3);
  });

  it('runs a one-shot job once, then forgets it; a new one of the same name replaces the pending one', () => {
    const first = jest.fn();
    const second = jest.fn();
    jobs.after('dex.flush:ETH', 500, first);
    jobs.after('dex.flush:ETH', 500, second);
    expect(registry.getTimeouts()).toEqual(['dex.flush:ETH']);
    jest.advanceTimersByTime(500);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    expect(jobs.names()).toEqual([]);
  });

  it('stops a job through its handle without touching a newer job of the same name', () => {
    const old = jest.fn();
    const newer = jest.fn();
    const handle = jobs.after('spreads.history-flush', 100, old);
    jest.advanceTimersByTime(100);
    jobs.after('spreads.history-flush', 100, newer);
    handle.stop();
    jest.advanceTimersByTime(100);
    expect(newer).toHaveBeenCalledTimes(1);
  });

  it('disarms everything left at application shutdown', () => {
    const run = jest.fn();
    jobs.every('a', 100, run);
    jobs.after('b', 100, run);
    jobs.onApplicationShutdown();
    jest.advanceTimersByTime(1_000);
    expect(run).not.toHaveBeenCalled();
    expect(jobs.names()).toEqual([]);
  });
});

describe('deadlines', () => {
  it('withDeadline rejects with the given error when the work is late, and passes the result when it is not', async () => {
    await expect(withDeadline(new Promise(() => undefined), 10, () => new Error('late'))).rejects.toThrow('late');
    await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
  });

  it('waitAtMost says whether the work settled in time', async () => {
    await expect(waitAtMost(new Promise(() => undefined), 10)).resolves.toBe(false);
    await expect(waitAtMost(Promise.reject(new Error('x')), 1_000)).resolves.toBe(true);
  });

  it('delay ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = delay(10_000, { signal: controller.signal });
    controller.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
