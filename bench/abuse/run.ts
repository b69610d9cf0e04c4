/**
 * bench:abuse — does one hostile client hurt the process or the others? (issue 9 §A, items 1–3)
 *
 * Three processes on loopback: the gateway (`apps/gateway/src/main.ts`, sandbox, started as `npm start` starts it:
 * through `scripts/gateway-node.sh`, which sees the one core it is pinned to and picks single-threaded GC),
 * the attackers (`hostile.ts`), and this orchestrator, which probes `GET /health/live` every 20 ms, keeps one
 * well-behaved stream client, and samples the gateway's RSS from /proc. Phases, same process, same run:
 *   idle (probe only) → hostile (20 attackers: ReDoS numbers, non-reading floods, prototype-key filters) → after.
 * Reports probe p50/p99/max per phase, the ratio hostile/idle, RSS growth, how the attackers' sockets ended, and
 * whether the well-behaved client (an update a second, timed to its answer) was served throughout. Writes
 * bench/results/abuse-<date>.json.
 * The gateway and the probe run on core 0, the attackers on core 1 (taskset), so the probe measures the gateway.
 * Knobs: ABUSE_PIN=0 (no pinning: the gateway gets both cores, and V8's background GC threads with them), ABUSE_SETTLE_S (20), ABUSE_IDLE_S (60), ABUSE_HOSTILE_S (60), ABUSE_AFTER_S (10), ABUSE_CLIENTS (20); DATABASE_URL is passed on
 * (a fresh database is best), ABUSE_EMBEDDED=1 uses the embedded PGlite instead.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { freePort, TS_REGISTER } from '../../test/support/service-process';

// idle as long as hostile: both p99s come from the same number of probes (a 20 s idle phase gave ~1,000, so its
// p99 was the 10th-worst probe and swung between 6 and 24 ms from run to run)
const IDLE_S = Number(process.env.ABUSE_IDLE_S ?? 60);
/** unmeasured time after readiness: start-up work (market loads, first refreshes, the first full GCs) is not idle */
const SETTLE_S = Number(process.env.ABUSE_SETTLE_S ?? 20);
const HOSTILE_S = Number(process.env.ABUSE_HOSTILE_S ?? 60);
const AFTER_S = Number(process.env.ABUSE_AFTER_S ?? 10);
const CLIENTS = Number(process.env.ABUSE_CLIENTS ?? 20);
const PROBE_EVERY_MS = 20;
/** the attacks, dealt round-robin to the clients (ABUSE_KINDS=flood,poison to run a subset) */
const ATTACKS = (process.env.ABUSE_KINDS ?? 'redos,flood,poison').split(',') as Array<'redos' | 'flood' | 'poison'>;
const STREAM_PATH = '/tzone_apis/services/stablecoins/ws/main_table';
const ROOT = join(__dirname, '..', '..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * On a 2-core box the attackers' own CPU (ws masks every frame they flood) would otherwise be measured as the
 * gateway's latency: the gateway and this probe share core 0, the attackers get core 1 (ABUSE_PIN=0 turns it off).
 */
const PIN = process.env.ABUSE_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
function pin(pid: number, core: number): void {
  // -a: every thread (V8's and libuv's too), not just the main one
  if (PIN) spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
}

/**
 * The gateway's anonymous resident memory (heap, buffers, malloc): what clients can make it allocate. File-backed
 * pages (the node binary, mapped modules) are left out: they are paged in as new code paths first run, once.
 */
function rssBytes(pid: number): number {
  const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function probeOnce(baseUrl: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = get(`${baseUrl}/health/live`, { agent, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(performance.now() - started));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(performance.now() - started));
  });
}

async function waitReady(baseUrl: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${baseUrl}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`gateway not ready within ${deadlineMs} ms`);
}

interface PhaseResult {
  phase: string;
  probes: number;
  p50: number;
  p99: number;
  max: number;
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  goodClientFrames: number;
  /** the well-behaved client's update round trips in the phase (update sent → its new view frame) */
  goodClientUpdates: number;
  goodClientUpdateP99: number;
  goodClientUpdateFailures: number;
}

/**
 * The well-behaved client: a main_table subscriber that changes its page size once a second and times the answer
 * (the new view, which the server owes at once). Its round trips say whether the attack reached other clients.
 */
class GoodClient {
  frames = 0;
  roundTrips: number[] = [];
  failures = 0;
  private sentAt?: number;
  private pageSize = 20;
  private timer?: NodeJS.Timeout;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames++;
      if (this.sentAt === undefined) return;
      const type = (JSON.parse(data.toString()) as { type?: string }).type;
      if (type === 'view') this.roundTrips.push(performance.now() - this.sentAt);
      else this.failures++;
      this.sentAt = undefined;
    });
  }

  static async connect(url: string): Promise<GoodClient> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    const client = new GoodClient(socket);
    client.timer = setInterval(() => client.update(), 1_000);
    return client;
  }

  /** what happened since the last call (one phase) */
  take(): { frames: number; roundTrips: number[]; failures: number } {
    const taken = { frames: this.frames, roundTrips: this.roundTrips, failures: this.failures };
    this.frames = 0;
    this.roundTrips = [];
    this.failures = 0;
    return taken;
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.close();
  }

  private update(): void {
    if (this.sentAt !== undefined) {
      // still unanswered after a second: counted as a failure, and asked again
      this.failures++;
    }
    this.pageSize = this.pageSize === 20 ? 21 : 20;
    this.sentAt = performance.now();
    this.socket.send(JSON.stringify({ page_size: this.pageSize }));
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function phase(name: string, seconds: number, baseUrl: string, pid: number, good: GoodClient): Promise<PhaseResult> {
  const latencies: number[] = [];
  const rssStart = rssBytes(pid);
  const samples: number[] = [];
  good.take();
  const sampler = setInterval(() => samples.push(rssBytes(pid)), 500);
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const tickStart = performance.now();
    latencies.push(await probeOnce(baseUrl));
    const wait = PROBE_EVERY_MS - (performance.now() - tickStart);
    if (wait > 0) await sleep(wait);
  }
  clearInterval(sampler);
  // the phase's settled RSS: the median of its last 5 s (single readings swing with GC and the allocator)
  const tail = samples.slice(-10).sort((a, b) => a - b);
  const rssEnd = tail.length > 0 ? tail[Math.floor(tail.length / 2)] : rssBytes(pid);
  const rssPeak = Math.max(rssStart, rssEnd, ...samples);
  latencies.sort((a, b) => a - b);
  const goodClient = good.take();
  const roundTrips = goodClient.roundTrips.sort((a, b) => a - b);
  return {
    phase: name,
    probes: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
    rssStartMb: mb(rssStart),
    rssEndMb: mb(rssEnd),
    rssPeakMb: mb(rssPeak),
    goodClientFrames: goodClient.frames,
    goodClientUpdates: roundTrips.length,
    goodClientUpdateP99: roundTrips.length > 0 ? percentile(roundTrips, 99) : NaN,
    goodClientUpdateFailures: goodClient.failures,
  };
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (data: { type: string }) => {
      if (data.type !== type) return;
      child.off('message', onMessage);
      resolve(data as T);
    };
    child.on('message', onMessage);
  });
}

/** The gateway's own memory view (prom-client default metrics): heap vs external (Buffers) vs RSS. */
async function memoryBreakdown(baseUrl: string): Promise<Record<string, number>> {
  const text = await fetch(`${baseUrl}/metrics`).then((r) => r.text());
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  return { heapUsedMb: read('nodejs_heap_size_used_bytes'), heapTotalMb: read('nodejs_heap_size_total_bytes'), externalMb: read('nodejs_external_memory_bytes') };
}

/**
 * Forces full GCs in the gateway through its inspector (`HeapProfiler.collectGarbage`, what DevTools' "collect garbage"
 * does), then reads its anonymous RSS: memory that survives is what clients made it keep.
 */
async function rssAfterGc(inspectorPort: number, pid: number): Promise<number> {
  const targets = (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`).then((r) => r.json())) as Array<{ webSocketDebuggerUrl: string }>;
  const session = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (session.once('open', resolve), session.once('error', reject)));
  let id = 0;
  const call = (method: string) =>
    new Promise<void>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { id?: number }).id !== mine) return;
        session.off('message', onMessage);
        resolve();
      };
      session.on('message', onMessage);
      session.send(JSON.stringify({ id: mine, method }));
    });
  for (let i = 0; i < 3; i++) await call('HeapProfiler.collectGarbage');
  session.close();
  await sleep(1_000); // let freed pages go back (V8's memory reducer, malloc trim)
  return rssBytes(pid);
}

async function terminatedSockets(baseUrl: string): Promise<Record<string, number>> {
  const text = await fetch(`${baseUrl}/metrics`).then((r) => r.text());
  const result: Record<string, number> = {};
  for (const match of text.matchAll(/^ws_sockets_terminated_total\{reason="([^"]+)"\} (\d+)/gm)) result[match[1]] = Number(match[2]);
  return result;
}

async function main(): Promise<void> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-abuse-'));
  const inspectorPort = await freePort();
  // the inspector (loopback only) lets this bench force a full GC before reading memory: garbage is not growth
  // the launcher of `npm start` and the image, under `taskset` from the first instruction: it reads the affinity
  // mask, so the gateway runs as it would in a container given one CPU (single-threaded GC)
  const nodeArgs = [...(process.env.ABUSE_GATEWAY_FLAGS ?? '').split(' ').filter(Boolean), `--inspect=127.0.0.1:${inspectorPort}`, '-r', TS_REGISTER, 'apps/gateway/src/main.ts'];
  const launch = ['sh', join(ROOT, 'scripts/gateway-node.sh'), ...nodeArgs];
  const [command, ...args] = PIN ? ['taskset', '-c', '0', ...launch] : launch;
  const gateway = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      MARKET_DATA: 'sandbox',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      // quiet background: the comparison is idle vs hostile on the same process, not start-up work
      CAPITAL_FLOW_INGEST: 'false',
      // a dead peer is found within two beats: 2 × 10 s, well inside the hostile phase
      WS_HEARTBEAT_MS: '10000',
      REDIS_URL: '',
      // the embedded PGlite's RSS swings by hundreds of MB on its own; a DATABASE_URL in the environment keeps the
      // RSS figure about the WebSocket layer (ABUSE_EMBEDDED=1 forces the embedded database)
      DATABASE_URL: process.env.ABUSE_EMBEDDED ? '' : process.env.DATABASE_URL ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  pin(process.pid, 0);
  const stopGateway = () => gateway.exitCode === null && gateway.kill('SIGTERM');
  process.on('exit', stopGateway);
  try {
    await waitReady(baseUrl, 120_000);
    // the node command line the launcher ran (its flags: single-threaded GC on one core)
    const gatewayArgv = readFileSync(`/proc/${gateway.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    console.log(`gateway: ${gatewayArgv.filter((arg) => arg.startsWith('--') && !arg.startsWith('--inspect')).join(' ') || 'V8 defaults'}${PIN ? ' (pinned to core 0)' : ''}`);
    await sleep(SETTLE_S * 1000);

    const good = await GoodClient.connect(`ws://127.0.0.1:${port}${STREAM_PATH}?page_size=20`);

    const idle = await phase('idle', IDLE_S, baseUrl, gateway.pid!, good);
    const memoryIdle = await memoryBreakdown(baseUrl);
    const idleAfterGc = await rssAfterGc(inspectorPort, gateway.pid!);

    const hostile = fork(join(__dirname, 'hostile.ts'), [], { execArgv: ['-r', TS_REGISTER], cwd: ROOT });
    pin(hostile.pid!, 1);
    const kinds = Array.from({ length: CLIENTS }, (_, i) => ATTACKS[i % ATTACKS.length]);
    hostile.send({ type: 'start', options: { baseUrl: `ws://127.0.0.1:${port}`, path: STREAM_PATH, kinds } });
    await message(hostile, 'started');
    const underAttack = await phase('hostile', HOSTILE_S, baseUrl, gateway.pid!, good);
    const memoryHostile = await memoryBreakdown(baseUrl);
    const hostileAfterGc = await rssAfterGc(inspectorPort, gateway.pid!);
    const countsReply = message<{ counts: unknown }>(hostile, 'counts');
    hostile.send({ type: 'stop' });
    const attackers = (await countsReply).counts;

    const after = await phase('after', AFTER_S, baseUrl, gateway.pid!, good);
    const terminated = await terminatedSockets(baseUrl);
    good.close();

    const ratio = underAttack.p99 / idle.p99;
    const rawGrowth = underAttack.rssEndMb - idle.rssEndMb;
    // the target is on what the attack made the process keep: both readings after forced full GCs
    const growth = mb(hostileAfterGc) - mb(idleAfterGc);
    const rows = [idle, underAttack, after];
    console.log('\nbench:abuse — GET /health/live probe every 20 ms, gateway in its own process (sandbox)\n');
    console.log('| phase | probes | p50 ms | p99 ms | max ms | RSS start→end (peak) MB | good client: frames, updates answered, p99 ms, unanswered/errors |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.phase} | ${r.probes} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.rssStartMb}→${r.rssEndMb} (${r.rssPeakMb}) | ` +
          `${r.goodClientFrames}, ${r.goodClientUpdates}, ${r.goodClientUpdateP99.toFixed(1)}, ${r.goodClientUpdateFailures} |`,
      );
    }
    console.log(`\np99 hostile / idle: ${ratio.toFixed(2)}x (target ≤ 2x and p99 < 50 ms)`);
    console.log(`RSS growth idle end → hostile end, after full GCs: ${mb(idleAfterGc)} → ${mb(hostileAfterGc)} MB = ${growth.toFixed(1)} MB (target < 20 MB); without GC: ${rawGrowth.toFixed(1)} MB`);
    console.log(`memory (MB) idle end: ${JSON.stringify(memoryIdle)}; hostile end: ${JSON.stringify(memoryHostile)}`);
    console.log(`attackers: ${JSON.stringify(attackers)}`);
    console.log(`server-side terminations (ws_sockets_terminated_total): ${JSON.stringify(terminated)}`);

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg(),
      config: { ATTACKS, SETTLE_S, IDLE_S, HOSTILE_S, AFTER_S, CLIENTS, PROBE_EVERY_MS, heartbeatMs: 10_000, pinned: PIN, gatewayArgv, storage: process.env.ABUSE_EMBEDDED || !process.env.DATABASE_URL ? 'pglite' : 'postgres' },
      phases: rows,
      ratio,
      rssGrowthMb: growth,
      rssAfterGcMb: { idle: mb(idleAfterGc), hostile: mb(hostileAfterGc) },
      rssGrowthWithoutGcMb: rawGrowth,
      memory: { idle: memoryIdle, hostile: memoryHostile },
      attackers,
      terminated,
      // the well-behaved client must have every update answered with its view, under attack too
      pass: ratio <= 2 && underAttack.p99 < 50 && growth < 20 && rows.every((r) => r.goodClientUpdateFailures === 0 && r.goodClientUpdates > 0),
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const file = join(ROOT, 'bench', 'results', `abuse-${result.date.slice(0, 10)}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${result.pass ? 'PASS' : 'FAIL'}; raw figures in ${file}`);
    process.exitCode = result.pass ? 0 : 1;
  } finally {
    stopGateway();
    await new Promise((resolve) => (gateway.exitCode !== null ? resolve(null) : gateway.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
