/**
 * Filter-pipe benchmark: our query pipe vs pandas on the same 100k rows and the same operations
 * (comparison filter + "any of" filter, substring search, numeric sort on a formatted string
 * column, page 3 of 50; and a broad filter where the sort dominates). Both sides must return the
 * same count and page, or the run fails.
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
import { summarise, type TimingSummary } from './stats';

const ROW_COUNT = 100_000;
const WARMUP = 5;
const REPS = 30;
const COLD_REPS = 8;
const PANDAS_FRAME_REPS = 5;
const PYTHON = '/usr/bin/python3';

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

function runPandas(rowsPath: string, specPath: string): PandasReport {
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

/** Runs one scenario on both sides; returns false when pandas beat our cold pipe. */
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
  assertSamePage(name, { count: result.count, symbols }, pandas, spec.page_size);

  const pandasOp = summarise(pandas.op_ms);
  const pandasWithFrame = summarise(pandas.with_frame_ms);
  console.log(`\n== ${name}: ${result.count} matches`);
  console.log(`  query: ${JSON.stringify(rawQuery)}`);
  console.log(`  same page on both sides: ${symbols.slice(0, 4).join(', ')}, ... (pandas ${pandas.pandas_version})`);
  printTable([
    ['ours, warm (same rows array reused)', warm],
    ['ours, cold (rows parsed afresh per sample)', cold],
    ['pandas, operation on a prebuilt DataFrame', pandasOp],
    ['pandas, pd.DataFrame(records) + operation', pandasWithFrame],
  ]);
  console.log(`  ours, very first call in this process: ${firstCall.toFixed(2)} ms`);
  console.log(`  ratio pandas/ours (median), operation only: warm ${ratio(pandasOp, warm)}, cold ${ratio(pandasOp, cold)}`);
  console.log(`  ratio pandas/ours (median), incl. DataFrame build: warm ${ratio(pandasWithFrame, warm)}, cold ${ratio(pandasWithFrame, cold)}`);
  return pandasOp.median > cold.median;
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
      console.error(`!!!!!!!! pandas beat our cold pipe in: ${lost.map(({ name }) => name).join('; ')} !!!!!!!!`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main();
