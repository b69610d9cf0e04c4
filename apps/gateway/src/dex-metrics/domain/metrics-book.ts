import { MakerInterner } from './maker-interner';
import { EMPTY_QUASI_STATIC, buildMetricsValue, type DexMetricsValue, type QuasiStaticMetrics } from './metrics-message';
import { PoolWindows, type WindowSwap } from './pool-windows';

/** The rolling windows and quasi-static figures of every tracked symbol, keyed by ticker. */
export class DexMetricsBook {
  private readonly pools = new Map<string, { windows: PoolWindows; quasi: QuasiStaticMetrics }>();

  constructor(readonly interner: MakerInterner = new MakerInterner()) {}

  track(ticker: string): void {
    if (!this.pools.has(ticker)) this.pools.set(ticker, { windows: new PoolWindows(this.interner), quasi: EMPTY_QUASI_STATIC });
  }

  untrack(ticker: string): void {
    this.pools.get(ticker)?.windows.clear();
    this.pools.delete(ticker);
  }

  has(ticker: string): boolean {
    return this.pools.has(ticker);
  }

  tickers(): string[] {
    return [...this.pools.keys()];
  }

  addTrade(ticker: string, swap: WindowSwap): boolean {
    const pool = this.pools.get(ticker);
    pool?.windows.add(swap);
    return pool !== undefined;
  }

  retractTrade(ticker: string, swap: WindowSwap): boolean {
    return this.pools.get(ticker)?.windows.retract(swap) ?? false;
  }

  setQuasiStatic(ticker: string, quasi: QuasiStaticMetrics): void {
    const pool = this.pools.get(ticker);
    if (pool) pool.quasi = quasi;
  }

  quasiStatic(ticker: string): QuasiStaticMetrics | undefined {
    return this.pools.get(ticker)?.quasi;
  }

  /** The message value of `ticker` at `nowMs`; undefined for an untracked ticker. */
  valueAt(ticker: string, nowMs: number): DexMetricsValue | undefined {
    const pool = this.pools.get(ticker);
    if (!pool) return undefined;
    return buildMetricsValue(pool.windows.totalsAt(Math.floor(nowMs / 1000)), pool.quasi);
  }

  /** When the windows of `ticker` next change with no new swap (a swap leaves a window), epoch ms. */
  nextChangeMs(ticker: string): number | undefined {
    const next = this.pools.get(ticker)?.windows.nextExitSec();
    return next === undefined ? undefined : next * 1000;
  }

  /** Swaps held for `ticker` (for the memory benchmark and diagnostics). */
  storedSwaps(ticker: string): number {
    return this.pools.get(ticker)?.windows.size ?? 0;
  }
}
