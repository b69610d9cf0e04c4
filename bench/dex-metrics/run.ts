/**
 * DEX metrics aggregation benchmark (issue 6): swaps aggregated per second on one core, with exact unique counts over
 * 24 h windows, and memory per active pool, for 1,000 pools.
 *
 *   npm run bench:dex-metrics                      # 1,000 pools × 5,000 swaps each over 24 h (5 M swaps)
 *   DEX_BENCH_SWAPS_PER_POOL=20000 npm run bench:dex-metrics
 *
 * The hot path measured is what the service does per swap: intern the maker address, add the swap to its pool's
 * windows (`DexMetricsBook.addTrade`). Then every pool's message value is built once per simulated 30 s (the batch
 * rhythm) to time message building separately. Memory = heap retained by the book (windows, maker tables, interned
 * addresses) after a full 24 h, after GC, divided by the pools. Targets: ≥ 100,000 swaps/s, < 200 KiB per pool.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../libs/simulator/src/random';
import { findInvariantViolations } from '../../apps/gateway/src/dex-metrics/domain/invariants';
import { DexMetricsBook } from '../../apps/gateway/src/dex-metrics/domain/metrics-book';

const POOLS = Number(process.env.DEX_BENCH_POOLS ?? 1_000);
const SWAPS_PER_POOL = Number(process.env.DEX_BENCH_SWAPS_PER_POOL ?? 5_000); // per 24 h
const MAKER_POPULATION = 200_000; // distinct addresses across all pools (bots and users trade several pools)
const MAKER_NEIGHBOURHOOD = 5_000; // each pool draws most of its makers from its own slice, skewed to a few heavy traders
const DAY = 86_400;
const START = 1_780_000_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:dex-metrics does)');

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** Flat lower-case strings, as JSON.parse hands them over (a string built with += is a rope, slow as a Map key). */
function makeAddresses(random: () => number): string[] {
  const bytes = Buffer.alloc(20);
  return Array.from({ length: MAKER_POPULATION }, () => {
    for (let i = 0; i < 20; i++) bytes[i] = Math.floor(random() * 256);
    return `0x${bytes.toString('hex')}`;
  });
}

function main(): void {
  const random = mulberry32(2026);
  const baseline = heapUsed();
  let addresses: string[] | undefined = makeAddresses(random);
  const tickers = Array.from({ length: POOLS }, (_, i) => `bsc:0x${i.toString(16).padStart(40, '0')}-USD`);
  const book = new DexMetricsBook();
  for (const ticker of tickers) book.track(ticker);

  // the swap stream, prepared up front so only aggregation is timed: pool, side, cents, maker address, time
  const total = POOLS * SWAPS_PER_POOL;
  const poolOf = new Uint16Array(total);
  const makerOf = new Uint32Array(total);
  const cents = new Float64Array(total);
  const sells = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    const pool = Math.floor(random() * POOLS);
    poolOf[i] = pool;
    makerOf[i] = (pool * 997 + Math.floor(random() ** 3 * MAKER_NEIGHBOURHOOD)) % MAKER_POPULATION;
    cents[i] = Math.floor(10 ** (3 + random() * 4)); // $10 … $100,000
    sells[i] = random() < 0.5 ? 1 : 0;
  }
  const secondsPerSwap = DAY / total;

  // 1. aggregation throughput over a full 24 h of swaps, with message values built every simulated 30 s per pool
  let aggregateNs = 0n;
  let aggregateCpuUs = 0;
  let buildCpuUs = 0;
  let built = 0;
  let violations = 0;
  const batch = 50_000;
  let nextFlushSec = START + 30;
  for (let from = 0; from < total; from += batch) {
    const to = Math.min(total, from + batch);
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let i = from; i < to; i++) {
      const makerId = book.interner.intern(addresses[makerOf[i]]);
      book.addTrade(tickers[poolOf[i]], { timeSec: START + Math.floor(i * secondsPerSwap), side: sells[i] ? 'sell' : 'buy', usdCents: cents[i], makerId });
    }
    aggregateNs += process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(cpu0);
    aggregateCpuUs += cpu.user + cpu.system;
    const nowSec = START + Math.floor(to * secondsPerSwap);
    if (nowSec >= nextFlushSec) {
      const cpu1 = process.cpuUsage();
      // one 30 s batch: every pool's message (in production only pools with a due message are built)
      for (const ticker of tickers) {
        const value = book.valueAt(ticker, nowSec * 1000)!;
        built++;
        if (built % 997 === 0 && findInvariantViolations(value).length > 0) violations++;
      }
      const used = process.cpuUsage(cpu1);
      buildCpuUs += used.user + used.system;
      nextFlushSec = nowSec + 30 * 60; // sample a build pass every 30 simulated minutes to keep the run short
    }
  }
  // CPU time of this (single-threaded) process: what one core does, whatever else shares the machine
  const swapsPerSecond = total / (aggregateCpuUs / 1e6);
  const swapsPerWallSecond = total / (Number(aggregateNs) / 1e9);
  const buildsPerSecond = built / (buildCpuUs / 1e6);

  // 2. memory with a full 24 h in every window: only what the book retains (addresses included) is counted
  for (const ticker of tickers) book.valueAt(ticker, (START + DAY - 1) * 1000);
  addresses = undefined;
  const retained = heapUsed() - baseline - (poolOf.byteLength + makerOf.byteLength + cents.byteLength + sells.byteLength);
  const storedSwaps = tickers.reduce((sum, t) => sum + book.storedSwaps(t), 0);
  const perPoolKiB = retained / POOLS / 1024;
  const sample = book.valueAt(tickers[0], (START + DAY - 1) * 1000)!;

  const report = {
    benchmark: 'dex-metrics',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
    config: { pools: POOLS, swapsPerPoolPer24h: SWAPS_PER_POOL, makerPopulation: MAKER_POPULATION, totalSwaps: total },
    results: {
      swapsAggregatedPerCpuSecond: Math.round(swapsPerSecond),
      swapsAggregatedPerWallSecond: Math.round(swapsPerWallSecond),
      messageValuesBuiltPerSecond: Math.round(buildsPerSecond),
      memoryPerPoolKiB: Number(perPoolKiB.toFixed(1)),
      storedSwaps,
      bytesPerStoredSwap: Number((retained / Math.max(1, storedSwaps)).toFixed(1)),
      internedMakers: book.interner.size,
      sampledInvariantViolations: violations,
      samplePool: { txs_count_24h: sample.txs_count_24h, txs_count_uniq_24h: sample.txs_count_uniq_24h, buyers_24h: sample.buyers_24h, sellers_24h: sample.sellers_24h },
    },
    targets: { swapsAggregatedPerSecond: 100_000, memoryPerPoolKiB: 200 },
  };
  const pass = swapsPerSecond >= 100_000 && perPoolKiB < 200 && violations === 0;
  console.log(`DEX metrics aggregation, ${POOLS} pools × ${SWAPS_PER_POOL} swaps / 24 h (${total.toLocaleString('en')} swaps), one core:`);
  console.log(`  swaps aggregated per second  ${Math.round(swapsPerSecond).toLocaleString('en').padStart(12)}   (per CPU-second of one core; target ≥ 100,000)`);
  console.log(`  … per wall-clock second      ${Math.round(swapsPerWallSecond).toLocaleString('en').padStart(12)}   (depends on what else runs on the machine)`);
  console.log(`  message values built per s   ${Math.round(buildsPerSecond).toLocaleString('en').padStart(12)}   (per CPU-second)`);
  console.log(`  memory per active pool       ${perPoolKiB.toFixed(1).padStart(9)} KiB   (target < 200 KiB; ${report.results.bytesPerStoredSwap} B per stored swap, ${book.interner.size.toLocaleString('en')} makers interned)`);
  console.log(`  sample pool 24h: ${JSON.stringify(report.results.samplePool)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(pass ? 'PASS' : 'FAIL: a target was missed');
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `dex-metrics-${report.date.slice(0, 10)}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (!pass) process.exitCode = 1;
}

main();
