/**
 * bench:cluster — delivery of spread events to 6,000 WebSocket clients through the shipped load balancer
 * (deploy/haproxy/haproxy.cfg), on three gateway replicas and, side by side in the same run, on one replica
 * (issue 11, "What it must show").
 *
 * Each phase is a fresh `GatewayCluster` (test/support/cluster.ts: gateways on loopback behind HAProxy, one upstream
 * simulator, a fresh Postgres database, Redis), with 3 replicas or 1 (HAProxy's other servers DOWN). The same client
 * processes (client-worker.ts) open CLUSTER_CLIENTS sockets on `WS /v1/spreads/live` (contract tier: no delay)
 * through the load balancer, which spreads them over the replicas; then, for CLUSTER_DURATION_S, every spread event
 * the clients receive gives one latency sample: receive time − the event's detection time carried in the frame.
 * Reports p50/p99 per phase and per replica, frames, distinct events, and each gateway's VmRSS with all clients
 * connected; ratios cluster / single. Writes bench/results/cluster-<date>.json.
 *
 * It counts what arrives and assumes no event count: whether each replica runs its own spreads engine or one leader
 * detects and every replica delivers through Redis, the figures are those of whatever the build does.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> npm run bench:cluster
 *   knobs: CLUSTER_CLIENTS (6000), CLUSTER_DURATION_S (36), CLUSTER_WORKERS (2), CLUSTER_REPLICAS (3),
 *          CLUSTER_SIM_TICK_MS (1000), CLUSTER_ORDER (single,cluster), CLUSTER_PIN (split | none)
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { CLUSTER_API_KEY, GatewayCluster } from '../../test/support/cluster';
import { Child, canPin, pin } from '../fanout/ipc';
import type { ReplicaFigures, WorkerReport } from './protocol';
import { TS_REGISTER } from '../../test/support/service-process';

const CLIENTS = Number(process.env.CLUSTER_CLIENTS ?? 6_000);
/** three divergence episodes of the simulated venues at the default tick (one every 12 ticks): each opens and closes a burst of spreads */
const DURATION_S = Number(process.env.CLUSTER_DURATION_S ?? 36);
const WORKERS = Number(process.env.CLUSTER_WORKERS ?? 2);
const REPLICAS = Number(process.env.CLUSTER_REPLICAS ?? 3) as 1 | 2 | 3;
/** the simulated venues' tick (the app's default, 1 s): the event rate follows it */
const SIM_TICK_MS = Number(process.env.CLUSTER_SIM_TICK_MS ?? 1_000);
const ORDER = (process.env.CLUSTER_ORDER ?? 'single,cluster').split(',') as PhaseKind[];
/** split (default when taskset exists): HAProxy and the gateways on CPU 0, the clients and this process on CPU 1 */
const PINNED = canPin && process.env.CLUSTER_PIN !== 'none';
const SERVER_CPU = PINNED ? 0 : undefined;
const CLIENT_CPU = PINNED ? 1 : undefined;
/** handshakes in flight per client process (the accept queues stay short, auth is one lookup per socket) */
const CONNECT_CONCURRENCY = 25;
const SPREADS_LIVE = '/v1/spreads/live';
const LOAD_AT_START = loadavg();
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** every Redis key of this run starts with it (REDIS_KEY_PREFIX), so it can be deleted afterwards */
const REDIS_PREFIX = `bench-${process.pid}:`;

type PhaseKind = 'single' | 'cluster';

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

interface ReplicaResult {
  id: string;
  server: string;
  connections: number;
  frames: number;
  distinctEvents: number;
  eventsPerClient: { min: number; max: number };
  duplicates: number;
  latencyMs: Latency;
  /** VmRSS, MiB: ready with no client, all clients connected, peak and last reading of the window */
  rssMb: { idle: number; connected: number; peak: number; end: number };
  /** (connected − idle) / its connections */
  rssPerConnectionKiB: number;
  /** CPU seconds (user + system) during the window, and as a share of the window */
  cpuSeconds: number;
  cpuShare: number;
}

interface PhaseResult {
  kind: PhaseKind;
  replicas: number;
  connectMs: number;
  /** spreads leaders reported by /health/ready (empty when the build does not report roles) */
  spreadsLeaders: string[];
  latencyMs: Latency;
  frames: number;
  /** distinct event seqs over all replicas (each replica's own seqs when each runs its own engine) */
  distinctEvents: number;
  duplicates: number;
  outsideWindow: number;
  perReplica: ReplicaResult[];
  rssMb: { perReplicaMean: number; total: number };
  lb: { rssMb: number; cpuSeconds: number };
  clientCpuShare: number;
  loadAverage: number[];
}

/** the deployment of the phase in progress: its gateways and HAProxy run detached, so an interrupt stops them here */
let running: GatewayCluster | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the gateways`);
    void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    throw new Error('bench:cluster needs DATABASE_URL (an existing database; each phase creates and drops a fresh one next to it) and REDIS_URL');
  }
  const started = Date.now();
  if (CLIENT_CPU !== undefined) pin(process.pid, CLIENT_CPU);
  log(`load average ${LOAD_AT_START.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  log(`${CLIENTS} clients on ${SPREADS_LIVE} through deploy/haproxy/haproxy.cfg, ${WORKERS} client processes; ${DURATION_S} s window; phases ${ORDER.join(', ')}`);
  log(PINNED ? `HAProxy and gateways on CPU ${SERVER_CPU}, clients on CPU ${CLIENT_CPU}` : 'not pinned to CPUs');

  const workers = Array.from({ length: WORKERS }, (_, w) => {
    const child = fork(join(__dirname, 'client-worker.ts'), [], { execArgv: ['-r', TS_REGISTER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (child.pid && CLIENT_CPU !== undefined) pin(child.pid, CLIENT_CPU);
    return new Child(`clients-${w}`, child);
  });
  process.on('exit', () => workers.forEach((worker) => worker.process.kill('SIGKILL')));
  await Promise.all(workers.map((worker) => worker.next('ready')));

  const phases: PhaseResult[] = [];
  try {
    for (const kind of ORDER) {
      const result = await runPhase(kind, kind === 'single' ? 1 : REPLICAS, workers);
      phases.push(result);
      printPhase(result);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await deleteRedisKeys();
  }

  const single = phases.find((p) => p.kind === 'single');
  const cluster = phases.find((p) => p.kind === 'cluster');
  const ratios = single && cluster ? compare(cluster, single) : undefined;
  if (ratios) printRatios(ratios, cluster!, single!);
  const file = writeResults({ phases, ratios, runSeconds: (Date.now() - started) / 1000 });
  log(`results: ${file}`);
}

/** One deployment (1 or 3 replicas), the same clients, the same window. */
async function runPhase(kind: PhaseKind, replicas: 1 | 2 | 3, workers: Child[]): Promise<PhaseResult> {
  log(`\n--- ${kind}: ${replicas} replica${replicas > 1 ? 's' : ''} behind HAProxy`);
  const cluster = (running = await GatewayCluster.start({
    replicas,
    env: {
      LOG_LEVEL: 'warn',
      // each phase its own namespace: leases or streams left by the other phase must not steer this one
      REDIS_KEY_PREFIX: `${REDIS_PREFIX}${kind}:`,
      // behind HAProxy every client arrives from HAProxy's address: the app counts connections per socket address
      // (it does not trust X-Forwarded-For yet), so the default cap of 500 per IP would refuse all but 500 clients
      WS_MAX_CONNECTIONS_PER_IP: String(CLIENTS + 1_000),
      WS_MAX_CONNECTIONS: String(Math.max(20_000, CLIENTS + 1_000)),
      SPREADS_SIM_TICK_MS: String(SIM_TICK_MS),
    },
  }));
  try {
    if (SERVER_CPU !== undefined) for (const pid of [cluster.lb.process.pid, ...cluster.replicas.map((r) => r.process.pid)]) pin(pid, SERVER_CPU);
    await sleep(3_000); // first engine ticks, first history writes
    const idle = new Map(cluster.replicas.map((r) => [r.id, rssMb(r.process.pid)]));

    const connectStart = Date.now();
    const url = cluster.wsUrl(SPREADS_LIVE, { api_key: CLUSTER_API_KEY });
    const shares = workers.map((_, w) => Math.floor(((w + 1) * CLIENTS) / workers.length) - Math.floor((w * CLIENTS) / workers.length));
    await Promise.all(workers.map((worker, w) => worker.request({ type: 'connect', url, count: shares[w], concurrency: CONNECT_CONCURRENCY }, 'connected', 300_000)));
    const connectMs = Date.now() - connectStart;
    await sleep(2_000);
    const connected = new Map(cluster.replicas.map((r) => [r.id, rssMb(r.process.pid)]));
    log(`${CLIENTS} clients connected in ${(connectMs / 1000).toFixed(1)} s; VmRSS ${cluster.replicas.map((r) => `${r.id} ${fmt(connected.get(r.id)!, 0)} MiB`).join(', ')}`);

    // the window: events detected in [from, to); the clients count only those
    const cpuBefore = new Map([cluster.lb.process, ...cluster.replicas.map((r) => r.process)].map((p) => [p.pid, cpuSeconds(p.pid)]));
    const from = Date.now();
    const to = from + DURATION_S * 1_000;
    await Promise.all(workers.map((worker) => worker.request({ type: 'window', fromMs: from, toMs: to })));
    const peak = new Map(cluster.replicas.map((r) => [r.id, connected.get(r.id)!]));
    while (Date.now() < to) {
      await sleep(1_000);
      for (const r of cluster.replicas) peak.set(r.id, Math.max(peak.get(r.id)!, rssMb(r.process.pid)));
    }
    const end = new Map(cluster.replicas.map((r) => [r.id, rssMb(r.process.pid)]));
    const cpuAfter = new Map([cluster.lb.process, ...cluster.replicas.map((r) => r.process)].map((p) => [p.pid, cpuSeconds(p.pid)]));
    const windowS = (Date.now() - from) / 1000;
    // events detected just before `to` are still on their way: wait until the counts stop moving
    const reports = await settledReports(workers);
    const spreadsLeaders = await cluster.leadersOf('spreads').catch(() => []);
    await Promise.all(workers.map((worker) => worker.request({ type: 'close' }, 'close', 60_000)));

    const unexpected = sum(reports, (r) => r.unexpectedCloses);
    if (unexpected > 0) throw new Error(`${unexpected} client connections were closed by the other side during the ${kind} phase`);
    const merged = mergeByServer(reports);
    const invalid = sum(Object.values(merged), (f) => f.invalid);
    if (invalid > 0) throw new Error(`${kind}: ${invalid} event frames could not be read`);
    const perReplica = cluster.replicas.map((replica): ReplicaResult => {
      const figures = merged[replica.serverName];
      const connections = sum(reports, (r) => r.connections[replica.serverName] ?? 0);
      const cpu = cpuAfter.get(replica.process.pid)! - cpuBefore.get(replica.process.pid)!;
      return {
        id: replica.id,
        server: replica.serverName,
        connections,
        frames: figures?.frames ?? 0,
        distinctEvents: figures?.distinctSeqs.length ?? 0,
        eventsPerClient: figures?.eventsPerClient ?? { min: 0, max: 0 },
        duplicates: figures?.duplicates ?? 0,
        latencyMs: latencyOf(figures ? [figures.histogram] : []),
        rssMb: { idle: idle.get(replica.id)!, connected: connected.get(replica.id)!, peak: peak.get(replica.id)!, end: end.get(replica.id)! },
        rssPerConnectionKiB: connections ? ((connected.get(replica.id)! - idle.get(replica.id)!) * 1024) / connections : NaN,
        cpuSeconds: cpu,
        cpuShare: cpu / windowS,
      };
    });
    const strays = Object.keys(merged).filter((server) => !cluster.replicas.some((r) => r.serverName === server));
    if (strays.length > 0) throw new Error(`${kind}: clients on servers that run no gateway: ${strays.join(', ')}`);
    const connectedTotal = sum(perReplica, (r) => r.connections);
    if (connectedTotal !== CLIENTS) throw new Error(`${kind}: ${connectedTotal} clients counted on the replicas, expected ${CLIENTS}`);
    return {
      kind,
      replicas,
      connectMs,
      spreadsLeaders,
      latencyMs: latencyOf(Object.values(merged).map((f) => f.histogram)),
      frames: sum(perReplica, (r) => r.frames),
      distinctEvents: new Set(Object.values(merged).flatMap((f) => f.distinctSeqs)).size,
      duplicates: sum(perReplica, (r) => r.duplicates),
      outsideWindow: sum(Object.values(merged), (f) => f.outsideWindow),
      perReplica,
      rssMb: { perReplicaMean: mean(perReplica.map((r) => r.rssMb.connected)), total: sum(perReplica, (r) => r.rssMb.connected) },
      lb: { rssMb: rssMb(cluster.lb.process.pid), cpuSeconds: cpuAfter.get(cluster.lb.process.pid)! - cpuBefore.get(cluster.lb.process.pid)! },
      clientCpuShare: sum(reports, (r) => r.cpuMs) / 1000 / windowS,
      loadAverage: loadavg(),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.request({ type: 'close' }, 'close', 60_000).catch(() => undefined)));
    await cluster.stop();
    running = undefined;
  }
}

/** The clients' reports once their frame counts stopped changing (at most 20 s after the window). */
async function settledReports(workers: Child[]): Promise<WorkerReport[]> {
  const ask = () => Promise.all(workers.map((worker) => worker.request<{ report: WorkerReport }>({ type: 'report' }).then((r) => r.report)));
  const frames = (reports: WorkerReport[]) => sum(reports, (r) => sum(Object.values(r.servers), (s) => s.frames));
  let reports = await ask();
  for (let waited = 0, stable = 0; stable < 3 && waited < 20_000; waited += 500) {
    await sleep(500);
    const next = await ask();
    stable = frames(next) === frames(reports) ? stable + 1 : 0;
    reports = next;
  }
  return reports;
}

function mergeByServer(reports: WorkerReport[]): Record<string, ReplicaFigures> {
  const merged: Record<string, ReplicaFigures> = {};
  for (const report of reports) {
    for (const [server, f] of Object.entries(report.servers)) {
      const into = merged[server];
      if (!into) {
        merged[server] = { ...f, histogram: [...f.histogram], distinctSeqs: [...f.distinctSeqs], eventsPerClient: { ...f.eventsPerClient } };
        continue;
      }
      into.frames += f.frames;
      into.outsideWindow += f.outsideWindow;
      into.duplicates += f.duplicates;
      into.invalid += f.invalid;
      into.distinctSeqs = [...new Set([...into.distinctSeqs, ...f.distinctSeqs])];
      into.eventsPerClient = { min: Math.min(into.eventsPerClient.min, f.eventsPerClient.min), max: Math.max(into.eventsPerClient.max, f.eventsPerClient.max) };
      for (const bin of f.histogram) into.histogram.push(bin);
    }
  }
  return merged;
}

/** Nearest-rank percentiles of 1 ms bins (upper edge), over sparse histograms. */
function latencyOf(histograms: Array<Array<[number, number]>>): Latency {
  const counts = new Map<number, number>();
  for (const histogram of histograms) for (const [bin, count] of histogram) counts.set(bin, (counts.get(bin) ?? 0) + count);
  const bins = [...counts.keys()].sort((a, b) => a - b);
  const samples = sum(bins, (bin) => counts.get(bin)!);
  if (samples === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, samples };
  const at = (fraction: number) => {
    const rank = Math.max(1, Math.ceil(fraction * samples));
    let seen = 0;
    for (const bin of bins) if ((seen += counts.get(bin)!) >= rank) return bin + 1;
    return NaN;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: bins[bins.length - 1] + 1, samples };
}

interface Ratios {
  /** cluster / single, latency percentiles over all clients */
  p50: number;
  p99: number;
  /** mean replica VmRSS (all clients connected) of the cluster / the single replica's */
  rssPerReplica: number;
  /** the cluster's total VmRSS / the single replica's */
  rssTotal: number;
  /** gateway CPU seconds in the window, summed over replicas, cluster / single */
  gatewayCpu: number;
}

function compare(cluster: PhaseResult, single: PhaseResult): Ratios {
  const cpu = (phase: PhaseResult) => sum(phase.perReplica, (r) => r.cpuSeconds);
  return {
    p50: cluster.latencyMs.p50 / single.latencyMs.p50,
    p99: cluster.latencyMs.p99 / single.latencyMs.p99,
    rssPerReplica: cluster.rssMb.perReplicaMean / single.rssMb.perReplicaMean,
    rssTotal: cluster.rssMb.total / single.rssMb.total,
    gatewayCpu: cpu(cluster) / cpu(single),
  };
}

function printPhase(p: PhaseResult): void {
  log(`${p.kind}: ${p.frames} event frames (${p.distinctEvents} distinct events, ${p.duplicates} duplicates, ${p.outsideWindow} outside the window); latency p50/p95/p99/max ${lat(p.latencyMs)} ms`);
  log(`  spreads leader(s) reported: ${p.spreadsLeaders.length ? p.spreadsLeaders.join(', ') : 'none (no roles in /health/ready)'}; HAProxy ${fmt(p.lb.rssMb, 0)} MiB, ${fmt(p.lb.cpuSeconds, 1)} CPU s; clients ${fmt(p.clientCpuShare * 100, 0)} % of a core`);
  log('  | replica | clients | frames | events | per client min–max | p50 / p95 / p99 / max ms | VmRSS idle → connected (peak) MiB | KiB / conn | CPU s |');
  for (const r of p.perReplica) {
    log(
      `  | ${r.id} | ${r.connections} | ${r.frames} | ${r.distinctEvents} | ${r.eventsPerClient.min}–${r.eventsPerClient.max} | ${lat(r.latencyMs)} | ${fmt(r.rssMb.idle, 0)} → ${fmt(r.rssMb.connected, 0)} (${fmt(r.rssMb.peak, 0)}) | ${fmt(r.rssPerConnectionKiB, 1)} | ${fmt(r.cpuSeconds, 1)} |`,
    );
  }
}

function printRatios(r: Ratios, cluster: PhaseResult, single: PhaseResult): void {
  log('\ncluster / single (same clients, same run):');
  log(`  p99 ${fmt(cluster.latencyMs.p99, 0)} / ${fmt(single.latencyMs.p99, 0)} ms = ${fmt(r.p99)}x; p50 ${fmt(cluster.latencyMs.p50, 0)} / ${fmt(single.latencyMs.p50, 0)} ms = ${fmt(r.p50)}x`);
  log(`  VmRSS per replica ${fmt(cluster.rssMb.perReplicaMean, 0)} / ${fmt(single.rssMb.perReplicaMean, 0)} MiB = ${fmt(r.rssPerReplica)}x; total ${fmt(cluster.rssMb.total, 0)} / ${fmt(single.rssMb.total, 0)} MiB = ${fmt(r.rssTotal)}x`);
  log(`  gateway CPU in the window ${fmt(r.gatewayCpu)}x`);
}

function writeResults(results: object): string {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `cluster-${new Date().toISOString().slice(0, 10)}.json`);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, pinned: PINNED, loadAverage: { atStart: LOAD_AT_START, atEnd: loadavg() } };
  // the app measured: whether each replica runs its own spreads engine or one leads depends on the build
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }).stdout.trim();
  const config = { commit, clients: CLIENTS, durationS: DURATION_S, workers: WORKERS, replicas: REPLICAS, simTickMs: SIM_TICK_MS, order: ORDER, path: SPREADS_LIVE, latency: 'client receive − received_at (detection, ms resolution)' };
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, config, ...results }, null, 2)}\n`);
  return file;
}

/** VmRSS of a process, MiB (what `ps` and the kubelet's working set start from). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** user + system CPU seconds of a process (its own threads), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Deletes this run's Redis keys (REDIS_KEY_PREFIX `bench-<pid>:`), in the database of REDIS_URL only. */
async function deleteRedisKeys(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (error) {
    log(`could not delete the run's Redis keys (${REDIS_PREFIX}*): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

const lat = (l: Latency) => `${fmt(l.p50, 0)} / ${fmt(l.p95, 0)} / ${fmt(l.p99, 0)} / ${fmt(l.max, 0)}`;
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);
const mean = (values: number[]) => sum(values, (v) => v) / values.length;
const log = (line: string) => console.log(line);

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
