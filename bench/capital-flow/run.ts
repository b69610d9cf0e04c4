/**
 * getCoinTradeSnapshot (signed, metered, in-memory snapshot) vs a trivial route of the same app (GET /health/live),
 * same run, same external load generator (autocannon in its own process, `load-generator.js`), interleaved ABAB;
 * plus the kline ingestion rate of a full backfill from the simulator. Loopback only, bounded.
 * Usage: npm run bench:capital-flow [-- seconds connection-levels rounds]   (default 5 16,64 3)   (CAPITAL_FLOW_BENCH_PROFILE=<dir>: a CPU profile of the server per measured run)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { CapitalFlowService } from '../../apps/gateway/src/capital-flow/capital-flow.service';
import { startGateway } from '../../test/support/harness';

const SECONDS = Number(process.argv[2] ?? 5);
/** client concurrency levels, each measured on its own (comma-separated) */
const CONNECTION_LEVELS = (process.argv[3] ?? '16,64').split(',').map(Number);
const ROUNDS = Number(process.argv[4] ?? 3);
const TARGET = 0.7;
const WARM_UP_SECONDS = 5;

type Route = 'trivial' | 'snapshot';

/** CAPITAL_FLOW_BENCH_PROFILE=<dir>: a CPU profile of the gateway's process for each measured run (the load generator is another process) */
const PROFILE_DIR = process.env.CAPITAL_FLOW_BENCH_PROFILE;
let profiled = 0;

async function startProfile(): Promise<{ save(name: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async save(name) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(PROFILE_DIR!, { recursive: true });
      writeFileSync(join(PROFILE_DIR!, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

interface Round {
  route: Route;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** the gateway's CPU (user + system) per request served: unlike req/s, not set by what other processes leave it */
  cpuMicrosPerRequest: number;
  /** the load generator's CPU per request (its own process) */
  clientCpuMicrosPerRequest: number;
  /** the local Postgres server's CPU per request (every `postgres` process; 0 without one, e.g. embedded PGlite) */
  postgresCpuMicrosPerRequest: number;
  errors: number;
  wrongAnswers: number;
}

/** One autocannon run in a child process; the gateway's process only serves meanwhile. */
async function load(url: string, route: Route, key: { key: string; secret: string }, connections: number, seconds = SECONDS): Promise<Round> {
  const profiler = PROFILE_DIR ? await startProfile() : undefined;
  const postgresBefore = postgresCpuTicks();
  const cpuBefore = process.cpuUsage();
  const input = JSON.stringify({ url, route, ...key, seconds, connections });
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'load-generator.js'), input], { maxBuffer: 16 * 1024 * 1024 });
  const postgresCpu = postgresCpuSince(postgresBefore);
  const { result, wrongAnswers, firstWrong, cpu: clientCpu } = JSON.parse(stdout) as {
    result: { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number; duration: number };
    wrongAnswers: number;
    firstWrong?: string;
    cpu: NodeJS.CpuUsage;
  };
  const cpu = process.cpuUsage(cpuBefore);
  if (profiler) await profiler.save(`${route}-${connections}c-${++profiled}`);
  if (firstWrong) console.error(`  ${route}: ${wrongAnswers} wrong answers, first: ${firstWrong}`);
  return {
    route,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
    clientCpuMicrosPerRequest: (clientCpu.user + clientCpu.system) / Math.max(1, result.requests.total),
    postgresCpuMicrosPerRequest: postgresCpu / Math.max(1, result.requests.total),
    errors: result.errors + result.timeouts,
    wrongAnswers,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU used so far by each process named `postgres` on this machine (Linux /proc; none elsewhere), in clock ticks by pid */
function postgresCpuTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return ticks;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      // counted from the state field on, utime and stime are the 12th and 13th
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/** Postgres' CPU since `before` in µs: processes started meanwhile count whole, ended ones not at all */
function postgresCpuSince(before: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, now] of postgresCpuTicks()) ticks += now - (before.get(pid) ?? 0);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarise(rounds: Round[], route: Route) {
  const mine = rounds.filter((round) => round.route === route);
  return {
    requestsPerSecond: median(mine.map((round) => round.requestsPerSecond)),
    p50: median(mine.map((round) => round.p50)),
    p99: median(mine.map((round) => round.p99)),
    cpuMicrosPerRequest: median(mine.map((round) => round.cpuMicrosPerRequest)),
    clientCpuMicrosPerRequest: median(mine.map((round) => round.clientCpuMicrosPerRequest)),
    postgresCpuMicrosPerRequest: median(mine.map((round) => round.postgresCpuMicrosPerRequest)),
    failed: mine.reduce((sum, round) => sum + round.errors + round.wrongAnswers, 0),
  };
}

async function main(): Promise<void> {
  const gateway = await startGateway({
    env: {
      CAPITAL_FLOW_INGEST: 'false',
      LOG_LEVEL: 'error',
      HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: '0',
      // REDIS_URL set: the replay guard and the points counters in Redis, as on a cluster (unset: in the database)
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `bench-${process.pid}:` } : {}),
    },
  });
  try {
    const flows = gateway.app.get(CapitalFlowService);
    // with Redis, the replica ingests once it holds the capital-flow lease
    for (const deadline = Date.now() + 30_000; !flows.leading && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await flows.sync();
    console.log(`ingestion (backfill, 10 tokens × 2 markets × 7 windows): ${report.points} points in ${report.durationMs} ms = ${((report.points / report.durationMs) * 1000).toFixed(0)} points/s (klines parsed, checked, stored, indexed)`);
    const key = { key: `bench-${Date.now()}`, secret: 'bench-secret' };
    await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'contract', name: 'bench', points: 1_000_000_000 });
    // warm-up, not measured: both routes' code paths compiled by the JIT (and the backfill's garbage collected)
    for (const route of ['trivial', 'snapshot'] as const) await load(gateway.httpUrl, route, key, CONNECTION_LEVELS[0], WARM_UP_SECONDS);
    for (const connections of CONNECTION_LEVELS) {
      console.log(`\nload: autocannon 9 in a child process, ${connections} connections, ${SECONDS} s per run, ${ROUNDS} rounds ABAB; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`);
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        for (const route of ['trivial', 'snapshot'] as const) {
          const round = await load(gateway.httpUrl, route, key, connections);
          rounds.push(round);
          console.log(`  ${route.padEnd(8)} ${round.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${round.p50} ms  p99 ${round.p99} ms  ${round.cpuMicrosPerRequest.toFixed(0)} µs CPU/req (client ${round.clientCpuMicrosPerRequest.toFixed(0)}, postgres ${round.postgresCpuMicrosPerRequest.toFixed(0)})  (${round.requests} requests, ${round.errors} errors, ${round.wrongAnswers} wrong answers)`);
        }
      }
      const trivial = summarise(rounds, 'trivial');
      const snapshot = summarise(rounds, 'snapshot');
      const ratio = snapshot.requestsPerSecond / trivial.requestsPerSecond;
      const cpuRatio = trivial.cpuMicrosPerRequest / snapshot.cpuMicrosPerRequest;
      console.log(`\n| ${connections} connections | req/s (median) | p50 ms | p99 ms | gateway CPU µs/req | client CPU µs/req | postgres CPU µs/req | failed |\n|---|---|---|---|---|---|---|---|`);
      for (const [label, figures] of [['GET /health/live (trivial)', trivial], ['POST getCoinTradeSnapshot (signed, metered)', snapshot]] as const) {
        console.log(`| ${label} | ${figures.requestsPerSecond.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.cpuMicrosPerRequest.toFixed(0)} | ${figures.clientCpuMicrosPerRequest.toFixed(0)} | ${figures.postgresCpuMicrosPerRequest.toFixed(0)} | ${figures.failed} |`);
      }
      console.log(`\n${connections} connections: ratio snapshot / trivial ${ratio.toFixed(2)}x req/s (target ≥ ${TARGET}x)${ratio >= TARGET ? '' : '  BELOW TARGET'}, ${cpuRatio.toFixed(2)}x by gateway CPU per request; load average now ${loadavg()[0].toFixed(1)}`);
      if (snapshot.failed + trivial.failed > 0) process.exitCode = 1;
    }
  } finally {
    await gateway.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
