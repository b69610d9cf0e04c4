import type { WindowTotals } from './pool-windows';
import { RESOLUTIONS, type ResolutionName } from './resolutions';

/** Pool and token figures that change slowly (read from the chain, refreshed on their own schedule). */
export interface QuasiStaticMetrics {
  /** unix seconds of the pool's creation */
  createdTime: number;
  token0LiquidityUsd: number;
  token1LiquidityUsd: number;
  /** whole tokens (decimals applied) */
  token0Supply: number;
  token1Supply: number;
}

type PerResolution<P extends string> = { [K in `${P}_${ResolutionName}`]: number };

/** The value of one Kafka message: the seed's flat JSON, keys in the seed example's order. */
export type DexMetricsValue = PerResolution<'buy_volume'> &
  PerResolution<'buyers'> &
  PerResolution<'buys'> &
  PerResolution<'sell_volume'> &
  PerResolution<'sellers'> &
  PerResolution<'sells'> &
  PerResolution<'trades_volume'> &
  PerResolution<'txs_count'> &
  PerResolution<'txs_count_uniq'> & {
    created_time: number;
    total_liquidity: number;
    token0_liquidity: number;
    token0_supply: number;
    token1_liquidity: number;
    token1_supply: number;
  };

const PER_RESOLUTION: ReadonlyArray<[string, (t: WindowTotals) => number]> = [
  ['buy_volume', (t) => t.buyCents / 100],
  ['buyers', (t) => t.buyers],
  ['buys', (t) => t.buys],
  ['sell_volume', (t) => t.sellCents / 100],
  ['sellers', (t) => t.sellers],
  ['sells', (t) => t.sells],
  // summed in cents (integers) so the sum is exact, then scaled once
  ['trades_volume', (t) => (t.buyCents + t.sellCents) / 100],
  ['txs_count', (t) => t.buys + t.sells],
  ['txs_count_uniq', (t) => t.makers],
];

/** The key names, built once (this runs for every message). */
const PER_RESOLUTION_KEYS = PER_RESOLUTION.map(([metric, read]) => [RESOLUTIONS.map((r) => `${metric}_${r.name}`), read] as const);

/** Every key of a message value, in order (the published contract lists them). */
export const METRICS_VALUE_KEYS: readonly string[] = [
  ...PER_RESOLUTION_KEYS.flatMap(([keys]) => keys),
  'created_time',
  'total_liquidity',
  'token0_liquidity',
  'token0_supply',
  'token1_liquidity',
  'token1_supply',
];

export const EMPTY_QUASI_STATIC: QuasiStaticMetrics = { createdTime: 0, token0LiquidityUsd: 0, token1LiquidityUsd: 0, token0Supply: 0, token1Supply: 0 };

/** Builds the message value from the window totals (in `RESOLUTIONS` order) and the quasi-static figures. */
export function buildMetricsValue(totals: readonly WindowTotals[], quasi: QuasiStaticMetrics): DexMetricsValue {
  if (totals.length !== RESOLUTIONS.length) throw new RangeError(`expected ${RESOLUTIONS.length} window totals, got ${totals.length}`);
  const value: Record<string, number> = {};
  for (const [keys, read] of PER_RESOLUTION_KEYS) {
    for (let w = 0; w < keys.length; w++) value[keys[w]] = read(totals[w]);
  }
  // liquidity in cents too, so total_liquidity is exactly token0 + token1 at cent precision
  const token0Cents = toCents(quasi.token0LiquidityUsd);
  const token1Cents = toCents(quasi.token1LiquidityUsd);
  value.created_time = Math.trunc(quasi.createdTime);
  value.total_liquidity = (token0Cents + token1Cents) / 100;
  value.token0_liquidity = token0Cents / 100;
  value.token0_supply = finiteOrZero(quasi.token0Supply);
  value.token1_liquidity = token1Cents / 100;
  value.token1_supply = finiteOrZero(quasi.token1Supply);
  return value as DexMetricsValue;
}

export function toCents(usd: number): number {
  return Number.isFinite(usd) && usd > 0 ? Math.round(usd * 100) : 0;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
