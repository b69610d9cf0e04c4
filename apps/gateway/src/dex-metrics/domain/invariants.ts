import type { DexMetricsValue } from './metrics-message';
import { RESOLUTION_NAMES } from './resolutions';

const TRANSACTIONAL = ['buy_volume', 'buyers', 'buys', 'sell_volume', 'sellers', 'sells', 'trades_volume', 'txs_count', 'txs_count_uniq'] as const;
const USD = new Set(['buy_volume', 'sell_volume', 'trades_volume']);

/** USD amounts are compared in integer cents: exact at the precision the message carries. */
const cents = (usd: number) => Math.round(usd * 100);

/**
 * Every assumption the seed states about a message, checked before it is sent. Returns the violations (empty = ok).
 * A larger resolution's value is never below a smaller one's (issue 6's reading of the seed's last rule).
 */
export function findInvariantViolations(value: DexMetricsValue): string[] {
  const v = value as unknown as Record<string, number>;
  const problems: string[] = [];
  for (const [key, number] of Object.entries(v)) {
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) problems.push(`${key} is not a finite non-negative number (${number})`);
  }
  for (const res of RESOLUTION_NAMES) {
    if (cents(v[`trades_volume_${res}`]) !== cents(v[`buy_volume_${res}`]) + cents(v[`sell_volume_${res}`])) {
      problems.push(`trades_volume_${res} != buy_volume_${res} + sell_volume_${res}`);
    }
    if (v[`txs_count_${res}`] !== v[`buys_${res}`] + v[`sells_${res}`]) problems.push(`txs_count_${res} != buys_${res} + sells_${res}`);
    if (v[`txs_count_uniq_${res}`] > v[`buyers_${res}`] + v[`sellers_${res}`]) problems.push(`txs_count_uniq_${res} > buyers_${res} + sellers_${res}`);
    for (const [count, side] of [['buyers', 'buys'], ['sellers', 'sells']] as const) {
      if (v[`${count}_${res}`] > v[`${side}_${res}`]) problems.push(`${count}_${res} > ${side}_${res}`);
    }
  }
  if (cents(v.total_liquidity) !== cents(v.token0_liquidity) + cents(v.token1_liquidity)) problems.push('total_liquidity != token0_liquidity + token1_liquidity');
  for (const metric of TRANSACTIONAL) {
    for (let i = 1; i < RESOLUTION_NAMES.length; i++) {
      const smaller = v[`${metric}_${RESOLUTION_NAMES[i - 1]}`];
      const larger = v[`${metric}_${RESOLUTION_NAMES[i]}`];
      const below = USD.has(metric) ? cents(larger) < cents(smaller) : larger < smaller;
      if (below) problems.push(`${metric}_${RESOLUTION_NAMES[i]} < ${metric}_${RESOLUTION_NAMES[i - 1]}`);
    }
  }
  return problems;
}
