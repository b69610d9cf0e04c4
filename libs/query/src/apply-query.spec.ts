import { applyQuery, compileQuery, QueryMemo, type QueryOptions, type RawQuery } from './index';
import { searchHaystack } from './search';

function run<T>(rows: readonly T[], raw: RawQuery, options?: QueryOptions, now?: number) {
  return applyQuery(rows, compileQuery(raw, options), now);
}

const snapshotCards = [
  { title: 'Total Crypto Market Cap', value: '$2,345,678,901' },
  { title: 'BTC Dominance', value: '52.34 %', logo: '...', symbol: 'BTC' },
  { title: 'ETH Dominance', value: '17.89 %', logo: '...', symbol: 'ETH' },
];

describe('seed examples', () => {
  it('overall-market-snapshot: filters={"symbol":"BTC"}&sort_by=value&sort_order=desc&page=1&page_size=10', () => {
    const result = run(snapshotCards, { filters: '{"symbol":"BTC"}', sort_by: 'value', sort_order: 'desc', page: '1', page_size: '10' });
    expect(result).toEqual({ rows: [snapshotCards[1]], count: 1 });
  });

  it('sorts the card values as numbers, not text', () => {
    expect(run(snapshotCards, { sort_by: 'value', sort_order: 'desc' }).rows.map((card) => card.value)).toEqual([
      '$2,345,678,901',
      '52.34 %',
      '17.89 %',
    ]);
    expect(run(snapshotCards, { sort_by: 'value' }).rows.map((card) => card.value)).toEqual(['17.89 %', '52.34 %', '$2,345,678,901']);
  });

  it('btc_dom: filters={"Title":"Bitcoin Dominance"}', () => {
    const rows = [{ Title: 'Bitcoin Dominance', Value: '52.34 %' }];
    expect(run(rows, { filters: '{"Title":"Bitcoin Dominance"}' })).toEqual({ rows, count: 1 });
    expect(run(rows, { filters: '{"Title":"Ethereum Dominance"}' })).toEqual({ rows: [], count: 0 });
  });

  it('main_table: filters={"name":"Tether"}&sort_by=market_cap&sort_order=desc', () => {
    const rows = [
      { rank: 2, name: 'USD Coin', market_cap: 32_000_000_000 },
      { rank: 1, name: 'Tether', market_cap: 83_000_000_000 },
      { rank: 3, name: 'tether gold', market_cap: 500_000_000 },
    ];
    expect(run(rows, { filters: '{"name":"tether"}', sort_by: 'market_cap', sort_order: 'desc' })).toEqual({ rows: [rows[1]], count: 1 });
  });

  const marketcapSeries = [
    { timestamp: 1719874800, marketcap: 123_356_789 },
    { timestamp: 1719878400, marketcap: 1_123_456_789 },
    { timestamp: 1719880200, marketcap: 999_999_999 },
    { timestamp: 1719882000, marketcap: 1_123_556_789 },
    { timestamp: 1719885600, marketcap: 2_000_000_000 },
  ];

  it('marketcap_total_index: ms start/end against second timestamps, inclusive, with a comparison filter', () => {
    const result = run(marketcapSeries, {
      filters: '{"marketcap":">1000000000"}',
      sort_by: 'marketcap',
      sort_order: 'desc',
      page: '1',
      page_size: '10',
      start_time: '1719878400000',
      end_time: '1719882000000',
      time_field: 'timestamp',
    });
    expect(result).toEqual({ rows: [marketcapSeries[3], marketcapSeries[1]], count: 2 });
  });

  it('event_logs: defaultSortOrder desc with dedupe on timestamp and stablecoin', () => {
    const events = [
      { timestamp: 1640995200, stablecoin: 'USDT', severity_score: 123.45, event_type: 'current' },
      { timestamp: 1640995200, stablecoin: 'USDT', severity_score: 99, event_type: 'historical' },
      { timestamp: 1640995200, stablecoin: 'USDC', severity_score: 50 },
      { timestamp: 1640991600, stablecoin: 'USDT', severity_score: 200 },
    ];
    const result = run(events, { dedupe_key: 'timestamp,stablecoin', sort_by: 'severity_score' }, { defaultSortOrder: 'desc' });
    expect(result).toEqual({ rows: [events[3], events[0], events[2]], count: 3 });
  });
});

describe('search', () => {
  const rows = [
    { id: 1, name: 'Tether', symbol: 'USDT', price: 1 },
    { id: 2, name: 'USD Coin', symbol: 'USDC', price: 1 },
    { id: 3, name: 'Dai', symbol: 'DAI', price: 12345, details: [{ market: 'Binance', volume: 5 }], raw: { note: 'hidden' } },
    { id: 4, name: 'Pax Dollar', symbol: 'USDP', tags: ['Regulated'] },
  ];
  const ids = (search: string) => run(rows, { search }).rows.map((row) => row.id);

  it('matches a case-insensitive substring of any string field', () => {
    expect(ids('usd')).toEqual([1, 2, 4]);
    expect(ids('COIN')).toEqual([2]);
    expect(ids('teth')).toEqual([1]);
  });

  it('looks into nested lists but not into numbers or objects on the row', () => {
    expect(ids('binance')).toEqual([3]);
    expect(ids('regulated')).toEqual([4]);
    expect(ids('12345')).toEqual([]);
    expect(ids('hidden')).toEqual([]);
  });

  it('does not match across two fields', () => {
    expect(ids('tetherusdt')).toEqual([]);
    expect(ids('dai dai')).toEqual([]);
  });

  it('separates values exactly as a join would: empty strings and nested values included', () => {
    const row = { a: '', b: 'Tether', c: ['', 'X', { d: 'Y', e: 1 }], f: 2, g: 'Z' };
    expect(searchHaystack(row)).toBe(['', 'Tether', '', 'X', 'Y', 'Z'].join('\u0000').toLowerCase());
    expect(searchHaystack({})).toBe('');
    // a separator in the needle matches only between two values, never before the first one
    expect(run([{ id: 1, name: 'usd' }], { search: '\u0000usd' }).rows).toEqual([]);
    expect(run([{ id: 1, name: 'x', symbol: 'usd' }], { search: '\u0000usd' }).rows).toHaveLength(1);
  });

  it('gives the same answers on a reused snapshot and after it changes', () => {
    expect(ids('dollar')).toEqual([4]);
    expect(ids('dollar')).toEqual([4]);
    const changed = [...rows, { id: 5, name: 'Dollar Bill' }];
    expect(run(changed, { search: 'dollar' }).rows.map((row) => row.id)).toEqual([4, 5]);
  });

  it('combines with filters', () => {
    expect(run(rows, { search: 'usd', filters: { price: 1 } }).rows.map((row) => row.id)).toEqual([1, 2]);
  });
});

describe('time range', () => {
  const rows = [
    { id: 'sec', timestamp: 1719878400 },
    { id: 'ms', timestamp: 1719880000000 },
    { id: 'text', timestamp: '1719882000' },
    { id: 'iso', timestamp: '2024-07-02T00:30:00Z' },
    { id: 'late', timestamp: 1719882001 },
    { id: 'early', timestamp: 1719878399999 },
    { id: 'none' },
    { id: 'junk', timestamp: 'soon' },
  ];
  const ids = (raw: RawQuery, options?: QueryOptions, now?: number) => run(rows, raw, options, now).rows.map((row) => row.id);

  it('keeps rows inside the inclusive range whatever the units on either side', () => {
    const inRange = ['sec', 'ms', 'text', 'iso'];
    expect(ids({ start_time: '1719878400000', end_time: '1719882000000' })).toEqual(inRange);
    expect(ids({ start_time: 1719878400, end_time: 1719882000 })).toEqual(inRange);
    expect(ids({ start_time: '2024-07-02T00:00:00Z', end_time: '2024-07-02T01:00:00Z' })).toEqual(inRange);
  });

  it('supports open ranges', () => {
    expect(ids({ start_time: '1719882000' })).toEqual(['text', 'late']);
    expect(ids({ end_time: '1719878400' })).toEqual(['sec', 'early']);
  });

  it('uses time_field, or the default time field from options', () => {
    const series = [
      { time: 1712345678, price: 1.001, timestamp: 1 },
      { time: 1712345688, price: 0.999, timestamp: 1 },
    ];
    expect(run(series, { start_time: '1712345680', time_field: 'time' }).rows).toEqual([series[1]]);
    expect(run(series, { start_time: '1712345680' }, { defaultTimeField: 'time' }).rows).toEqual([series[1]]);
    expect(run(series, { start_time: '1712345680' }).rows).toEqual([]);
  });

  it('timeframe keeps rows within the duration before now', () => {
    const now = Date.UTC(2024, 6, 10); // 1720569600 s
    const day = 86_400;
    const events = [
      { id: 'old', timestamp: 1720569600 - 8 * day },
      { id: 'edge', timestamp: 1720569600 - 7 * day },
      { id: 'recent-ms', timestamp: (1720569600 - 3 * day) * 1000 },
      { id: 'hour-ago', timestamp: 1720569600 - 3600 },
      { id: 'future', timestamp: 1720569600 + 60 },
    ];
    const ids7d = run(events, { timeframe: '7d' }, {}, now).rows.map((row) => row.id);
    expect(ids7d).toEqual(['edge', 'recent-ms', 'hour-ago', 'future']);
    expect(run(events, { timeframe: '1h' }, {}, now).rows.map((row) => row.id)).toEqual(['hour-ago', 'future']);
    expect(run(events, { timeframe: '7d', end_time: 1720569600 - day }, {}, now).rows.map((row) => row.id)).toEqual(['edge', 'recent-ms']);
  });

  it('drops rows without a parseable time only when a time constraint is given', () => {
    expect(run(rows, {}).count).toBe(rows.length);
    expect(ids({ start_time: '0' })).toEqual(['sec', 'ms', 'text', 'iso', 'late', 'early']);
  });
});

describe('sort', () => {
  it('sorts numbers and formatted numeric strings together as numbers', () => {
    const rows = [
      { id: 'a', v: '1,234,567,890 USD' },
      { id: 'b', v: 52.34 },
      { id: 'c', v: '$2,345,678,901' },
      { id: 'd', v: '9 %' },
      { id: 'e', v: '-$5' },
    ];
    expect(run(rows, { sort_by: 'v' }).rows.map((row) => row.id)).toEqual(['e', 'd', 'b', 'a', 'c']);
    expect(run(rows, { sort_by: 'v', sort_order: 'desc' }).rows.map((row) => row.id)).toEqual(['c', 'a', 'b', 'd', 'e']);
  });

  it('sorts text case-insensitively, after numbers, with missing values always last', () => {
    const rows = [
      { id: 1, v: 'banana' },
      { id: 2 },
      { id: 3, v: 'Apple' },
      { id: 4, v: 10 },
      { id: 5, v: null },
      { id: 6, v: 'cherry' },
      { id: 7, v: '2' },
    ];
    expect(run(rows, { sort_by: 'v' }).rows.map((row) => row.id)).toEqual([7, 4, 3, 1, 6, 2, 5]);
    expect(run(rows, { sort_by: 'v', sort_order: 'desc' }).rows.map((row) => row.id)).toEqual([4, 7, 6, 1, 3, 2, 5]);
  });

  it('is stable in both directions', () => {
    const rows = [
      { id: 1, v: 5 },
      { id: 2, v: 'x' },
      { id: 3, v: 5 },
      { id: 4, v: 'X' },
      { id: 5, v: 1 },
      { id: 6, v: 5 },
    ];
    expect(run(rows, { sort_by: 'v' }).rows.map((row) => row.id)).toEqual([5, 1, 3, 6, 2, 4]);
    expect(run(rows, { sort_by: 'v', sort_order: 'desc' }).rows.map((row) => row.id)).toEqual([1, 3, 6, 5, 2, 4]);
  });

  it('finds the sort field case-insensitively and handles infinities', () => {
    const rows = [{ Price: Infinity }, { Price: 1 }, { Price: -Infinity }, { Price: Infinity }];
    expect(run(rows, { sort_by: 'price' }).rows).toEqual([rows[2], rows[1], rows[0], rows[3]]);
  });

  it('gives a page of a partial sort identical to the same page of a full sort', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows = Array.from({ length: 5000 }, (_, id) => {
      const pick = random();
      const v = pick < 0.05 ? undefined : pick < 0.1 ? `label ${Math.floor(random() * 20)}` : pick < 0.5 ? Math.floor(random() * 100) : `$${Math.floor(random() * 100)}`;
      return { id, v };
    });
    for (const sort_order of ['asc', 'desc']) {
      const everything = run(rows, { sort_by: 'v', sort_order }).rows.map((row) => row.id);
      for (const page of [1, 2, 7]) {
        const paged = run(rows, { sort_by: 'v', sort_order, page, page_size: 50 });
        expect(paged.count).toBe(5000);
        expect(paged.rows.map((row) => row.id)).toEqual(everything.slice((page - 1) * 50, page * 50));
      }
    }
  });

  it('sorts many numeric values (radix path) like a stable comparator sort', () => {
    const rows = Array.from({ length: 3000 }, (_, id) => ({ id, v: id % 7 === 0 ? `$${(id * 37) % 1000},000` : ((id * 7919) % 2000) - 1000 }));
    const numeric = (row: { v: string | number }) => (typeof row.v === 'number' ? row.v : Number(row.v.replace(/[$,]/g, '')));
    for (const sort_order of ['asc', 'desc']) {
      const direction = sort_order === 'asc' ? 1 : -1;
      const expected = [...rows].sort((a, b) => (numeric(a) - numeric(b)) * direction || a.id - b.id).map((row) => row.id);
      expect(run(rows, { sort_by: 'v', sort_order }).rows.map((row) => row.id)).toEqual(expected);
    }
  });

  it('gives the same pages of all-numeric keys (ties, -0, infinities) with and without a memo, filtered or not', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const specials = [0, -0, Infinity, -Infinity, 5, -5];
    const rows = Array.from({ length: 4000 }, (_, id) => {
      const pick = random();
      const v = pick < 0.1 ? specials[Math.floor(random() * specials.length)] : pick < 0.5 ? Math.floor(random() * 50) - 25 : `$${Math.floor(random() * 40)}`;
      return { id, v, odd: id % 2 === 1 ? 'yes' : 'no' };
    });
    const numeric = (row: { v: string | number }) => (typeof row.v === 'number' ? row.v : Number(row.v.slice(1)));
    const memo = new QueryMemo();
    for (const filters of [undefined, JSON.stringify({ odd: 'yes' })]) {
      for (const sort_order of ['asc', 'desc']) {
        const direction = sort_order === 'asc' ? 1 : -1;
        const expected = rows
          .filter((row) => filters === undefined || row.odd === 'yes')
          .sort((a, b) => {
            const left = numeric(a) * direction;
            const right = numeric(b) * direction;
            return left < right ? -1 : left > right ? 1 : a.id - b.id;
          })
          .map((row) => row.id);
        for (const page of [1, 3]) {
          const query = compileQuery({ sort_by: 'v', sort_order, page, page_size: 40, ...(filters ? { filters } : {}) });
          const want = expected.slice((page - 1) * 40, page * 40);
          expect(applyQuery(rows, query, 0).rows.map((row) => row.id)).toEqual(want);
          expect(applyQuery(rows, query, 0, memo).rows.map((row) => row.id)).toEqual(want);
        }
      }
    }
  });

  it('keeps ties in input order in a partial sort of numbers', () => {
    const rows = Array.from({ length: 1000 }, (_, id) => ({ id, v: id % 3 }));
    expect(run(rows, { sort_by: 'v', page: 2, page_size: 5 }).rows.map((row) => row.id)).toEqual([15, 18, 21, 24, 27]);
    expect(run(rows, { sort_by: 'v', sort_order: 'desc', page: 1, page_size: 5 }).rows.map((row) => row.id)).toEqual([2, 5, 8, 11, 14]);
  });
});

describe('pagination', () => {
  const rows = Array.from({ length: 25 }, (_, id) => ({ id }));

  it('returns every row when there is no page size', () => {
    expect(run(rows, {}).rows).toHaveLength(25);
    expect(run(rows, { page: 3 }).rows).toHaveLength(25);
  });

  it('pages 1-based with the count of all matches', () => {
    expect(run(rows, { page: '2', page_size: '10' })).toEqual({ rows: rows.slice(10, 20), count: 25 });
    expect(run(rows, { page: 3, page_size: 10 })).toEqual({ rows: rows.slice(20), count: 25 });
  });

  it('returns no rows past the end but still the count', () => {
    expect(run(rows, { page: 4, page_size: 10 })).toEqual({ rows: [], count: 25 });
    expect(run(rows, { page: 2, page_size: 10, filters: { id: '<5' } })).toEqual({ rows: [], count: 5 });
  });

  it('uses the default page size from options and clamps to the maximum', () => {
    expect(run(rows, {}, { defaultPageSize: 5 }).rows.map((row) => row.id)).toEqual([0, 1, 2, 3, 4]);
    expect(run(rows, { page: 2, page_size: 100 }, { maxPageSize: 20 }).rows.map((row) => row.id)).toEqual([20, 21, 22, 23, 24]);
  });
});

describe('dedupe_key', () => {
  const rows = [
    { id: 1, coin: 'USDT', t: 1 },
    { id: 2, coin: 'USDT', t: 1 },
    { id: 3, coin: 'usdt', t: 1 },
    { id: 4, coin: 'USDT', t: '1' },
    { id: 5, t: 1 },
    { id: 6, t: 1 },
    { id: 7, coin: 'USDT', t: 2, tags: ['a'] },
    { id: 8, coin: 'USDT', t: 2, tags: ['a'] },
  ];
  const ids = (raw: RawQuery) => run(rows, raw).rows.map((row) => row.id);

  it('keeps the first row of each distinct value, exactly compared', () => {
    expect(ids({ dedupe_key: 'coin' })).toEqual([1, 3, 5]);
    expect(ids({ dedupe_key: 't' })).toEqual([1, 4, 7]);
    expect(ids({ dedupe_key: 'tags' })).toEqual([1, 7]);
  });

  it('combines several fields', () => {
    expect(ids({ dedupe_key: 'coin,t' })).toEqual([1, 3, 4, 5, 7]);
    expect(ids({ dedupe_key: 'coin, t, tags' })).toEqual([1, 3, 4, 5, 7]);
  });

  it('runs after filters and before sort and pagination, so count is distinct matches', () => {
    expect(run(rows, { dedupe_key: 'coin', filters: { t: 2 } }).rows.map((row) => row.id)).toEqual([7]);
    const sorted = run(rows, { dedupe_key: 't', sort_by: 'id', sort_order: 'desc', page_size: 2 });
    expect(sorted.count).toBe(3);
    expect(sorted.rows.map((row) => row.id)).toEqual([7, 4]);
  });
});

describe('applyQuery', () => {
  it('never mutates the input', () => {
    const rows = [{ id: 2, v: 'b' }, { id: 1, v: 'a' }, { id: 3, v: 'c' }];
    const before = JSON.stringify(rows);
    const frozen = Object.freeze(rows.map((row) => Object.freeze(row)));
    const result = run(frozen, { sort_by: 'v', search: 'a', filters: { id: '>0' }, dedupe_key: 'id', page_size: 1 });
    expect(result).toEqual({ rows: [{ id: 1, v: 'a' }], count: 1 });
    expect(JSON.stringify(rows)).toBe(before);
  });

  it('returns a new array even when nothing applies', () => {
    const rows = [{ id: 1 }];
    const result = run(rows, {});
    expect(result.rows).toEqual(rows);
    expect(result.rows).not.toBe(rows);
  });

  it('skips non-object rows when a row test applies', () => {
    const rows = [null, 5, 'USDT', { symbol: 'USDT' }] as unknown[];
    expect(run(rows, { search: 'usdt' })).toEqual({ rows: [{ symbol: 'USDT' }], count: 1 });
    expect(run(rows, { sort_by: 'symbol' }).rows).toEqual([{ symbol: 'USDT' }, null, 5, 'USDT']);
  });

  it('refuses a query that compileQuery did not make', () => {
    expect(() => applyQuery([], { key: 'k', params: {} })).toThrow('applyQuery needs a query made by compileQuery');
  });
});
