/**
 * getCoinTradeSnapshot (signed, metered, in-memory snapshot) vs a trivial route of the same app (GET /health/live),
 * same run, same external load generator (autocannon in its own process, `load-generator.js`), interleaved ABAB;
 * plus the kline ingestion rate of a full backfill from the simulator. Loopback only, bounded.
 * Usage: npm run bench:capital-flow [-- seconds connection-levels rounds]   (default 5 16,64 3)   (CAPITAL_FLOW_BENCH_CPU_PROF=1 profiles the server)
 */
import { execFile } from 'node:child_process';
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

interface Round {
  route: Route;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** the gateway's CPU (user + system) per request served: unlike req/s, not set by what other processes leave it */
  cpuMicrosPerRequest: number;
  errors: number;
  wrongAnswers: number;
}

/** One autocannon run in a child process; the gateway's process only serves meanwhile. */
async function load(url: string, route: Route, key: { key: string; secret: string }, connections: number, seconds = SECONDS): Promise<Round> {
  const cpuBefore = process.cpuUsage();
  const input = JSON.stringify({ url, route, ...key, seconds, connections });
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'load-generator.js'), input], { maxBuffer: 16 * 1024 * 1024 });
  const { result, wrongAnswers, firstWrong } = JSON.parse(stdout) as {
    result: { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number; duration: number };
    wrongAnswers: number;
    firstWrong?: string;
  };
  const cpu = process.cpuUsage(cpuBefore);
  if (firstWrong) console.error(`  ${route}: ${wrongAnswers} wrong answers, first: ${firstWrong}`);
  return {
    route,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
    errors: result.errors + result.timeouts,
    wrongAnswers,
  };
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
    failed: mine.reduce((sum, round) => sum + round.errors + round.wrongAnswers, 0),
  };
}

async function main(): Promise<void> {
  const gateway = await startGateway({
    env: { CAPITAL_FLOW_INGEST: 'false', LOG_LEVEL: 'error', HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: '0', HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: '0' },
  });
  try {
    const report = await gateway.app.get(CapitalFlowService).sync();
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
          console.log(`  ${route.padEnd(8)} ${round.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${round.p50} ms  p99 ${round.p99} ms  ${round.cpuMicrosPerRequest.toFixed(0)} µs CPU/req  (${round.requests} requests, ${round.errors} errors, ${round.wrongAnswers} wrong answers)`);
        }
      }
      const trivial = summarise(rounds, 'trivial');
      const snapshot = summarise(rounds, 'snapshot');
      const ratio = snapshot.requestsPerSecond / trivial.requestsPerSecond;
      const cpuRatio = trivial.cpuMicrosPerRequest / snapshot.cpuMicrosPerRequest;
      console.log(`\n| ${connections} connections | req/s (median) | p50 ms | p99 ms | gateway CPU µs/req | failed |\n|---|---|---|---|---|---|`);
      for (const [label, figures] of [['GET /health/live (trivial)', trivial], ['POST getCoinTradeSnapshot (signed, metered)', snapshot]] as const) {
        console.log(`| ${label} | ${figures.requestsPerSecond.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.cpuMicrosPerRequest.toFixed(0)} | ${figures.failed} |`);
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
