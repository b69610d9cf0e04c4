import { findInvariantViolations } from './invariants';
import { buildMetricsValue, type DexMetricsValue } from './metrics-message';
import type { WindowTotals } from './pool-windows';

// The seed's example message, verbatim.
const SEED_EXAMPLE = {
  buy_volume_5m: 3876, buy_volume_1h: 3876, buy_volume_4h: 12766, buy_volume_12h: 23291, buy_volume_24h: 41221,
  buyers_5m: 1, buyers_1h: 1, buyers_4h: 2, buyers_12h: 4, buyers_24h: 8,
  buys_5m: 1, buys_1h: 1, buys_4h: 2, buys_12h: 4, buys_24h: 8,
  sell_volume_5m: 0, sell_volume_1h: 2344, sell_volume_4h: 2344, sell_volume_12h: 2344, sell_volume_24h: 2344,
  sellers_5m: 0, sellers_1h: 1, sellers_4h: 1, sellers_12h: 1, sellers_24h: 1,
  sells_5m: 0, sells_1h: 1, sells_4h: 1, sells_12h: 1, sells_24h: 1,
  trades_volume_5m: 3876, trades_volume_1h: 6220, trades_volume_4h: 15110, trades_volume_12h: 25635, trades_volume_24h: 43565,
  txs_count_5m: 1, txs_count_1h: 2, txs_count_4h: 3, txs_count_12h: 5, txs_count_24h: 9,
  txs_count_uniq_5m: 1, txs_count_uniq_1h: 2, txs_count_uniq_4h: 3, txs_count_uniq_12h: 5, txs_count_uniq_24h: 9,
  created_time: 1702313167, total_liquidity: 4756583.9, token0_liquidity: 2378291.95, token0_supply: 1990010200000,
  token1_liquidity: 2378291.95, token1_supply: 1990010200000,
} satisfies DexMetricsValue;

describe('buildMetricsValue', () => {
  it('builds the seed example from its window totals, key for key and in the same order', () => {
    const totals: WindowTotals[] = [
      { buyCents: 387600, sellCents: 0, buys: 1, sells: 0, buyers: 1, sellers: 0, makers: 1 },
      { buyCents: 387600, sellCents: 234400, buys: 1, sells: 1, buyers: 1, sellers: 1, makers: 2 },
      { buyCents: 1276600, sellCents: 234400, buys: 2, sells: 1, buyers: 2, sellers: 1, makers: 3 },
      { buyCents: 2329100, sellCents: 234400, buys: 4, sells: 1, buyers: 4, sellers: 1, makers: 5 },
      { buyCents: 4122100, sellCents: 234400, buys: 8, sells: 1, buyers: 8, sellers: 1, makers: 9 },
    ];
    const value = buildMetricsValue(totals, {
      createdTime: 1702313167,
      token0LiquidityUsd: 2378291.95,
      token1LiquidityUsd: 2378291.95,
      token0Supply: 1990010200000,
      token1Supply: 1990010200000,
    });
    expect(JSON.stringify(value)).toBe(JSON.stringify(SEED_EXAMPLE));
  });

  it('keeps trades_volume and total_liquidity exact sums of their parts at cent precision', () => {
    const value = buildMetricsValue(
      Array(5).fill({ buyCents: 10, sellCents: 20, buys: 1, sells: 1, buyers: 1, sellers: 1, makers: 1 }),
      { createdTime: 1, token0LiquidityUsd: 0.1049, token1LiquidityUsd: 0.2, token0Supply: 5, token1Supply: Number.NaN },
    );
    expect(value.trades_volume_5m).toBe(0.3); // not 0.30000000000000004
    expect(value.total_liquidity).toBe(0.3);
    expect(value.token1_supply).toBe(0);
    expect(findInvariantViolations(value)).toEqual([]);
  });
});

describe('findInvariantViolations', () => {
  it('accepts the seed example', () => {
    expect(findInvariantViolations(SEED_EXAMPLE)).toEqual([]);
  });

  it.each([
    ['trades_volume_1h', 6221, 'trades_volume_1h != buy_volume_1h + sell_volume_1h'],
    ['txs_count_4h', 4, 'txs_count_4h != buys_4h + sells_4h'],
    ['txs_count_uniq_12h', 6, 'txs_count_uniq_12h > buyers_12h + sellers_12h'],
    ['total_liquidity', 4756584, 'total_liquidity != token0_liquidity + token1_liquidity'],
    ['buyers_5m', 2, 'buyers_1h < buyers_5m'],
    ['sell_volume_24h', 2000, 'sell_volume_24h < sell_volume_12h'],
    ['sells_1h', -1, 'sells_1h is not a finite non-negative number (-1)'],
  ])('reports %s = %p', (key, bad, expected) => {
    const problems = findInvariantViolations({ ...SEED_EXAMPLE, [key]: bad });
    expect(problems).toContain(expected);
  });
});
