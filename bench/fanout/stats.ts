import { BIN_MS, BINS, type WorkerReport } from './protocol';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

/** Merges the workers' sparse histograms and reads nearest-rank percentiles (ms, bin upper edge). */
export function latencySummary(reports: readonly WorkerReport[]): LatencySummary {
  const merged = new Float64Array(BINS);
  for (const report of reports) for (const [bin, count] of report.histogram) merged[bin] += count;
  let samples = 0;
  let maxBin = 0;
  for (let bin = 0; bin < BINS; bin++) {
    samples += merged[bin];
    if (merged[bin]) maxBin = bin;
  }
  const at = (fraction: number): number => {
    const rank = Math.max(1, Math.ceil(fraction * samples));
    let seen = 0;
    for (let bin = 0; bin < BINS; bin++) {
      seen += merged[bin];
      if (seen >= rank) return (bin + 1) * BIN_MS;
    }
    return NaN;
  };
  if (samples === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, samples };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: (maxBin + 1) * BIN_MS, samples };
}
