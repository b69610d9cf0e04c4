import type { DefiLlamaPeggedAsset } from '@app/upstream';
import { distributionRows } from './distribution';

const asset = (symbol: string, chains: Record<string, [number, number]>): DefiLlamaPeggedAsset => ({
  id: symbol,
  name: `${symbol} coin`,
  symbol,
  pegType: 'peggedUSD',
  circulating: {},
  chainCirculating: Object.fromEntries(
    Object.entries(chains).map(([chain, [now, week]]) => [chain, { current: { peggedUSD: now }, circulatingPrevWeek: { peggedUSD: week }, circulatingPrevDay: {} }]),
  ),
});

describe('distributionRows', () => {
  it('splits each coin over the requested chains, percent of its total on them (the seed example: 62.5 / 37.5)', () => {
    const rows = distributionRows([asset('USDT', { Ethereum: [50e9, 40e9], Tron: [30e9, 30e9], Arbitrum: [5e9, 5e9] })], ['ethereum', 'bsc', 'tron'], '7d', 1_700_000_000);
    expect(rows).toEqual([
      {
        stablecoin: 'USDT',
        name: 'USDT coin',
        chains: [
          { chain: 'ethereum', usd: 50e9, percent: 62.5, change_percent: 25 },
          { chain: 'tron', usd: 30e9, percent: 37.5, change_percent: 0 },
        ],
        total_usd: 80e9,
        change_percent: 14.29,
        timestamp: 1_700_000_000,
      },
    ]);
  });

  it('matches chains case-insensitively, drops coins absent from them, sorts by total desc; no previous value → null change', () => {
    const rows = distributionRows(
      [asset('A', { BSC: [1, 1] }), asset('B', { bsc: [3, 0], Solana: [1, 1] }), asset('C', { Ethereum: [9, 9] })],
      ['bsc', 'solana'],
      '1d',
      0,
    );
    expect(rows.map((row) => [row.stablecoin, row.total_usd, row.chains.map((chain) => chain.percent), row.change_percent])).toEqual([
      ['B', 4, [75, 25], null],
      ['A', 1, [100], null],
    ]);
  });
});
