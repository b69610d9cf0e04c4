/**
 * bench:footprint — idle memory and start-up time of the gateway, embedded PGlite vs `DATABASE_URL` (issue 12).
 *
 * Starts the real `npm start` entry (package.json's `start` script, its environment and its `node` command run
 * directly so the measured pid is the gateway itself) as a child process, times spawn → `/health/ready` 200, lets it settle, then
 * reads `VmRSS` and `RssAnon` from /proc every 2 s over a window (median and max of the window; no forced GC: what `ps`
 * shows on an idle machine).
 * Every configuration runs in both market-data modes, interleaved, `FOOTPRINT_REPEATS` times:
 *   - embedded, first start: a fresh DATA_DIR (initdb + migrations);
 *   - embedded, restart: the same DATA_DIR started again (the everyday case);
 *   - DATABASE_URL: a fresh database next to `DATABASE_URL`'s (default the local Postgres), dropped afterwards;
 *     skipped with a message when that Postgres does not answer.
 * Live runs have no network: every upstream points at a closed loopback port, ccxt spreads and capital-flow
 * ingestion are off (they have no URL to point elsewhere).
 * Knobs: FOOTPRINT_REPEATS (2), FOOTPRINT_SETTLE_S (30), FOOTPRINT_WINDOW_S (30), FOOTPRINT_MODES (sandbox,live), DATABASE_URL; NODE_OPTIONS
 * GLIBC_TUNABLES and MALLOC_ARENA_MAX are passed on to the gateway (over the start script's own).
 * Writes bench/results/footprint-<date>.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { freePort } from '../../test/support/service-process';

const REPEATS = Number(process.env.FOOTPRINT_REPEATS ?? 2);
const SETTLE_S = Number(process.env.FOOTPRINT_SETTLE_S ?? 30);
const WINDOW_S = Number(process.env.FOOTPRINT_WINDOW_S ?? 30);
const MODES = (process.env.FOOTPRINT_MODES ?? 'sandbox,live').split(',') as Mode[];
const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const READY_TIMEOUT_MS = 120_000;
const ROOT = join(__dirname, '..', '..');
const CLOSED = 'http://127.0.0.1:9';
const PASSED_THROUGH = ['NODE_OPTIONS', 'GLIBC_TUNABLES', 'MALLOC_ARENA_MAX'];

type Mode = 'sandbox' | 'live';
type Store = 'embedded-first' | 'embedded-restart' | 'postgres';
const STORES: Store[] = ['embedded-first', 'embedded-restart', 'postgres'];
const STORE_LABEL: Record<Store, string> = {
  'embedded-first': 'embedded, first start (fresh DATA_DIR)',
  'embedded-restart': 'embedded, restart (same DATA_DIR)',
  postgres: 'DATABASE_URL (fresh database)',
};

interface Sample {
  mode: Mode;
  store: Store;
  readyMs: number;
  rssMb: number;
  rssMaxMb: number;
  rssAnonMb: number;
  peakRssMb: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/**
 * The `start` script (`NAME=value ... sh scripts/gateway-node.sh <node args>`, or `... node <node args>`) as
 * environment, command and arguments, so the bench runs exactly what `npm start` runs. The launcher `exec`s node, so
 * the spawned pid is the gateway itself either way.
 */
function startCommand(): { env: Record<string, string>; command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const first = words.findIndex((word) => !/^[A-Z_]+=\S*$/.test(word));
  const env = Object.fromEntries(words.slice(0, first).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]));
  const [command, ...args] = words.slice(first);
  if (command === 'node') return { env, command: process.execPath, args };
  if (command === 'sh' && args[0] === 'scripts/gateway-node.sh') return { env, command: 'sh', args };
  throw new Error(`the start script is no longer "[NAME=value ...] (node | sh scripts/gateway-node.sh) ...": ${pkg.scripts.start}`);
}

/** VmRSS, RssAnon and VmHWM (peak) of `pid`, in kB. */
function memory(pid: number): { rss: number; anon: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), anon: field('RssAnon'), peak: field('VmHWM') };
}

function environment(mode: Mode, port: number, storage: { dataDir: string; databaseUrl?: string }): NodeJS.ProcessEnv {
  const offline =
    mode === 'live'
      ? {
          BINANCE_SPOT_BASE_URL: CLOSED,
          BINANCE_FUTURES_BASE_URL: CLOSED,
          COINGECKO_BASE_URL: CLOSED,
          DEFILLAMA_BASE_URL: CLOSED,
          COINDESK_BASE_URL: CLOSED,
          DERIBIT_BASE_URL: CLOSED,
          SPREADS_DEX_BASE_URL: CLOSED,
          SPREADS_SOURCE: 'off',
          CAPITAL_FLOW_INGEST: 'false',
        }
      : {};
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    MARKET_DATA: mode,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATA_DIR: storage.dataDir,
    DATABASE_URL: storage.databaseUrl ?? '',
    REDIS_URL: '',
    ...offline,
    // allocator and V8 knobs pass through (over the start script's), to measure them, e.g. NODE_OPTIONS=--v8-pool-size=2
    ...Object.fromEntries(PASSED_THROUGH.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]])),
  };
}

async function waitReady(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gateway exited before ready:\n${logs()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false);
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`gateway not ready within ${READY_TIMEOUT_MS} ms:\n${logs()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** One start: spawn → ready, settle, sample memory, stop. */
async function measure(mode: Mode, store: Store, storage: { dataDir: string; databaseUrl?: string }): Promise<Sample> {
  const port = await freePort();
  let output = '';
  const started = performance.now();
  const start = startCommand();
  const env = { ...start.env, ...environment(mode, port, storage) };
  const child = spawn(start.command, start.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  try {
    await waitReady(`http://127.0.0.1:${port}/health/ready`, child, () => output);
    const readyMs = performance.now() - started;
    await sleep(SETTLE_S * 1000);
    // a window of samples, not one reading: V8 lets old-space garbage grow until a major GC, so one reading lands
    // anywhere in that saw-tooth (sandbox's simulated market never stops allocating)
    const samples: Array<ReturnType<typeof memory>> = [];
    for (let i = 0; i < WINDOW_S / 2; i++) {
      samples.push(memory(child.pid!));
      await sleep(2_000);
    }
    return {
      mode,
      store,
      readyMs: Math.round(readyMs),
      rssMb: mb(median(samples.map((sample) => sample.rss))),
      rssMaxMb: mb(Math.max(...samples.map((sample) => sample.rss))),
      rssAnonMb: mb(median(samples.map((sample) => sample.anon))),
      peakRssMb: mb(Math.max(...samples.map((sample) => sample.peak))),
    };
  } finally {
    await stop(child);
  }
}

/** A fresh database next to ADMIN_URL's, or undefined (with the reason printed) when that Postgres does not answer. */
async function postgresAvailable(): Promise<boolean> {
  const pool = new Pool({ connectionString: ADMIN_URL, max: 1, connectionTimeoutMillis: 3_000 });
  try {
    await pool.query('select 1');
    return true;
  } catch (error) {
    console.log(`DATABASE_URL half skipped: Postgres at ${new URL(ADMIN_URL).host} does not answer (${(error as Error).message})`);
    return false;
  } finally {
    await pool.end();
  }
}

async function withFreshDatabase<T>(work: (databaseUrl: string) => Promise<T>): Promise<T> {
  const url = new URL(ADMIN_URL);
  const name = `footprint_${process.pid}_${Date.now().toString(36)}`;
  const admin = new Pool({ connectionString: ADMIN_URL, max: 1 });
  try {
    await admin.query(`create database ${name}`);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
}

function row(cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const withPostgres = await postgresAvailable();
  const samples: Sample[] = [];
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const mode of MODES) {
      const dataDir = mkdtempSync(join(tmpdir(), 'footprint-data-'));
      try {
        for (const store of ['embedded-first', 'embedded-restart'] as const) {
          samples.push(await measure(mode, store, { dataDir }));
          console.log(`run ${repeat}/${REPEATS} ${mode} ${store}: ready ${samples.at(-1)!.readyMs} ms, RSS ${samples.at(-1)!.rssMb} MiB`);
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
      if (!withPostgres) continue;
      const scratch = mkdtempSync(join(tmpdir(), 'footprint-unused-'));
      try {
        samples.push(await withFreshDatabase((databaseUrl) => measure(mode, 'postgres', { dataDir: scratch, databaseUrl })));
        console.log(`run ${repeat}/${REPEATS} ${mode} postgres: ready ${samples.at(-1)!.readyMs} ms, RSS ${samples.at(-1)!.rssMb} MiB`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
  }

  const summary = MODES.flatMap((mode) =>
    STORES.map((store) => {
      const runs = samples.filter((sample) => sample.mode === mode && sample.store === store);
      if (runs.length === 0) return undefined;
      return {
        mode,
        store,
        runs: runs.length,
        readyMs: median(runs.map((run) => run.readyMs)),
        rssMb: median(runs.map((run) => run.rssMb)),
        rssMaxMb: Math.max(...runs.map((run) => run.rssMaxMb)),
        rssAnonMb: median(runs.map((run) => run.rssAnonMb)),
        peakRssMb: median(runs.map((run) => run.peakRssMb)),
      };
    }).filter((entry) => entry !== undefined),
  );

  console.log(`\nmedians of ${REPEATS} run(s), idle: ${SETTLE_S} s after ready, sampled every 2 s for ${WINDOW_S} s; load average at the end ${loadavg().map((load) => load.toFixed(2)).join(' ')}\n`);
  console.log(row(['mode', 'store', 'ready ms', 'idle VmRSS MiB (median of the window)', 'max in the window', 'RssAnon MiB', 'peak VmHWM MiB', 'RSS / DATABASE_URL', 'ready / DATABASE_URL']));
  console.log(row(['---', '---', '---', '---', '---', '---', '---', '---', '---']));
  for (const entry of summary) {
    const baseline = summary.find((other) => other.mode === entry.mode && other.store === 'postgres');
    const ratio = (value: number, base?: number) => (base ? `${(value / base).toFixed(2)}x` : 'n/a');
    console.log(
      row([
        entry.mode,
        STORE_LABEL[entry.store],
        entry.readyMs,
        entry.rssMb,
        entry.rssMaxMb,
        entry.rssAnonMb,
        entry.peakRssMb,
        ratio(entry.rssMb, baseline?.rssMb),
        ratio(entry.readyMs, baseline?.readyMs),
      ]),
    );
  }

  const date = new Date().toISOString();
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `footprint-${date.slice(0, 10)}.json`);
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavgAtEnd: loadavg() };
  writeFileSync(file, `${JSON.stringify({ date, machine, repeats: REPEATS, settleS: SETTLE_S, windowS: WINDOW_S, summary, samples }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
