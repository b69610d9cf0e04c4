import { applyQuery, compileQuery, QueryMemo, type RawQuery } from './index';
import { MAX_MEMO_ENTRIES } from './snapshot-memo';

const CHAINS = ['ethereum', 'solana', 'tron', 'bsc'];

/** Rows whose `chain` reads are counted: how many times a filter looked at the snapshot. */
function countedRows(count: number) {
  const reads = { chain: 0 };
  const rows = Array.from({ length: count }, (_, index) => {
    const row: Record<string, unknown> = {
      symbol: `S${index}`,
      price: ((index * 7919) % 1000) / 10,
      change_24h: `${(((index * 31) % 200) - 100) / 10} %`,
      updated: 1_700_000_000 + index * 60,
    };
    const chain = CHAINS[index % CHAINS.length];
    Object.defineProperty(row, 'chain', { enumerable: true, get: () => (reads.chain++, chain) });
    return row;
  });
  return { rows, reads };
}

const symbols = (result: { rows: Array<Record<string, unknown>> }) => result.rows.map((row) => row.symbol);

describe('QueryMemo: the views of one render pass share matches and sorted orders', () => {
  const queries: RawQuery[] = [
    ...CHAINS.flatMap((chain) =>
      ['price', 'change_24h'].flatMap((sort) =>
        ['1', '2', '5'].map((page) => ({ filters: JSON.stringify({ chain }), sort_by: sort, sort_order: page === '2' ? 'asc' : 'desc', page, page_size: '7' })),
      ),
    ),
    { search: 's1', sort_by: 'price', page_size: '10' },
    { filters: '{"price":">50"}', dedupe_key: 'chain' },
    { sort_by: 'change_24h', sort_order: 'desc', page: '3', page_size: '20' },
    { sort_by: 'change_24h', sort_order: 'desc', page: '1', page_size: '20' },
    { sort_by: 'change_24h', sort_order: 'desc' },
    { timeframe: '2h', time_field: 'updated' },
    {},
  ];

  it('gives every query exactly the result it has without a memo, whatever the order the pass asks in', () => {
    const { rows } = countedRows(500);
    const now = 1_700_000_000_000 + 500 * 60_000;
    const alone = queries.map((raw) => applyQuery(rows, compileQuery(raw), now));
    for (const order of [queries.map((_, i) => i), queries.map((_, i) => queries.length - 1 - i)]) {
      const memo = new QueryMemo();
      for (const i of order) expect(applyQuery(rows, compileQuery(queries[i]), now, memo)).toEqual(alone[i]);
    }
  });

  it('matches a filter once per snapshot however many views use it, and again for a new snapshot', () => {
    const { rows, reads } = countedRows(400);
    const views = ['1', '2', '3'].flatMap((page) => ['price', 'change_24h'].map((sort) => compileQuery({ filters: '{"chain":"tron"}', sort_by: sort, page, page_size: '10' })));
    views.forEach((query) => applyQuery(rows, query, 0));
    expect(reads.chain).toBe(6 * 400);

    reads.chain = 0;
    const memo = new QueryMemo();
    views.forEach((query) => applyQuery(rows, query, 0, memo));
    expect(reads.chain).toBe(400);

    const next = countedRows(400);
    views.forEach((query) => applyQuery(next.rows, query, 0, memo));
    expect(next.reads.chain).toBe(400);
  });

  it('indexes a field once a second text filter of the pass needs it, and then tests only the rows listed', () => {
    const { rows, reads } = countedRows(400);
    const memo = new QueryMemo();
    // the first chain scans the snapshot, the second builds the index (a read of each row) and tests its 100 rows, the
    // third and fourth test their 100 rows each: 1,100 reads instead of 1,600
    CHAINS.forEach((chain) => applyQuery(rows, compileQuery({ filters: JSON.stringify({ chain }) }), 0, memo));
    expect(reads.chain).toBe(400 + 400 + 3 * 100);
  });

  it('finds the rows of a text filter through the field index exactly as the filter alone does', () => {
    const chainValues: unknown[] = ['Ethereum', 'ethereum', 'ETHEREUM', 'solana', true, 'true', 'TRUE', false, 5, '5', null, ['Solana', 'ethereum'], [], { chain: 'x' }, 'İstanbul', 'i̇stanbul', ''];
    const rows: Array<Record<string, unknown>> = [];
    chainValues.forEach((chain, index) => {
      rows.push({ symbol: `S${index}`, chain, price: index });
      rows.push({ symbol: `N${index}`, chains: [{ chain }], price: index }); // no own field: the nested fallback
    });
    rows.push({ symbol: 'none', price: 1 }, { symbol: 'undefined', chain: undefined, price: 2 });
    const filters = [
      { chain: 'ethereum' },
      { chain: 'SOLANA' },
      { chain: ['ethereum', 'Solana'] },
      { chain: ['ethereum', 'ethereum'] },
      { chain: 'true' },
      { chain: true },
      { chain: 'İstanbul' },
      { chain: ['ethereum', '>3'] },
      { chain: 'ethereum', price: '>10' },
      { chain: 'nowhere' },
      { chain: '' },
      { chain: '!=ethereum' },
    ];
    const memo = new QueryMemo();
    // a first text filter on `chain` has the pass index the field for all the others
    applyQuery(rows, compileQuery({ filters: '{"chain":"warm-up"}' }), 0, memo);
    for (const filter of filters) {
      const query = compileQuery({ filters: JSON.stringify(filter) });
      expect(symbols(applyQuery(rows, query, 0, memo))).toEqual(symbols(applyQuery(rows, query, 0)));
    }
  });

  it('reads each row once per sort field, however many orders of overlapping matches sort by it', () => {
    const { rows } = countedRows(400);
    let volumeReads = 0;
    rows.forEach((row, index) => {
      // mixed kinds: formatted numbers, a string, null (missing), so every sort path (number, string, missing) is taken
      const volume = index % 10 === 0 ? 'N/A' : index % 13 === 0 ? null : `$${((index * 104_729) % 100_000).toLocaleString('en-US')}`;
      Object.defineProperty(row, 'volume', { enumerable: true, get: () => (volumeReads++, volume) });
    });
    const views = [
      ...CHAINS.map((chain) => ({ filters: JSON.stringify({ chain }), sort_by: 'volume', sort_order: 'desc', page_size: '5' })),
      { filters: '{"price":">20"}', sort_by: 'volume', page: '2', page_size: '30' },
      { sort_by: 'volume', sort_order: 'desc' },
      { sort_by: 'volume', sort_order: 'asc', page_size: '3' },
    ].map((raw) => compileQuery(raw));
    const alone = views.map((query) => applyQuery(rows, query, 0));
    volumeReads = 0;
    const memo = new QueryMemo();
    expect(views.map((query) => applyQuery(rows, query, 0, memo))).toEqual(alone);
    expect(volumeReads).toBe(400);
  });

  it('sorts a full snapshot through the radix path to the order it has without a memo, ties in input order', () => {
    const { rows } = countedRows(3_000);
    const memo = new QueryMemo();
    for (const raw of [{ sort_by: 'price' }, { sort_by: 'price', sort_order: 'desc' }, { sort_by: 'change_24h', sort_order: 'desc', page: '40', page_size: '50' }]) {
      const query = compileQuery(raw);
      expect(symbols(applyQuery(rows, query, 0, memo))).toEqual(symbols(applyQuery(rows, query, 0)));
    }
  });

  it('reuses a longer sorted prefix for an earlier page and sorts again for a later one', () => {
    const { rows } = countedRows(300);
    const memo = new QueryMemo();
    const page = (n: number) => compileQuery({ sort_by: 'price', sort_order: 'desc', page: String(n), page_size: '25' });
    const expected = [1, 2, 9, 1, 3].map((n) => symbols(applyQuery(rows, page(n), 0)));
    expect([1, 2, 9, 1, 3].map((n) => symbols(applyQuery(rows, page(n), 0, memo)))).toEqual(expected);
  });

  it('shares a `timeframe` match only between queries at the same instant', () => {
    const { rows } = countedRows(200);
    const memo = new QueryMemo();
    const lastHour = compileQuery({ timeframe: '1h', time_field: 'updated' });
    const end = (1_700_000_000 + 199 * 60) * 1000;
    expect(applyQuery(rows, lastHour, end, memo).count).toBe(61);
    expect(applyQuery(rows, lastHour, end + 30 * 60_000, memo).count).toBe(31);
  });

  it(`keeps at most ${MAX_MEMO_ENTRIES} matches per snapshot and stays correct past that`, () => {
    const { rows } = countedRows(50);
    const memo = new QueryMemo();
    for (let floor = 0; floor < MAX_MEMO_ENTRIES + 50; floor++) {
      const query = compileQuery({ filters: JSON.stringify({ price: `>=${floor / 3}` }) });
      expect(applyQuery(rows, query, 0, memo)).toEqual(applyQuery(rows, query, 0));
    }
    expect((memo.for(rows) as unknown as { matches: Map<string, unknown> }).matches.size).toBe(MAX_MEMO_ENTRIES);
  });

  it('starts over for a snapshot whose length changed (mutated in place after all)', () => {
    const rows = [{ symbol: 'A', price: 1 }, { symbol: 'B', price: 2 }];
    const memo = new QueryMemo();
    const cheap = compileQuery({ filters: '{"price":"<10"}', sort_by: 'price' });
    expect(symbols(applyQuery(rows, cheap, 0, memo))).toEqual(['A', 'B']);
    rows.push({ symbol: 'C', price: 0 });
    expect(symbols(applyQuery(rows, cheap, 0, memo))).toEqual(['C', 'A', 'B']);
  });
});
