/**
 * Fan-out benchmark: 5,000 real ws clients in 50 filter groups on one stream, served by the gateway's
 * realtime stack and, side by side in the same run, by a bare `ws` server sending the same bytes to
 * the same clients. Reports RSS per idle connection, server CPU per frame, then a ladder of tick rates
 * (both servers twice per rate, ABBA): delivered frames/s, latency percentiles, skipped frames, CPU.
 *
 *   npm run bench:fanout      (~1.5-3 min)
 *   knobs: FANOUT_CLIENTS, FANOUT_RATES, FANOUT_STEP_MS, FANOUT_REPEATS, FANOUT_WORKERS, FANOUT_PIN=none, FANOUT_PROFILE=<dir>,
 *   FANOUT_GATEWAY_FLAGS / FANOUT_BARE_FLAGS (node flags of one server, e.g. --trace-gc)
 *
 * See bench/README.md for the method and the figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Child, canPin, forkModule, pin } from './ipc';
import type { MemorySample, RunReport, ServerKind, WorkerReport } from './protocol';
import { CLIENTS, GROUPS, MULTIPLEX_PATH, MULTIPLEX_STREAM, SCENARIO, STREAM_PATH, filterSets } from './scenario';
import { latencySummary, type LatencySummary } from './stats';

const WORKERS = Number(process.env.FANOUT_WORKERS ?? 2);
const STEP_MS = Number(process.env.FANOUT_STEP_MS ?? 2_500);
const RATES = (process.env.FANOUT_RATES ?? '1,2,4,6,8,10,12,14,16').split(',').map(Number);
// four runs per server and rate: with two, the same code's capacity ratio moved by up to ±0.09 from one ladder to the next
const REPEATS = Number(process.env.FANOUT_REPEATS ?? 4);
/** a run has at least this many ticks: one disturbed tick shifts 5,000 latency samples, so few ticks make a noisy p99 */
const MIN_TICKS = 6;
/** FANOUT_PIN=split (default when taskset exists): servers on CPU 0, clients and this process on CPU 1; none: the OS places them */
const PINNED = canPin && process.env.FANOUT_PIN !== 'none';
const SERVER_CPU = PINNED ? 0 : undefined;
const CLIENT_CPU = PINNED ? 1 : undefined;
const P99_LIMIT_MS = 250;
const KiB = 1024;
/** other work on the machine skews wall-clock figures: recorded with the results */
const LOAD_AT_START = loadavg();

interface Step {
  server: ServerKind;
  hz: number;
  achievedHz: number;
  offeredFrames: number;
  deliveredFrames: number;
  deliveredRatio: number;
  framesPerSecond: number;
  latencyMs: LatencySummary;
  gaps: number;
  invalid: number;
  serverSkipped: number;
  serverFramesSent: number;
  serverCpuUsPerFrame: number;
  /** the kernel's part of serverCpuUsPerFrame */
  serverSystemCpuUsPerFrame: number;
  /** main-thread GC pauses per frame written, µs */
  serverGcUsPerFrame: number;
  /** minor page faults per 1,000 frames written */
  serverFaultsPerKFrame: number;
  /** gateway: rendering and serialising the views (the hub's own measure, in the running server) per frame written, µs */
  serverRenderUsPerFrame: number;
  avgFrameBytes: number;
  serverCpuMsPerTick: number;
  serverCpuShare: number;
  tickMs: RunReport['tickMs'];
  clientCpuShare: number;
  /** server CPU time / wall time inside its ticks: well under 1 means other processes took the CPU from it */
  serverCpuWhileTicking: number;
  sustained: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const all = <T>(children: Child[], make: (child: Child, index: number) => Promise<T>) => Promise.all(children.map(make));

async function main(): Promise<void> {
  const started = Date.now();
  if (CLIENT_CPU !== undefined) pin(process.pid, CLIENT_CPU);
  log(`load average ${LOAD_AT_START.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  log(`scenario: ${SCENARIO === 'stream' ? `/v1/stream (one subscription to ${MULTIPLEX_STREAM} per socket)` : `the stream's own path (${STREAM_PATH})`}`);
  log(`fan-out: ${CLIENTS} clients, ${GROUPS} filter groups, ${WORKERS} client processes; ${PINNED ? `servers on CPU ${SERVER_CPU}, clients on CPU ${CLIENT_CPU}` : 'not pinned to CPUs'}`);

  // FANOUT_GATEWAY_FLAGS / FANOUT_BARE_FLAGS: node flags of one server (e.g. --trace-gc)
  const flags = (name: string) => (process.env[name] ?? '').split(' ').filter(Boolean);
  // FANOUT_PROFILE=<dir>: CPU profiles of both servers (written when they exit)
  const profile = (name: string) => (process.env.FANOUT_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FANOUT_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const servers = {
    gateway: forkModule('gateway', 'gateway-server.ts', SERVER_CPU, [...profile('gateway'), ...flags('FANOUT_GATEWAY_FLAGS')]),
    bare: forkModule('bare', 'bare-server.ts', SERVER_CPU, [...profile('bare'), ...flags('FANOUT_BARE_FLAGS')]),
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => forkModule(`clients-${w}`, 'client-worker.ts', CLIENT_CPU));
  const children = [servers.gateway, servers.bare, ...workers];
  process.on('exit', () => children.forEach((child) => child.process.kill('SIGKILL')));

  const [gatewayReady, bareReady] = await Promise.all([servers.gateway.next('ready'), servers.bare.next('ready'), ...workers.map((w) => w.next('ready'))]);
  const sets = filterSets();
  const urls: Record<ServerKind, string[]> = {
    gateway: sets.map((set) =>
      SCENARIO === 'stream' ? `ws://127.0.0.1:${gatewayReady.port}${MULTIPLEX_PATH}` : `ws://127.0.0.1:${gatewayReady.port}${STREAM_PATH}?${new URLSearchParams(set)}`,
    ),
    bare: sets.map((_, g) => `ws://127.0.0.1:${bareReady.port}/?g=${g}`),
  };
  // the /v1/stream scenario: the same filter sets as params of one subscription per client
  const subscribe = (server: ServerKind) => (server === 'gateway' && SCENARIO === 'stream' ? { stream: MULTIPLEX_STREAM, params: sets } : undefined);
  // contiguous blocks, so every worker holds clients of every group
  const blocks = workers.map((_, w) => range(Math.floor((w * CLIENTS) / WORKERS), Math.floor(((w + 1) * CLIENTS) / WORKERS)));
  let unexpectedCloses = 0;
  for (const worker of workers) worker.process.on('message', (m: { type: string }) => m.type === 'closed' && unexpectedCloses++);

  // --- memory per idle connection: RSS after GC with one client per group, then with all of them
  const memory: Record<string, { before: MemorySample; warm: MemorySample; loaded: MemorySample; rssPerConnKiB: number; heapPerConnKiB: number; connectMs: number }> = {};
  for (const server of ['gateway', 'bare'] as const) {
    const child = servers[server];
    const before = await child.request<{ sample: MemorySample }>({ type: 'memory' });
    await workers[0].request({ type: 'connect', server, urls: urls[server], clients: blocks[0].slice(0, GROUPS), subscribe: subscribe(server) }, 'connected');
    await sleep(500);
    const warm = await child.request<{ sample: MemorySample }>({ type: 'memory' });
    const connectStart = Date.now();
    await all(workers, (worker, w) =>
      worker.request({ type: 'connect', server, urls: urls[server], clients: w === 0 ? blocks[0].slice(GROUPS) : blocks[w], subscribe: subscribe(server) }, 'connected'),
    );
    const connectMs = Date.now() - connectStart;
    await sleep(1_000);
    const loaded = await child.request<{ sample: MemorySample }>({ type: 'memory' });
    const added = loaded.sample.connections - warm.sample.connections;
    memory[server] = {
      before: before.sample,
      warm: warm.sample,
      loaded: loaded.sample,
      rssPerConnKiB: (loaded.sample.rss - warm.sample.rss) / added / KiB,
      heapPerConnKiB: (loaded.sample.heapUsed - warm.sample.heapUsed) / added / KiB,
      connectMs,
    };
    log(`${server}: ${loaded.sample.connections} connections in ${connectMs} ms; RSS ${mib(warm.sample.rss)} -> ${mib(loaded.sample.rss)} = ${memory[server].rssPerConnKiB.toFixed(1)} KiB/conn (heap ${memory[server].heapPerConnKiB.toFixed(1)} KiB/conn)`);
    if (loaded.sample.connections !== CLIENTS) throw new Error(`${server} holds ${loaded.sample.connections} connections, expected ${CLIENTS}`);
  }

  // --- warm-up (JIT, socket buffers) and the gateway's frames for the bare server to replay
  await step(servers.gateway, workers, 'gateway', 2, 2_000);
  const captured = await all(workers, (worker) => worker.request<{ frames: Record<string, string> }>({ type: 'capture' }));
  const frames = sets.map((_, g) => captured.map((c) => c.frames[g]).find(Boolean));
  if (frames.some((frame) => !frame)) throw new Error('some group received no gateway frame');
  await servers.bare.request({ type: 'frames', frames });
  await step(servers.bare, workers, 'bare', 2, 2_000);
  const { cpuMsPerTick: renderCpuMsPerTick } = await servers.gateway.request<{ cpuMsPerTick: number }>({ type: 'probe', ticks: 20 });
  log(`gateway load + render + serialise of the ${GROUPS} views, without sending: ${fmt(renderCpuMsPerTick, 1)} ms CPU per tick (${fmt((renderCpuMsPerTick * 1000) / CLIENTS, 1)} us per frame)`);

  // --- the ladder: at each rate both servers REPEATS times, in ABBA order (ABBA ABBA) against drift in the machine's load;
  // a rate passes for a server if any of its runs sustained it; a server leaves after two failed rates
  const steps: Step[] = [];
  const failures: Record<ServerKind, number> = { gateway: 0, bare: 0 };
  log(header());
  for (const [index, hz] of RATES.entries()) {
    const pair: ServerKind[] = index % 2 ? ['bare', 'gateway'] : ['gateway', 'bare'];
    const order = Array.from({ length: REPEATS }, (_, r) => (r % 2 ? [...pair].reverse() : pair)).flat();
    const passed: Record<ServerKind, boolean> = { gateway: false, bare: false };
    for (const server of order) {
      if (failures[server] >= 2) continue;
      const result = await step(servers[server], workers, server, hz, Math.max(STEP_MS, (MIN_TICKS * 1000) / hz));
      steps.push(result);
      passed[server] ||= result.sustained;
      log(row(result));
    }
    for (const server of ['gateway', 'bare'] as const) if (failures[server] < 2) failures[server] = passed[server] ? 0 : failures[server] + 1;
    if (failures.gateway >= 2 && failures.bare >= 2) break;
  }

  if (unexpectedCloses > 0) throw new Error(`${unexpectedCloses} client connections were closed during the run`);
  const summary = summarise(steps, memory);
  printSummary(summary);
  const file = writeResults({ memory, renderCpuMsPerTick, steps, summary: compact(summary), runSeconds: (Date.now() - started) / 1000 });
  log(`results: ${file}`);
  // clients first, so no client sees its server go
  await Promise.all(workers.map((child) => child.stop()));
  await Promise.all(Object.values(servers).map((child) => child.stop()));
}

/** One measured run of one server at one rate, counted on the clients after their frames stop arriving. */
async function step(server: Child, workers: Child[], kind: ServerKind, hz: number, durationMs: number): Promise<Step> {
  await all(workers, (worker) => worker.request({ type: 'reset' }));
  const { report } = await server.request<{ report: RunReport }>({ type: 'run', hz, durationMs }, 'run', durationMs * 20 + 30_000);
  let reports = await all(workers, (worker) => worker.request<{ report: WorkerReport }>({ type: 'report' }));
  for (let waited = 0, stable = 0; stable < 2 && waited < 3_000; waited += 150) {
    await sleep(150);
    const next = await all(workers, (worker) => worker.request<{ report: WorkerReport }>({ type: 'report' }));
    stable = sum(next, (r) => r.report.frames) === sum(reports, (r) => r.report.frames) ? stable + 1 : 0;
    reports = next;
  }
  const clientReports = reports.map((r) => r.report);
  const delivered = sum(clientReports, (r) => r.frames);
  const offered = report.ticks * CLIENTS;
  const latency = latencySummary(clientReports);
  const seconds = report.elapsedMs / 1000;
  const achievedHz = report.ticks / seconds;
  const invalid = sum(clientReports, (r) => r.invalid);
  if (invalid > 0) throw new Error(`${kind} at ${hz} Hz: ${invalid} invalid frames`);
  return {
    server: kind,
    hz,
    achievedHz,
    offeredFrames: offered,
    deliveredFrames: delivered,
    deliveredRatio: delivered / offered,
    framesPerSecond: delivered / seconds,
    latencyMs: latency,
    gaps: sum(clientReports, (r) => r.gaps),
    invalid,
    serverSkipped: report.framesSkipped,
    serverFramesSent: report.framesSent,
    serverCpuUsPerFrame: (report.cpuMs * 1000) / report.framesSent,
    serverSystemCpuUsPerFrame: (report.cpuSystemMs * 1000) / report.framesSent,
    serverGcUsPerFrame: (report.gcMs * 1000) / report.framesSent,
    serverFaultsPerKFrame: (report.minorFaults * 1000) / report.framesSent,
    serverRenderUsPerFrame: (report.renderMs * 1000) / report.framesSent,
    avgFrameBytes: delivered ? sum(clientReports, (r) => r.bytes) / delivered : 0,
    serverCpuMsPerTick: report.cpuMs / report.ticks,
    serverCpuShare: report.cpuMs / report.elapsedMs,
    tickMs: report.tickMs,
    clientCpuShare: sum(clientReports, (r) => r.cpuMs) / Math.max(...clientReports.map((r) => r.sinceMs)),
    serverCpuWhileTicking: report.cpuMs / (report.tickMs.mean * report.ticks),
    sustained: achievedHz >= 0.95 * hz && delivered / offered >= 0.999 && latency.p99 < P99_LIMIT_MS,
  };
}

interface RatePair {
  hz: number;
  gateway: Step;
  bare: Step;
  /** gateway p99 / bare p99, best runs */
  p99Ratio: number;
}

interface Summary {
  /** per server: its best run at the highest rate it sustained */
  maxSustained: Record<ServerKind, Step | undefined>;
  /** gateway / bare frames per second at their max sustained rates (NaN unless both sustained a rate) */
  throughputRatio: number;
  /** server CPU per frame written, median over all runs: the capacity of each side once the server CPU is the limit */
  cpuUsPerFrame: Record<ServerKind, number>;
  /** the kernel's part of it (median over all runs) */
  systemCpuUsPerFrame: Record<ServerKind, number>;
  gcUsPerFrame: Record<ServerKind, number>;
  faultsPerKFrame: Record<ServerKind, number>;
  renderUsPerFrame: number;
  /** bare CPU per frame / gateway CPU per frame: frames per CPU-second of the gateway relative to bare */
  cpuCapacityRatio: number;
  /** the median of bare / gateway CPU per frame over the adjacent runs of the two servers at one rate (AB or BA) */
  pairedCapacityRatio: number;
  pairedRuns: number;
  /** client CPU (share of one core) in bare's best run at its max rate: near 1 means the clients were the limit */
  clientCpuAtBareMax: number;
  /** median over all runs of the server's CPU share while ticking; well under 1: a contended machine */
  serverCpuWhileTicking: number;
  contended: boolean;
  clientBound: boolean;
  /** best run of each side at each rate both ran */
  pairs: RatePair[];
  memory: Record<ServerKind, { rssKiB: number; heapKiB: number }>;
  targets: { throughput: { ratio: number; basis: string; pass: boolean }; capacity: { ratio: number; pass: boolean }; p99: { ms: number; hz: number; pass: boolean }; memory: { pass: boolean } };
}

function bestRun(steps: Step[], server: ServerKind, hz: number): Step | undefined {
  return steps
    .filter((s) => s.server === server && s.hz === hz)
    .sort((a, b) => Number(b.sustained) - Number(a.sustained) || a.latencyMs.p99 - b.latencyMs.p99)[0];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarise(steps: Step[], memory: Record<string, { rssPerConnKiB: number; heapPerConnKiB: number }>): Summary {
  const rates = [...new Set(steps.map((s) => s.hz))].sort((a, b) => a - b);
  const maxSustained = (server: ServerKind) =>
    rates
      .map((hz) => bestRun(steps, server, hz))
      .filter((s): s is Step => !!s?.sustained)
      .at(-1);
  const best = { gateway: maxSustained('gateway'), bare: maxSustained('bare') };
  const pairs = rates
    .map((hz) => ({ hz, gateway: bestRun(steps, 'gateway', hz), bare: bestRun(steps, 'bare', hz) }))
    .filter((p): p is { hz: number; gateway: Step; bare: Step } => !!p.gateway && !!p.bare)
    .map((p) => ({ ...p, p99Ratio: p.gateway.latencyMs.p99 / p.bare.latencyMs.p99 }));
  // a figure per frame of one server: the median over its runs that wrote frames
  const perFrame = (pick: (s: Step) => number) => {
    const of = (server: ServerKind) => median(steps.filter((s) => s.server === server && s.serverFramesSent > 0).map(pick));
    return { gateway: of('gateway'), bare: of('bare') };
  };
  const cpu = perFrame((s) => s.serverCpuUsPerFrame);
  const backToBack = adjacentPairs(steps);
  const throughputRatio = best.gateway && best.bare ? best.gateway.framesPerSecond / best.bare.framesPerSecond : NaN;
  const serverCpuWhileTicking = median(steps.map((s) => s.serverCpuWhileTicking));
  const contended = serverCpuWhileTicking < 0.8;
  // the wall-clock ladder decides only when it measured the servers: not on a contended machine, and not when
  // the clients were the limit (then both servers hit the same ceiling); otherwise the CPU ratio is the fair one
  const clientBound = (best.bare?.clientCpuShare ?? 0) > 0.8;
  const wallClockValid = !contended && !clientBound && Number.isFinite(throughputRatio);
  const throughput = wallClockValid ? { ratio: throughputRatio, basis: 'max sustained frames/s' } : { ratio: cpu.bare / cpu.gateway, basis: 'server CPU per frame' };
  // p99 at the lowest rate, 1 Hz: the hub's shortest push interval (at the max sustained rate it is < 250 ms by definition)
  const p99Run = pairs[0]?.gateway;
  return {
    maxSustained: best,
    throughputRatio,
    cpuUsPerFrame: cpu,
    systemCpuUsPerFrame: perFrame((s) => s.serverSystemCpuUsPerFrame),
    gcUsPerFrame: perFrame((s) => s.serverGcUsPerFrame),
    faultsPerKFrame: perFrame((s) => s.serverFaultsPerKFrame),
    renderUsPerFrame: perFrame((s) => s.serverRenderUsPerFrame).gateway,
    cpuCapacityRatio: cpu.bare / cpu.gateway,
    pairedCapacityRatio: median(backToBack.map(([gateway, bare]) => bare.serverCpuUsPerFrame / gateway.serverCpuUsPerFrame)),
    pairedRuns: backToBack.length,
    clientCpuAtBareMax: best.bare?.clientCpuShare ?? NaN,
    serverCpuWhileTicking,
    contended,
    clientBound,
    pairs,
    memory: {
      gateway: { rssKiB: memory.gateway.rssPerConnKiB, heapKiB: memory.gateway.heapPerConnKiB },
      bare: { rssKiB: memory.bare.rssPerConnKiB, heapKiB: memory.bare.heapPerConnKiB },
    },
    targets: {
      throughput: { ...throughput, pass: throughput.ratio >= 0.8 },
      capacity: { ratio: cpu.bare / cpu.gateway, pass: cpu.bare / cpu.gateway >= 0.9 },
      p99: { ms: p99Run?.latencyMs.p99 ?? NaN, hz: p99Run?.hz ?? NaN, pass: (p99Run?.latencyMs.p99 ?? Infinity) < P99_LIMIT_MS },
      memory: { pass: memory.gateway.rssPerConnKiB < 16 },
    },
  };
}

/**
 * The runs of the two servers that ran back to back at one rate (the ABBA order makes AB, BA, AB, ...), as
 * [gateway, bare]: each pair saw the same machine, so its ratio is free of the drift between minutes.
 */
function adjacentPairs(steps: Step[]): Array<[Step, Step]> {
  const pairs: Array<[Step, Step]> = [];
  for (let i = 0; i + 1 < steps.length; i++) {
    const [a, b] = [steps[i], steps[i + 1]];
    if (a.hz !== b.hz || a.server === b.server || a.serverFramesSent === 0 || b.serverFramesSent === 0) continue;
    pairs.push(a.server === 'gateway' ? [a, b] : [b, a]);
    i++;
  }
  return pairs;
}

function printSummary(s: Summary): void {
  const g = s.maxSustained.gateway;
  const b = s.maxSustained.bare;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  log('');
  log(`best of ${REPEATS} runs per rate, gateway vs bare ws (p50/p95/p99 ms):`);
  for (const p of s.pairs) log(`  ${String(p.hz).padStart(3)} Hz: ${lat(p.gateway)} vs ${lat(p.bare)}  p99 ratio ${fmt(p.p99Ratio)}x`);
  log(`max sustained rate (ticks on time, >= 99.9 % of frames delivered, p99 < ${P99_LIMIT_MS} ms):`);
  log(`  gateway ${g ? `${g.hz} Hz = ${fmt(g.framesPerSecond, 0)} frames/s` : 'none'}; bare ws ${b ? `${b.hz} Hz = ${fmt(b.framesPerSecond, 0)} frames/s` : 'none'}; ratio ${fmt(s.throughputRatio)}x`);
  log(`  client CPU in bare's best run at its max rate: ${fmt(s.clientCpuAtBareMax * 100, 0)} % of one core${s.clientBound ? ' (the clients were the limit)' : ''}`);
  log(`server CPU per frame (median of all runs): gateway ${fmt(s.cpuUsPerFrame.gateway, 1)} us, bare ${fmt(s.cpuUsPerFrame.bare, 1)} us = capacity ratio ${fmt(s.cpuCapacityRatio)}x`);
  log(`  paired: median of bare / gateway over the ${s.pairedRuns} pairs of back-to-back runs at one rate: ${fmt(s.pairedCapacityRatio)}x`);
  log(`  of which system (kernel): gateway ${fmt(s.systemCpuUsPerFrame.gateway, 1)} us, bare ${fmt(s.systemCpuUsPerFrame.bare, 1)} us`);
  log(`  GC pauses of the main thread: gateway ${fmt(s.gcUsPerFrame.gateway, 2)} us, bare ${fmt(s.gcUsPerFrame.bare, 2)} us per frame`);
  log(`  minor page faults: gateway ${fmt(s.faultsPerKFrame.gateway, 1)}, bare ${fmt(s.faultsPerKFrame.bare, 1)} per 1,000 frames`);
  log(`  the gateway's render + serialise of the views in the running server (stream_render_duration_seconds): ${fmt(s.renderUsPerFrame, 2)} us per frame;`);
  log(`  without it the gateway would use ${fmt(s.cpuUsPerFrame.gateway - s.renderUsPerFrame, 1)} us per frame (ratio ${fmt(s.cpuUsPerFrame.bare / (s.cpuUsPerFrame.gateway - s.renderUsPerFrame))}x)`);
  if (s.contended) {
    log(`!! the servers got a median ${fmt(s.serverCpuWhileTicking * 100, 0)} % of a CPU while ticking: other processes competed for the CPUs, so the`);
    log(`   wall-clock figures (latency, max rate) understate both servers; the throughput verdict uses the CPU-per-frame ratio`);
  }
  const t = s.targets;
  log(`targets:`);
  log(`  throughput gateway/bare ${fmt(t.throughput.ratio)}x (${t.throughput.basis}) >= 0.8x: ${verdict(t.throughput.pass)}`);
  log(`  server capacity gateway/bare ${fmt(t.capacity.ratio)}x (server CPU per frame, issue 10) >= 0.9x: ${verdict(t.capacity.pass)}`);
  log(`  gateway p99 ${fmt(t.p99.ms)} ms at ${t.p99.hz} Hz < ${P99_LIMIT_MS} ms: ${verdict(t.p99.pass)}${s.contended && !t.p99.pass ? ' (contended machine: compare with bare above)' : ''}`);
  log(`  RSS per idle connection ${fmt(s.memory.gateway.rssKiB, 1)} KiB < 16 KiB: ${verdict(t.memory.pass)} (bare ${fmt(s.memory.bare.rssKiB, 1)} KiB; heap ${fmt(s.memory.gateway.heapKiB, 1)} vs ${fmt(s.memory.bare.heapKiB, 1)} KiB)`);
}

/** The summary without the full runs it points to (they are in `steps` already). */
function compact(s: Summary): object {
  const brief = (step?: Step) => step && { hz: step.hz, framesPerSecond: step.framesPerSecond, latencyMs: step.latencyMs };
  return {
    ...s,
    maxSustained: { gateway: brief(s.maxSustained.gateway), bare: brief(s.maxSustained.bare) },
    pairs: s.pairs.map((p) => ({ hz: p.hz, gateway: p.gateway.latencyMs, bare: p.bare.latencyMs, p99Ratio: p.p99Ratio })),
  };
}

function writeResults(results: object): string {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fanout-${new Date().toISOString().slice(0, 10)}${SCENARIO === 'stream' ? '-stream' : ''}.json`);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, pinned: PINNED, loadAverage: { atStart: LOAD_AT_START, atEnd: loadavg() } };
  const config = { scenario: SCENARIO, clients: CLIENTS, groups: GROUPS, workers: WORKERS, stepMs: STEP_MS, rates: RATES, repeats: REPEATS };
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, config, ...results }, null, 2)}\n`);
  return file;
}

function header(): string {
  return ['server ', '  Hz', 'got Hz', ' frames/s', 'delivered', '  p50 ms', '  p95 ms', '  p99 ms', ' skipped', ' frame B', 'srv ms/tick', 'tick ms', 'us/frame', 'busy CPU', 'srv CPU', 'cli CPU', 'ok'].join(' | ');
}

function row(s: Step): string {
  return [
    s.server.padEnd(7),
    String(s.hz).padStart(4),
    fmt(s.achievedHz, 1).padStart(6),
    fmt(s.framesPerSecond, 0).padStart(9),
    `${fmt(s.deliveredRatio * 100, 2)}%`.padStart(9),
    fmt(s.latencyMs.p50).padStart(8),
    fmt(s.latencyMs.p95).padStart(8),
    fmt(s.latencyMs.p99).padStart(8),
    String(s.gaps).padStart(8),
    fmt(s.avgFrameBytes, 0).padStart(8),
    fmt(s.serverCpuMsPerTick, 1).padStart(11),
    fmt(s.tickMs.mean, 1).padStart(7),
    fmt(s.serverCpuUsPerFrame, 1).padStart(8),
    `${fmt(s.serverCpuWhileTicking * 100, 0)}%`.padStart(8),
    `${fmt(s.serverCpuShare * 100, 0)}%`.padStart(7),
    `${fmt(s.clientCpuShare * 100, 0)}%`.padStart(7),
    s.sustained ? 'yes' : 'NO',
  ].join(' | ');
}

const lat = (s: Step) => `${fmt(s.latencyMs.p50)}/${fmt(s.latencyMs.p95)}/${fmt(s.latencyMs.p99)}`;
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const log = (line: string) => console.log(line);

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
