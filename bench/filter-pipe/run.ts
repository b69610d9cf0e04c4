/**
 * Filter-pipe benchmark: our query pipe vs pandas on the same 100k rows and the same operations
 * (comparison filter + "any of" filter, substring search, numeric sort on a formatted string
 * column, page 3 of 50; and a broad filter where the sort dominates). Both sides must return the
 * same count and page, or the run fails. nodejs-polars runs the hub's path side by side with ours: fresh rows each
 * refresh, its DataFrame built from them, the page serialised to JSON.
 *
 *   npm run bench:filter
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { applyQuery, compileQuery, type CompiledQuery, type RawQuery } from '@app/query';
import { generateMarketRows, type MarketRow } from './dataset';
import { polarsFrame, polarsPage, polarsPageOf } from './polars-pipe';
import { summarise, type TimingSummary } from './stats';

const ROW_COUNT = 100_000;
const WARMUP = 5;
const REPS = 30;
const COLD_REPS = 8;
const PANDAS_FRAME_REPS = 5;
const PYTHON = '/usr/bin/python3';
/** hub-path samples per side (polars needs ~1 s per sample on a busy 2-core box: keep it short) */
const HUB_REPS = Number(process.env.FILTER_HUB_REPS ?? 7);

/** One operation, in the form pandas_pipe.py reads. */
interface Spec {
  min_market_cap: number;
  chains?: string[];
  search?: string;
  sort_by: string;
  descending: boolean;
  page: number;
  page_size: number;
}

const SCENARIOS: Array<{ name: string; spec: Spec }> = [
  {
    name: 'filters + search + sort, page 3 of 50',
    spec: { min_market_cap: 1_000_000, chains: ['ethereum', 'solana', 'tron'], search: 'usd', sort_by: 'volume_24h', descending: true, page: 3, page_size: 50 },
  },
  {
    name: 'broad filter + sort (sort dominates), page 3 of 50',
    spec: { min_market_cap: 1_000_000, sort_by: 'volume_24h', descending: true, page: 3, page_size: 50 },
  },
];

/** The same operation as the pipe's URL params (all strings, as a query string gives them). */
function toRawQuery(spec: Spec): RawQuery {
  const filters: Record<string, unknown> = { market_cap: `>${spec.min_market_cap}` };
  if (spec.chains) filters.chain = spec.chains;
  return {
    filters: JSON.stringify(filters),
    search: spec.search,
    sort_by: spec.sort_by,
    sort_order: spec.descending ? 'desc' : 'asc',
    page: String(spec.page),
    page_size: String(spec.page_size),
  };
}

interface PandasReport {
  count: number;
  symbols: string[];
  op_ms: number[];
  with_frame_ms: number[];
  pandas_version: string;
}

/** A full GC before a cold sample, so it does not pay for the previous sample's garbage. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function timeOnce(action: () => void): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

function timeRepeated(action: () => void, reps: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) action();
  return Array.from({ length: reps }, () => timeOnce(action));
}

/** Each sample applies the query to rows parsed afresh: new objects, no memoised haystacks. */
function timeCold(rowsJson: string, query: CompiledQuery, reps: number): number[] {
  return Array.from({ length: reps }, () => {
    const fresh = JSON.parse(rowsJson) as MarketRow[];
    collectGarbage();
    return timeOnce(() => applyQuery(fresh, query));
  });
}

/**
 * What the hub does per refresh: fresh upstream rows (new objects, parsed outside the timing), the page computed and
 * serialised to the JSON it sends. Ours and polars alternate sample by sample, so both see the same machine load.
 */
function timeHubPath(rowsJson: string, query: CompiledQuery, spec: Spec, reps: number): { ours: number[]; polars: number[] } {
  const ours: number[] = [];
  const polars: number[] = [];
  const oursOnce = (rows: MarketRow[]) => JSON.stringify(applyQuery(rows, query).rows);
  const polarsOnce = (rows: MarketRow[]) => JSON.stringify(polarsPage(rows, spec).rows);
  oursOnce(JSON.parse(rowsJson) as MarketRow[]);
  polarsOnce(JSON.parse(rowsJson) as MarketRow[]);
  for (let i = 0; i < reps; i++) {
    for (const [samples, once] of [[ours, oursOnce], [polars, polarsOnce]] as const) {
      const fresh = JSON.parse(rowsJson) as MarketRow[];
      collectGarbage();
      samples.push(timeOnce(() => once(fresh)));
    }
  }
  return { ours, polars };
}

/** Fails the run loudly when polars' page (as the JSON the hub would send) differs from ours. */
function assertSameAsPolars(scenario: string, ours: { count: number; rows: unknown[] }, polars: { count: number; rows: unknown[] }): void {
  if (ours.count === polars.count && JSON.stringify(ours.rows) === JSON.stringify(polars.rows)) return;
  console.error(`!!!!!!!! MISMATCH between our pipe and polars in "${scenario}" !!!!!!!!`);
  console.error(`count: ours ${ours.count}, polars ${polars.count}`);
  console.error(`ours:   ${JSON.stringify(ours.rows.slice(0, 3))}`);
  console.error(`polars: ${JSON.stringify(polars.rows.slice(0, 3))}`);
  process.exit(1);
}

/** pandas' report, or undefined (said once) when this machine's python3 has no pandas: the polars side still runs. */
function runPandas(rowsPath: string, specPath: string): PandasReport | undefined {
  if (!pandasAvailable()) return undefined;
  try {
    const script = join(__dirname, 'pandas_pipe.py');
    const output = execFileSync(PYTHON, [script, rowsPath, specPath, String(REPS), String(WARMUP), String(PANDAS_FRAME_REPS)], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(output) as PandasReport;
  } catch (error) {
    console.error(`pandas side failed (needs ${PYTHON} with pandas: apt-get update && apt-get install -y python3-pandas)`);
    throw error;
  }
}

/** Fails the run loudly when the two sides disagree. */
function assertSamePage(scenario: string, ours: { count: number; symbols: string[] }, pandas: PandasReport, pageSize: number): void {
  const sameCount = ours.count === pandas.count;
  const sameSymbols = ours.symbols.length === pandas.symbols.length && ours.symbols.every((symbol, i) => symbol === pandas.symbols[i]);
  if (sameCount && sameSymbols && ours.symbols.length === pageSize) return;
  console.error(`!!!!!!!! MISMATCH between our pipe and pandas in "${scenario}" !!!!!!!!`);
  console.error(`count: ours ${ours.count}, pandas ${pandas.count}`);
  console.error(`ours:   ${ours.symbols.join(' ')}`);
  console.error(`pandas: ${pandas.symbols.join(' ')}`);
  process.exit(1);
}

function printTable(rows: Array<[string, TimingSummary]>): void {
  const format = (ms: number) => ms.toFixed(2).padStart(9);
  console.log(`  ${'case'.padEnd(50)} ${'median ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'runs'.padStart(5)}`);
  for (const [label, summary] of rows) {
    console.log(`  ${label.padEnd(50)} ${format(summary.median)} ${format(summary.p95)} ${String(summary.runs).padStart(5)}`);
  }
}

const ratio = (theirs: TimingSummary, ours: TimingSummary) => `${(theirs.median / ours.median).toFixed(1)}x`;

let pandasChecked: boolean | undefined;
function pandasAvailable(): boolean {
  if (pandasChecked === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import numpy, pandas'], { stdio: 'ignore' });
      pandasChecked = true;
    } catch {
      console.error(`(pandas side skipped: ${PYTHON} has no pandas; apt-get update && apt-get install -y python3-pandas to run it)`);
      pandasChecked = false;
    }
  }
  return pandasChecked;
}

/** Runs one scenario on every side; returns false when pandas beat our cold pipe or polars beat us on the hub path. */
function runScenario(name: string, spec: Spec, rows: MarketRow[], rowsJson: string, rowsPath: string, directory: string): boolean {
  const specPath = join(directory, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const rawQuery = toRawQuery(spec);
  const query = compileQuery(rawQuery);

  const firstCall = timeOnce(() => applyQuery(rows, query));
  const result = applyQuery(rows, query);
  const warm = summarise(timeRepeated(() => applyQuery(rows, query), REPS, WARMUP));
  const cold = summarise(timeCold(rowsJson, query, COLD_REPS));

  const pandas = runPandas(rowsPath, specPath);
  const symbols = result.rows.map((row) => row.symbol);
  if (pandas) assertSamePage(name, { count: result.count, symbols }, pandas, spec.page_size);

  assertSameAsPolars(name, result, polarsPage(JSON.parse(rowsJson) as MarketRow[], spec));
  const hub = timeHubPath(rowsJson, query, spec, HUB_REPS);
  const oursHub = summarise(hub.ours);
  const polarsHub = summarise(hub.polars);
  const frame = polarsFrame(JSON.parse(rowsJson) as MarketRow[]);
  const polarsOp = summarise(timeRepeated(() => JSON.stringify(polarsPageOf(frame, spec).rows), HUB_REPS, 1));

  const pandasOp = pandas && summarise(pandas.op_ms);
  const pandasWithFrame = pandas && summarise(pandas.with_frame_ms);
  console.log(`\n== ${name}: ${result.count} matches`);
  console.log(`  query: ${JSON.stringify(rawQuery)}`);
  console.log(`  same page on every side: ${symbols.slice(0, 4).join(', ')}, ... (pandas ${pandas?.pandas_version ?? 'skipped'}, nodejs-polars ${polarsVersion()})`);
  printTable([
    ['ours, warm (same rows array reused)', warm],
    ['ours, cold (rows parsed afresh per sample)', cold],
    ...(pandasOp && pandasWithFrame
      ? ([
          ['pandas, operation on a prebuilt DataFrame', pandasOp],
          ['pandas, pd.DataFrame(records) + operation', pandasWithFrame],
        ] as Array<[string, TimingSummary]>)
      : []),
    ['polars, operation + page JSON, prebuilt DataFrame', polarsOp],
    ['hub path, ours: fresh rows -> page JSON', oursHub],
    ['hub path, polars: fresh rows -> DataFrame -> page JSON', polarsHub],
  ]);
  console.log(`  ratio polars/ours (median), hub path: ${ratio(polarsHub, oursHub)} (target >= 1x); polars on a prebuilt DataFrame vs ours warm: ${ratio(polarsOp, warm)}`);
  console.log(`  ours, very first call in this process: ${firstCall.toFixed(2)} ms`);
  if (pandasOp && pandasWithFrame) {
    console.log(`  ratio pandas/ours (median), operation only: warm ${ratio(pandasOp, warm)}, cold ${ratio(pandasOp, cold)}`);
    console.log(`  ratio pandas/ours (median), incl. DataFrame build: warm ${ratio(pandasWithFrame, warm)}, cold ${ratio(pandasWithFrame, cold)}`);
  }
  return (!pandasOp || pandasOp.median > cold.median) && polarsHub.median >= oursHub.median;
}

function polarsVersion(): string {
  return (require('nodejs-polars/package.json') as { version: string }).version;
}

function main(): void {
  const directory = mkdtempSync(join(tmpdir(), 'filter-pipe-'));
  try {
    const rowsJson = JSON.stringify(generateMarketRows(ROW_COUNT));
    const rowsPath = join(directory, 'rows.json');
    writeFileSync(rowsPath, rowsJson);
    // ours runs on rows read from the same file text as pandas', not on the generator's objects
    const rows = JSON.parse(rowsJson) as MarketRow[];
    console.log(`filter-pipe: ${ROW_COUNT} rows, node ${process.version}, ${REPS} timed runs after ${WARMUP} warm-up (cold: ${COLD_REPS})`);

    const lost = SCENARIOS.filter(({ name, spec }) => !runScenario(name, spec, rows, rowsJson, rowsPath, directory));
    if (lost.length > 0) {
      console.error(`!!!!!!!! pandas beat our cold pipe, or polars our hub path, in: ${lost.map(({ name }) => name).join('; ')} !!!!!!!!`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main();
