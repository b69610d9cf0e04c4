/**
 * The part both benchmark servers share: answers the orchestrator's IPC commands and runs ticks on a
 * fixed schedule, measuring the server's own CPU and event-loop use while it does.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import type { MemorySample, RunReport, ServerCommand } from './protocol';

export interface BenchServer {
  port: number;
  connections(): number;
  /** one tick: publish a new frame to every client */
  tick(): void | Promise<void>;
  /** frames written and skipped so far, and (gateway) ms spent rendering views (monotonic counters) */
  counters(): Promise<{ sent: number; skipped: number; renderMs?: number }>;
  onFrames?(frames: Buffer[]): void;
  /** CPU ms per tick of the tick's work without the sends (gateway only) */
  probe?(ticks: number): number;
  close(): Promise<void>;
}

const gc = (globalThis as { gc?: () => void }).gc;

function memory(server: BenchServer): MemorySample {
  if (!gc) throw new Error('run the server with --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, connections: server.connections() };
}

/** GC pauses of the main thread so far, ms (entries arrive after the pause, on a later turn: read after the run's sleep) */
let gcPauseMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tick k is due at start + k / hz. A server that falls behind runs the late ticks back to back (it
 * never skips one), so its achieved rate shows how far it is from the offered one.
 */
async function run(server: BenchServer, hz: number, durationMs: number): Promise<RunReport> {
  const period = 1000 / hz;
  const ticks = Math.max(1, Math.round((durationMs / 1000) * hz));
  const before = await server.counters();
  const cpuBefore = process.cpuUsage();
  const gcBefore = gcPauseMs;
  const faultsBefore = process.resourceUsage().minorPageFault;
  const eluBefore = performance.eventLoopUtilization();
  const start = performance.now();
  let busy = 0;
  let maxTick = 0;
  for (let k = 0; k < ticks; k++) {
    const wait = start + k * period - performance.now();
    if (wait > 0) await sleep(wait);
    else await new Promise(setImmediate); // let socket writes and timers run between late ticks
    const tickStart = performance.now();
    await server.tick();
    const took = performance.now() - tickStart;
    busy += took;
    maxTick = Math.max(maxTick, took);
  }
  // on schedule, the run lasts ticks x period; a server that fell behind took longer
  const elapsedMs = Math.max(ticks * period, performance.now() - start);
  await sleep(Math.max(0, start + ticks * period - performance.now()));
  const cpu = process.cpuUsage(cpuBefore);
  const after = await server.counters();
  return {
    ticks,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuSystemMs: cpu.system / 1000,
    tickMs: { mean: busy / ticks, max: maxTick },
    gcMs: gcPauseMs - gcBefore,
    minorFaults: process.resourceUsage().minorPageFault - faultsBefore,
    eventLoopUtilization: performance.eventLoopUtilization(eluBefore).utilization,
    framesSent: after.sent - before.sent,
    framesSkipped: after.skipped - before.skipped,
    renderMs: (after.renderMs ?? 0) - (before.renderMs ?? 0),
    rssAfter: process.memoryUsage().rss,
  };
}

/**
 * With `FANOUT_PROFILE_RUNS=<dir>`, a CPU profile of each run alone (`<dir>/<pid>-<hz>hz-<n>.cpuprofile`): start-up
 * and connection set-up, which `FANOUT_PROFILE` includes, stay out of it. `FANOUT_PROFILE_INTERVAL_US` sets the sampling
 * interval.
 */
let profiledRuns = 0;
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.FANOUT_PROFILE_RUNS;
  if (!dir) return work();
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // FANOUT_PROFILE_INTERVAL_US: V8's sampling interval (default 1000 µs, too coarse for a few µs per frame)
  const interval = Number(process.env.FANOUT_PROFILE_INTERVAL_US);
  if (interval > 0) await session.post('Profiler.setSamplingInterval', { interval });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${dir}/${process.env.FANOUT_SERVER_KIND ?? process.pid}-${name}-${++profiledRuns}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/** Reports `{ type: 'ready', port }`, then answers commands until `exit`. */
export function serveCommands(server: BenchServer): void {
  const reply = (message: object) => process.send!(message);
  process.on('message', (command: ServerCommand) => {
    void (async () => {
      switch (command.type) {
        case 'memory':
          return reply({ type: 'memory', sample: memory(server) });
        case 'frames':
          server.onFrames?.(command.frames.map((frame) => Buffer.from(frame, 'base64')));
          return reply({ type: 'frames' });
        case 'probe':
          return reply({ type: 'probe', cpuMsPerTick: server.probe?.(command.ticks) ?? NaN });
        case 'run':
          return reply({ type: 'run', report: await profiled(`${command.hz}hz`, () => run(server, command.hz, command.durationMs)) });
        case 'exit':
          await server.close();
          process.exit(0);
      }
    })().catch((error: Error) => reply({ type: 'error', message: error.stack ?? error.message }));
  });
  process.on('disconnect', () => process.exit(0)); // the orchestrator is gone
  reply({ type: 'ready', port: server.port });
}
