import type { CoinGeckoMarket, DefiLlamaPeggedAsset } from '@app/upstream';
import { mergeStablecoinRows } from './main-table';

const asset = (overrides: Partial<DefiLlamaPeggedAsset>): DefiLlamaPeggedAsset => ({
  id: '1',
  name: 'Tether',
  symbol: 'USDT',
  gecko_id: 'tether',
  pegType: 'peggedUSD',
  circulating: { peggedUSD: 100 },
  price: 0.999,
  ...overrides,
});
const market = (overrides: Partial<CoinGeckoMarket>): CoinGeckoMarket => ({
  id: 'tether',
  symbol: 'usdt',
  name: 'Tether',
  image: 'https://img/usdt.png',
  current_price: 1.001,
  market_cap: 120,
  price_change_percentage_24h: 0.05,
  ...overrides,
});

describe('mergeStablecoinRows', () => {
  it('joins on the CoinGecko id: logo, price, change and cap from CoinGecko, identity from DefiLlama, ranked by cap', () => {
    const rows = mergeStablecoinRows(
      [asset({}), asset({ id: '2', name: 'USD Coin', symbol: 'USDC', gecko_id: 'usd-coin', circulating: { peggedUSD: 300 }, price: 1 })],
      [market({}), market({ id: 'usd-coin', symbol: 'usdc', name: 'USDC', image: 'https://img/usdc.png', current_price: 0.9998, market_cap: 290, price_change_percentage_24h: -0.01 })],
      'usd',
    );
    expect(rows).toEqual([
      { rank: 1, name: 'USD Coin', symbol: 'USDC', logo: 'https://img/usdc.png', price: 0.9998, '24h_change_percent': -0.01, market_cap: 290 },
      { rank: 2, name: 'Tether', symbol: 'USDT', logo: 'https://img/usdt.png', price: 1.001, '24h_change_percent': 0.05, market_cap: 120 },
    ]);
  });

  it('falls back to DefiLlama price and circulating (USD) for coins CoinGecko lacks, and keeps CoinGecko-only coins', () => {
    const rows = mergeStablecoinRows(
      [asset({ gecko_id: null, circulating: { peggedUSD: 50, peggedEUR: 5 } }), asset({ id: '9', name: 'Gone', symbol: 'GONE', gecko_id: 'gone', deprecated: true })],
      [market({ id: 'usde', symbol: 'usde', name: 'Ethena USDe', market_cap: 80 })],
      'usd',
    );
    expect(rows).toEqual([
      { rank: 1, name: 'Ethena USDe', symbol: 'USDE', logo: 'https://img/usdt.png', price: 1.001, '24h_change_percent': 0.05, market_cap: 80 },
      { rank: 2, name: 'Tether', symbol: 'USDT', logo: null, price: 0.999, '24h_change_percent': null, market_cap: 55 },
    ]);
  });

  it('never mixes USD values into another vs_currency, and works with either upstream missing', () => {
    expect(mergeStablecoinRows([asset({})], undefined, 'eur')).toEqual([
      { rank: 1, name: 'Tether', symbol: 'USDT', logo: null, price: null, '24h_change_percent': null, market_cap: null },
    ]);
    expect(mergeStablecoinRows(undefined, [market({ market_cap: null })], 'usd')[0]).toMatchObject({ rank: 1, market_cap: null, price: 1.001 });
    expect(mergeStablecoinRows(undefined, undefined, 'usd')).toEqual([]);
  });

  it('puts unknown market caps last', () => {
    const rows = mergeStablecoinRows(undefined, [market({ id: 'a', name: 'A', market_cap: null }), market({ id: 'b', name: 'B', market_cap: 1 })], 'usd');
    expect(rows.map((row) => [row.rank, row.name])).toEqual([[1, 'B'], [2, 'A']]);
  });
});
