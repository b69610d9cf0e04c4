import { compileQuery, FILTER_QUERY_PARAMS, QueryValidationError, type RawQuery } from './index';

function validationDetails(raw: RawQuery, extraKnownParams?: string[]): Array<{ param: string; message: string }> {
  try {
    compileQuery(raw, {}, extraKnownParams);
  } catch (error) {
    expect(error).toBeInstanceOf(QueryValidationError);
    return (error as QueryValidationError).details;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('FILTER_QUERY_PARAMS', () => {
  it('lists exactly the pipe params', () => {
    expect([...FILTER_QUERY_PARAMS].sort()).toEqual(
      ['dedupe_key', 'end_time', 'filters', 'page', 'page_size', 'search', 'sort_by', 'sort_order', 'start_time', 'time_field', 'timeframe'],
    );
  });
});

describe('compileQuery validation', () => {
  it('rejects unknown params but accepts the endpoint extras', () => {
    expect(validationDetails({ vs_currency: 'usd', colour: 'red' })).toEqual([
      { param: 'vs_currency', message: 'unknown parameter' },
      { param: 'colour', message: 'unknown parameter' },
    ]);
    expect(validationDetails({ vs_currency: 'usd', colour: 'red' }, ['vs_currency'])).toEqual([
      { param: 'colour', message: 'unknown parameter' },
    ]);
    expect(() => compileQuery({ vs_currency: 'usd', page: '1' }, {}, ['vs_currency'])).not.toThrow();
  });

  it('does not put extra params in the key or params', () => {
    const query = compileQuery({ vs_currency: 'usd', search: 'x' }, {}, ['vs_currency']);
    expect(query.params).toEqual({ search: 'x' });
    expect(query.key).toBe(compileQuery({ search: 'x' }).key);
  });

  it('reports malformed filters JSON', () => {
    expect(validationDetails({ filters: '{"symbol":' })).toEqual([{ param: 'filters', message: 'is not valid JSON' }]);
  });

  it.each([['[1,2]'], ['"BTC"'], ['42'], ['null'], [[{ symbol: 'BTC' }]], [7]])('rejects non-object filters %j', (filters) => {
    expect(validationDetails({ filters })).toEqual([{ param: 'filters', message: 'must be a JSON object of field: condition' }]);
  });

  it('names the field of each bad condition', () => {
    expect(validationDetails({ filters: { market_cap: '>abc', chains: { chain: 'x' }, ok: 'BTC', nested: [['a']] } })).toEqual([
      { param: 'filters', message: 'field "chains": condition must be a string, number, boolean, null or a list of those' },
      { param: 'filters', message: 'field "market_cap": comparison ">abc" needs a number after >' },
      { param: 'filters', message: 'field "nested": a list of conditions cannot contain another list' },
    ]);
  });

  it.each([['sideways'], ['ascending'], [1]])('rejects sort_order %j', (sortOrder) => {
    expect(validationDetails({ sort_order: sortOrder })).toEqual([{ param: 'sort_order', message: 'must be "asc" or "desc"' }]);
  });

  it.each([['0'], ['-1'], ['1.5'], ['abc'], [0], [2.5], ['2e3'], [true], [['1', '2']]])('rejects page and page_size %j', (value) => {
    expect(validationDetails({ page: value, page_size: value })).toEqual([
      { param: 'page', message: 'must be an integer >= 1' },
      { param: 'page_size', message: 'must be an integer >= 1' },
    ]);
  });

  it.each([['yesterday'], ['2024-13-45'], ['12abc'], [true], [{}]])('rejects start_time and end_time %j', (value) => {
    const message = 'must be epoch seconds, epoch milliseconds or an ISO-8601 date';
    expect(validationDetails({ start_time: value, end_time: value })).toEqual([
      { param: 'start_time', message },
      { param: 'end_time', message },
    ]);
  });

  it('rejects an end_time before start_time, whatever their units', () => {
    expect(validationDetails({ start_time: '1719882000', end_time: '1719878400000' })).toEqual([
      { param: 'end_time', message: 'must not be before start_time' },
    ]);
  });

  it.each([['7'], ['7x'], ['0d'], ['-1h'], ['week']])('rejects timeframe %j', (timeframe) => {
    expect(validationDetails({ timeframe })).toEqual([
      { param: 'timeframe', message: 'must be a positive duration like 30m, 24h, 7d, 2w or 1y' },
    ]);
  });

  it.each([['1m'], ['1h'], ['24h'], ['7d'], ['30d'], ['2w'], ['1y']])('accepts timeframe %j', (timeframe) => {
    expect(compileQuery({ timeframe }).params).toEqual({ timeframe });
  });

  it('rejects non-string text params and repeated params', () => {
    expect(validationDetails({ search: { a: 1 }, sort_by: ['a', 'b'], time_field: true, dedupe_key: [1] })).toEqual([
      { param: 'search', message: 'must be a string' },
      { param: 'sort_by', message: 'must be given once, as a single string' },
      { param: 'time_field', message: 'must be a string' },
      { param: 'dedupe_key', message: 'must be a comma-separated list of field names' },
    ]);
  });

  it('collects every problem in one error, with a readable message', () => {
    let caught: unknown;
    try {
      compileQuery({ filters: '{', sort_order: 'up', page: '0', page_size: 'x', start_time: 'soon', end_time: 'later', timeframe: '7', bogus: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QueryValidationError);
    const error = caught as QueryValidationError;
    expect(error.details.map((detail) => detail.param)).toEqual([
      'bogus',
      'filters',
      'sort_order',
      'page',
      'page_size',
      'start_time',
      'end_time',
      'timeframe',
    ]);
    expect(error.message).toContain('bogus: unknown parameter; filters: is not valid JSON; sort_order: must be "asc" or "desc"');
    expect(error.name).toBe('QueryValidationError');
  });

  it('treats empty values as absent', () => {
    const query = compileQuery({ filters: '', search: '', sort_by: '', page: '', page_size: null, start_time: undefined, timeframe: '' });
    expect(query.params).toEqual({});
    expect(query.key).toBe(compileQuery({}).key);
  });

  it('accepts an empty raw query', () => {
    expect(compileQuery({}).params).toEqual({});
  });
});

describe('compileQuery params echo', () => {
  it('types URL strings and keeps the client time unit', () => {
    const query = compileQuery({
      filters: '{"marketcap":">1000000000"}',
      search: 'Teth',
      sort_by: 'marketcap',
      sort_order: 'DESC',
      page: '1',
      page_size: '10',
      start_time: '1719878400000',
      end_time: '1719882000',
      time_field: 'timestamp',
      timeframe: '7D',
      dedupe_key: 'timestamp, stablecoin',
    });
    expect(query.params).toEqual({
      filters: { marketcap: '>1000000000' },
      search: 'Teth',
      sort_by: 'marketcap',
      sort_order: 'desc',
      page: 1,
      page_size: 10,
      start_time: 1719878400000,
      end_time: 1719882000,
      time_field: 'timestamp',
      timeframe: '7d',
      dedupe_key: 'timestamp,stablecoin',
    });
  });

  it('echoes ISO times as given', () => {
    expect(compileQuery({ start_time: '2024-07-02T00:00:00Z' }).params).toEqual({ start_time: '2024-07-02T00:00:00Z' });
  });

  it('clamps page_size to maxPageSize (default 500)', () => {
    expect(compileQuery({ page_size: '10000' }).params).toEqual({ page_size: 500 });
    expect(compileQuery({ page_size: 80 }, { maxPageSize: 50 }).params).toEqual({ page_size: 50 });
    expect(compileQuery({ page_size: 80 }, { maxPageSize: 50 }).key).toBe(compileQuery({ page_size: 50 }, { maxPageSize: 50 }).key);
  });
});

describe('compileQuery key', () => {
  const key = (raw: RawQuery, options = {}) => compileQuery(raw, options).key;

  it('ignores param order, string-vs-number form and filter key order', () => {
    const fromUrl = key({ page: '2', page_size: '10', filters: '{"symbol":"BTC","chain":"ethereum"}', sort_by: 'value' });
    const fromMessage = key({ sort_by: 'value', filters: { chain: 'ethereum', symbol: 'BTC' }, page_size: 10, page: 2 });
    expect(fromMessage).toBe(fromUrl);
  });

  it('ignores spelled-out defaults', () => {
    expect(key({ page: '1', page_size: '10' })).toBe(key({ page_size: '10' }));
    expect(key({ sort_by: 'price', sort_order: 'asc' })).toBe(key({ sort_by: 'price' }));
    expect(key({ sort_by: 'price', sort_order: 'desc' }, { defaultSortOrder: 'desc' })).toBe(key({ sort_by: 'price' }, { defaultSortOrder: 'desc' }));
    expect(key({ start_time: '1', time_field: 'timestamp' })).toBe(key({ start_time: '1' }));
    expect(key({ start_time: '1', time_field: 'time' }, { defaultTimeField: 'time' })).toBe(key({ start_time: '1' }, { defaultTimeField: 'time' }));
    expect(key({ page_size: '20' }, { defaultPageSize: 20 })).toBe(key({}, { defaultPageSize: 20 }));
  });

  it('ignores params that cannot change the result', () => {
    // no sort_by: order is input order; no page size: one page of everything; no time bound: no time field
    expect(key({ sort_order: 'desc' })).toBe(key({}));
    expect(key({ page: '3' })).toBe(key({}));
    expect(key({ time_field: 'time' })).toBe(key({}));
    expect(key({ filters: '{}' })).toBe(key({}));
  });

  it('is insensitive to the case of string conditions and search, which match case-insensitively', () => {
    expect(key({ filters: { name: 'TETHER' }, search: 'Usd' })).toBe(key({ filters: { name: 'tether' }, search: 'usd' }));
    expect(key({ filters: { stablecoin: '!= USDT' } })).toBe(key({ filters: { stablecoin: '!=usdt' } }));
  });

  it('normalises comparison numbers, any-of order and duplicates', () => {
    expect(key({ filters: { marketcap: '> 1,000,000,000' } })).toBe(key({ filters: { marketcap: '>1000000000' } }));
    expect(key({ filters: { symbol: ['USDC', 'usdt', 'USDT'] } })).toBe(key({ filters: { symbol: ['usdt', 'usdc'] } }));
    expect(key({ filters: { symbol: ['BTC'] } })).toBe(key({ filters: { symbol: 'BTC' } }));
  });

  it('treats ms and s times, and equal timeframes, as the same query', () => {
    expect(key({ start_time: '1719878400000', end_time: 1719882000000 })).toBe(key({ start_time: 1719878400, end_time: '1719882000' }));
    expect(key({ start_time: '2024-07-02T00:00:00Z' })).toBe(key({ start_time: 1719878400 }));
    expect(key({ timeframe: '24h' })).toBe(key({ timeframe: '1d' }));
    expect(key({ dedupe_key: 'b, a' })).toBe(key({ dedupe_key: ['a', 'b'] }));
  });

  it('differs when the result can differ', () => {
    const keys = [
      key({}),
      key({ filters: { symbol: 'BTC' } }),
      key({ filters: { symbol: 'ETH' } }),
      key({ filters: { Symbol: 'BTC' } }),
      key({ filters: { rank: 1 } }),
      key({ filters: { rank: '1' } }),
      key({ search: 'btc' }),
      key({ sort_by: 'value' }),
      key({ sort_by: 'value', sort_order: 'desc' }),
      key({ page_size: '10' }),
      key({ page_size: '10', page: '2' }),
      key({ start_time: '1719878400' }),
      key({ end_time: '1719878400' }),
      key({ start_time: '1719878400', time_field: 'time' }),
      key({ timeframe: '7d' }),
      key({ dedupe_key: 'symbol' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});
