import { applyQuery, compileQuery } from './index';

/** Runs `filters` over rows and returns the `id`s that match, in order. */
function matchingIds<T extends { id: unknown }>(rows: readonly T[], filters: unknown): unknown[] {
  return applyQuery(rows, compileQuery({ filters: typeof filters === 'string' ? filters : JSON.stringify(filters) })).rows.map((row) => row.id);
}

const coins = [
  { id: 1, name: 'Tether', symbol: 'USDT', price: 1.0, market_cap: 83_000_000_000, volume: '$2,345,678,901', change: '0.01 %', active: true },
  { id: 2, name: 'USD Coin', symbol: 'USDC', price: 0.999, market_cap: 32_000_000_000, volume: '$1,000,000', change: '-0.02 %', active: true },
  { id: 3, name: 'Dai', symbol: 'DAI', price: 1.002, market_cap: 5_300_000_000, volume: '999,999 USD', change: '0 %', active: false },
  { id: 4, name: 'TerraUSD', symbol: 'UST', price: 0.02, market_cap: '150,000,000', volume: 'N/A', change: '-98.5 %', active: false },
  { id: 5, name: 'Mystery', symbol: null, price: 5, market_cap: 0, volume: 0, change: null, active: 'true' },
];

describe('filters: exact match', () => {
  it('compares strings case-insensitively', () => {
    expect(matchingIds(coins, { name: 'tether' })).toEqual([1]);
    expect(matchingIds(coins, { symbol: 'usdc' })).toEqual([2]);
    expect(matchingIds(coins, { name: 'tethe' })).toEqual([]);
  });

  it('handles letters whose lowercase is longer, such as the dotted capital I', () => {
    const cities = [{ id: 1, city: 'İSTANBUL' }, { id: 2, city: 'ISTANBUL' }];
    expect(matchingIds(cities, { city: 'İstanbul' })).toEqual([1]);
    expect(matchingIds(cities, { city: 'i\u0307stanbul' })).toEqual([1]);
    expect(matchingIds(cities, { city: ['istanbul', 'x'] })).toEqual([2]);
  });

  it('matches a number condition against numbers and numeric strings of equal value', () => {
    expect(matchingIds(coins, { price: 1 })).toEqual([1]);
    expect(matchingIds(coins, { market_cap: 150000000 })).toEqual([4]);
    expect(matchingIds(coins, { volume: 1000000 })).toEqual([2]);
    expect(matchingIds(coins, { volume: 0 })).toEqual([5]);
  });

  it('matches a numeric string condition against an equal number', () => {
    expect(matchingIds(coins, { price: '5' })).toEqual([5]);
  });

  it('matches booleans and their text, and null', () => {
    expect(matchingIds(coins, { active: true })).toEqual([1, 2, 5]);
    expect(matchingIds(coins, { active: 'FALSE' })).toEqual([3, 4]);
    expect(matchingIds(coins, { symbol: null })).toEqual([5]);
  });

  it('requires every field to match', () => {
    expect(matchingIds(coins, { active: true, price: '<1' })).toEqual([2]);
  });
});

describe('filters: comparisons', () => {
  it('compares numbers and formatted numeric strings', () => {
    expect(matchingIds(coins, { market_cap: '>1000000000' })).toEqual([1, 2, 3]);
    expect(matchingIds(coins, { market_cap: '>=150000000' })).toEqual([1, 2, 3, 4]);
    expect(matchingIds(coins, { market_cap: '<= 150,000,000' })).toEqual([4, 5]);
    expect(matchingIds(coins, { price: '<0.99' })).toEqual([4]);
    expect(matchingIds(coins, { price: '<=1' })).toEqual([1, 2, 4]);
    expect(matchingIds(coins, { volume: '>999999' })).toEqual([1, 2]);
    expect(matchingIds(coins, { change: '<0' })).toEqual([2, 4]);
    expect(matchingIds(coins, { change: '>=0' })).toEqual([1, 3]);
  });

  it('never matches a non-numeric value with < or >', () => {
    expect(matchingIds(coins, { volume: '<1000000000000' })).toEqual([1, 2, 3, 5]);
    expect(matchingIds(coins, { name: '>0' })).toEqual([]);
  });

  it('treats != as the negation of the exact match, for numbers and strings', () => {
    expect(matchingIds(coins, { market_cap: '!=0' })).toEqual([1, 2, 3, 4]);
    expect(matchingIds(coins, { symbol: '!=usdt' })).toEqual([2, 3, 4]);
    expect(matchingIds(coins, { volume: '!=1000000' })).toEqual([1, 3, 4, 5]);
  });
});

describe('filters: any of', () => {
  it('matches any listed condition', () => {
    expect(matchingIds(coins, { symbol: ['USDT', 'usdc'] })).toEqual([1, 2]);
    expect(matchingIds(coins, { price: [5, '<0.5'] })).toEqual([4, 5]);
    expect(matchingIds(coins, { symbol: [] })).toEqual([]);
  });

  it('matches a list-valued field when any element matches', () => {
    const rows = [
      { id: 'a', tags: ['Stable', 'fiat'] },
      { id: 'b', tags: ['algo'] },
      { id: 'c', tags: [] },
    ];
    expect(matchingIds(rows, { tags: 'stable' })).toEqual(['a']);
    expect(matchingIds(rows, { tags: ['algo', 'fiat'] })).toEqual(['a', 'b']);
  });
});

describe('filters: field names', () => {
  const cards = [
    { id: 1, Title: 'Bitcoin Dominance', title: 'lowercase twin' },
    { id: 2, Title: 'Ethereum Dominance' },
    { id: 3, TITLE: 'Bitcoin Dominance' },
  ];

  it('prefers the exact key and falls back to a case-insensitive key', () => {
    expect(matchingIds(cards, { Title: 'Bitcoin Dominance' })).toEqual([1, 3]);
    expect(matchingIds(cards, { title: 'Bitcoin Dominance' })).toEqual([3]);
    expect(matchingIds(cards, { title: 'lowercase twin' })).toEqual([1]);
  });

  it('matches nothing (and does not fail) on a field no row has, even with !=', () => {
    expect(matchingIds(coins, { colour: 'red' })).toEqual([]);
    expect(matchingIds(coins, { colour: '!=red' })).toEqual([]);
    expect(matchingIds(coins, { colour: '>1' })).toEqual([]);
  });
});

describe('filters: nested rows', () => {
  const distribution = [
    {
      id: 'USDT',
      stablecoin: 'USDT',
      chains: [
        { chain: 'ethereum', usd: 50_000_000_000, percent: 62.5 },
        { chain: 'tron', usd: 30_000_000_000, percent: 37.5 },
      ],
      total_usd: 80_000_000_000,
    },
    { id: 'USDC', stablecoin: 'USDC', chains: [{ chain: 'Solana', usd: 5_000_000_000, percent: 100 }], total_usd: 5_000_000_000 },
    { id: 'DAI', stablecoin: 'DAI', chains: [], total_usd: 0 },
    { id: 'X', stablecoin: 'X', chains: ['ethereum'], total_usd: 1 },
  ];

  it('matches a row when any element of an array of objects matches', () => {
    expect(matchingIds(distribution, { chain: 'ethereum' })).toEqual(['USDT']);
    expect(matchingIds(distribution, { chain: 'solana' })).toEqual(['USDC']);
    expect(matchingIds(distribution, { CHAIN: 'Tron' })).toEqual(['USDT']);
    expect(matchingIds(distribution, { usd: '>10000000000' })).toEqual(['USDT']);
    expect(matchingIds(distribution, { percent: 100 })).toEqual(['USDC']);
  });

  it('keeps the matching rows whole, with every element', () => {
    const result = applyQuery(distribution, compileQuery({ filters: '{"chain":"ethereum"}' }));
    expect(result.count).toBe(1);
    expect(result.rows[0]).toBe(distribution[0]);
    expect(result.rows[0].chains).toHaveLength(2);
  });

  it('checks each condition on its own, any element', () => {
    expect(matchingIds(distribution, { chain: 'tron', percent: 62.5 })).toEqual(['USDT']);
    expect(matchingIds(distribution, { chain: '!=ethereum' })).toEqual(['USDT', 'USDC']);
  });

  it('prefers a top-level field over nested ones', () => {
    expect(matchingIds(distribution, { stablecoin: 'usdc' })).toEqual(['USDC']);
  });
});

describe('filters: numeric text conditions', () => {
  it('match formatted strings of equal value', () => {
    expect(matchingIds(coins, { volume: '1000000' })).toEqual([2]);
    expect(matchingIds(coins, { change: '0' })).toEqual([3]);
  });
});
