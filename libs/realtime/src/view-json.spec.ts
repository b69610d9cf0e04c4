import { RowJsonMemo } from './view-json';

describe('RowJsonMemo', () => {
  it('gives exactly what JSON.stringify gives, whatever the body holds', () => {
    const memo = new RowJsonMemo();
    const row = { symbol: 'BTC', price: 97_123.456789, change: '-1.25 %', tags: ['a', 'b'], nested: { at: new Date(0) } };
    const bodies: Array<Record<string, unknown>> = [
      { data: [row, { ...row, symbol: 'ETH' }], count: 2 },
      { rows: [row, null, undefined, 3, 'x', [1, [2]], () => 1, Symbol('s'), { toJSON: () => undefined }, { toJSON: () => 'as text' }], total: undefined },
      { 2: 'numeric keys first', 1: 'in order', name: 'ünïcode \u2028 "quoted"', fn: () => 1, [Symbol('hidden')]: 1, list: [] },
      { chart: { data: [row] }, key_stats: { max: 1e21, min: -0, nan: NaN, inf: Infinity } },
      { toJSON: () => ({ replaced: true }) },
      Object.assign([row], { toJSON: undefined }) as unknown as Record<string, unknown>,
      {},
    ];
    const arrayWithToJson = Object.assign([row], { toJSON: () => 'custom array' });
    bodies.push({ page: arrayWithToJson });
    for (const body of bodies) expect(memo.view(body)).toBe(JSON.stringify(body));
    for (const body of bodies) expect(`{${memo.members(body)}}`).toBe(Array.isArray(body) ? `{${JSON.stringify(body).slice(1, -1)}}` : JSON.stringify(body));
  });

  it('serialises a row shared by several views once per memo', () => {
    let reads = 0;
    const rows = Array.from({ length: 20 }, (_, i) => {
      const row: Record<string, unknown> = { rank: i };
      Object.defineProperty(row, 'price', { enumerable: true, get: () => (reads++, i * 1.5) });
      return row;
    });
    const views = [{ data: rows.slice(0, 10) }, { data: rows.slice(5, 15) }, { data: [...rows].reverse() }];
    const memo = new RowJsonMemo();
    const texts = views.map((view) => memo.view(view));
    expect(reads).toBe(20);
    reads = 0;
    expect(texts).toEqual(views.map((view) => JSON.stringify(view)));
    // a new refresh (new memo) serialises again: rows are new objects then anyway
    new RowJsonMemo().view(views[0]);
    expect(reads).toBe(10 + 10 + 20 + 10);
  });
});
