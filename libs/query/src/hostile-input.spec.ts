/**
 * Hostile input to the filter pipe: every client string is bounded before it is parsed, every parse is linear,
 * and no client-named field ever reaches Object.prototype.
 */
import { QueryValidationError, type QueryOptions, type RawQuery } from './contracts';
import { compileQuery } from './compile-query';
import { applyQuery } from './apply-query';
import { fieldName, MISSING, readField } from './field-access';
import { QUERY_LIMITS } from './limits';
import { parseNumericString } from './numeric';
import { rowFields } from './row-fields';
import { isPlainNumber, parseTimeframeSeconds, toEpochSeconds } from './time';

/** Far above a linear parse of these inputs (well under 1 ms), far below the old quadratic regex (0.5 s / 8 s). */
const LINEAR_BOUND_MS = 50;

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = process.hrtime.bigint();
  const result = run();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

function details(raw: RawQuery, options?: QueryOptions): Array<{ param: string; message: string }> {
  try {
    compileQuery(raw, options);
  } catch (error) {
    if (error instanceof QueryValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a QueryValidationError');
}

const digitsThenJunk = (digits: number) => `${'1'.repeat(digits)}x`;

describe('linear parsing of client values', () => {
  // compile the parsers first, so the timings measure parsing rather than the JIT
  beforeAll(() => {
    for (let i = 0; i < 50; i++) {
      toEpochSeconds(digitsThenJunk(100));
      parseNumericString(digitsThenJunk(100));
      details({ start_time: digitsThenJunk(100), filters: { price: `>${digitsThenJunk(300)}` } });
    }
  });

  it.each([16_000, 100_000])('reads a %d-digit time value that is not a number in linear time', (digits) => {
    const { result, ms } = timed(() => toEpochSeconds(digitsThenJunk(digits)));
    expect(result).toBeNaN();
    expect(ms).toBeLessThan(LINEAR_BOUND_MS);
  });

  it.each([16_000, 100_000])('rejects a %d-digit start_time by its length, at once', (digits) => {
    const { result, ms } = timed(() => details({ start_time: digitsThenJunk(digits), end_time: digitsThenJunk(digits) }));
    expect(result).toEqual([
      { param: 'start_time', message: `must be at most ${QUERY_LIMITS.maxTimeLength} characters` },
      { param: 'end_time', message: `must be at most ${QUERY_LIMITS.maxTimeLength} characters` },
    ]);
    expect(ms).toBeLessThan(LINEAR_BOUND_MS);
  });

  it.each([16_000, 100_000])('rejects %d-digit filter values, as JSON text and as an update object, at once', (digits) => {
    const condition = `>${digitsThenJunk(digits)}`;
    const asText = timed(() => details({ filters: JSON.stringify({ price: condition }) }));
    expect(asText.result).toEqual([{ param: 'filters', message: `must be at most ${QUERY_LIMITS.maxFiltersLength} characters of JSON` }]);
    const asObject = timed(() => details({ filters: { price: condition } }));
    expect(asObject.result).toEqual([{ param: 'filters', message: `field "price": a condition is longer than ${QUERY_LIMITS.maxConditionLength} characters` }]);
    expect(asText.ms + asObject.ms).toBeLessThan(LINEAR_BOUND_MS);
  });

  it('parses long numeric-looking row values in linear time', () => {
    const { result, ms } = timed(() => [parseNumericString(digitsThenJunk(100_000)), parseNumericString(`$${'1,111'.repeat(20_000)}x`), toEpochSeconds(`${'1'.repeat(100_000)}.${'1'.repeat(100_000)}e`)]);
    expect(result.every(Number.isNaN)).toBe(true);
    expect(ms).toBeLessThan(LINEAR_BOUND_MS);
  });

  it('reads plain numbers exactly as the grammar [+-] digits [. digits] [e [+-] digits] says', () => {
    for (const text of ['1', '+1', '-1.5', '1.', '.5', '1e9', '1.5E-3', '-.5e+2', '1719878400000']) expect(isPlainNumber(text)).toBe(true);
    for (const text of ['', '+', '.', '1e', '1e+', 'e5', '1.2.3', '1x', ' 1', '1 ', '--1', '0x10', '1_000', 'Infinity']) expect(isPlainNumber(text)).toBe(false);
  });

  it('bounds timeframe amounts, so no timeframe is infinite', () => {
    expect(parseTimeframeSeconds(`${'9'.repeat(400)}d`)).toBeNaN();
    expect(parseTimeframeSeconds('9999999d')).toBe(9_999_999 * 86_400);
  });
});

describe('length and count bounds, each rejected by name', () => {
  const long = (length: number) => 'a'.repeat(length);

  it.each([
    ['search', { search: long(QUERY_LIMITS.maxSearchLength + 1) }, `must be at most ${QUERY_LIMITS.maxSearchLength} characters`],
    ['sort_by', { sort_by: long(QUERY_LIMITS.maxFieldNameLength + 1) }, `must be at most ${QUERY_LIMITS.maxFieldNameLength} characters`],
    ['time_field', { time_field: long(QUERY_LIMITS.maxFieldNameLength + 1) }, `must be at most ${QUERY_LIMITS.maxFieldNameLength} characters`],
    ['sort_order', { sort_order: long(QUERY_LIMITS.maxKeywordLength + 1) }, `must be at most ${QUERY_LIMITS.maxKeywordLength} characters`],
    ['timeframe', { timeframe: `${'1'.repeat(QUERY_LIMITS.maxKeywordLength)}d` }, `must be at most ${QUERY_LIMITS.maxKeywordLength} characters`],
    ['page', { page: '1'.repeat(QUERY_LIMITS.maxNumberLength + 1) }, `must be at most ${QUERY_LIMITS.maxNumberLength} characters`],
    ['dedupe_key', { dedupe_key: Array.from({ length: QUERY_LIMITS.maxDedupeFields + 1 }, (_, i) => `f${i}`).join(',') }, `names at most ${QUERY_LIMITS.maxDedupeFields} fields`],
    ['dedupe_key', { dedupe_key: `a,${long(QUERY_LIMITS.maxFieldNameLength + 1)}` }, `a field name is longer than ${QUERY_LIMITS.maxFieldNameLength} characters`],
    ['filters', { filters: Object.fromEntries(Array.from({ length: QUERY_LIMITS.maxFilterFields + 1 }, (_, i) => [`f${i}`, 1])) }, `has ${QUERY_LIMITS.maxFilterFields + 1} fields; at most ${QUERY_LIMITS.maxFilterFields}`],
    ['filters', { filters: { [long(QUERY_LIMITS.maxFieldNameLength + 1)]: 1 } }, `a field name is longer than ${QUERY_LIMITS.maxFieldNameLength} characters`],
  ])('%s', (param, raw, message) => {
    expect(details(raw as RawQuery)).toEqual([{ param, message }]);
  });

  it('caps any-of lists and measures an update object as its JSON text', () => {
    const values = Array.from({ length: QUERY_LIMITS.maxFilterListValues + 1 }, (_, i) => `v${i}`);
    expect(details({ filters: { symbol: values } })).toEqual([
      { param: 'filters', message: `field "symbol": a list has ${values.length} conditions; at most ${QUERY_LIMITS.maxFilterListValues}` },
    ]);
    const wide = Object.fromEntries(Array.from({ length: QUERY_LIMITS.maxFilterFields }, (_, i) => [`f${i}`, Array.from({ length: 10 }, () => 'x'.repeat(40))]));
    expect(details({ filters: wide })).toEqual([{ param: 'filters', message: `must be at most ${QUERY_LIMITS.maxFiltersLength} characters of JSON` }]);
  });

  it('never quotes more than a clip of a bad condition', () => {
    const [detail] = details({ filters: { price: `>${'z'.repeat(150)}` } });
    expect(detail.message.length).toBeLessThan(100);
  });

  it('accepts values at their bounds', () => {
    expect(() =>
      compileQuery({
        search: long(QUERY_LIMITS.maxSearchLength),
        sort_by: long(QUERY_LIMITS.maxFieldNameLength),
        start_time: '2024-07-02T03:00:00.123456789+02:00',
        filters: { name: long(QUERY_LIMITS.maxConditionLength) },
      }),
    ).not.toThrow();
  });
});

describe('client-named fields never reach Object.prototype', () => {
  const rows = [
    { id: 1, name: 'Tether', price: 1 },
    { id: 2, name: 'Dai', price: 1.001 },
  ];

  it('reads only own properties, whatever the name', () => {
    const row = { name: 'Tether', Price: 1 };
    for (const name of ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(readField(row, fieldName(name))).toBe(MISSING);
    }
    expect(readField(row, fieldName('price'))).toBe(1);
    const parsed = JSON.parse('{"__proto__": "own", "constructor": "also own"}') as Record<string, unknown>;
    expect(readField(parsed, fieldName('__proto__'))).toBe('own');
    expect(readField(parsed, fieldName('CONSTRUCTOR'))).toBe('also own');
  });

  it.each(['__proto__', 'constructor', 'prototype', 'Constructor'])('rejects %j as a filter, sort, time or dedupe field', (name) => {
    const reserved = `${JSON.stringify(name)} is a reserved name, not a field`;
    expect(details({ filters: `{"name":"Tether",${JSON.stringify(name)}:"x"}` })).toEqual([{ param: 'filters', message: reserved }]);
    expect(details({ sort_by: name, time_field: name, dedupe_key: `id,${name}` })).toEqual([
      { param: 'sort_by', message: reserved },
      { param: 'time_field', message: reserved },
      { param: 'dedupe_key', message: reserved },
    ]);
  });

  it('keeps a filter named like a prototype member in the view key (it cannot be dropped from it)', () => {
    const toString = compileQuery({ filters: '{"name":"Tether","toString":"x"}' });
    const plain = compileQuery({ filters: '{"name":"Tether"}' });
    expect(toString.key).not.toBe(plain.key);
    expect(applyQuery(rows, toString).rows).toEqual([]);
    expect(applyQuery(rows, plain).rows).toEqual([rows[0]]);
  });
});

describe('row fields', () => {
  interface Row {
    stablecoin: string;
    Title: string;
    chains: Array<{ chain: string; usd: number }>;
    timestamp: number;
  }
  const options: QueryOptions = { rowFields: rowFields<Row>({ stablecoin: true, Title: true, chains: { chain: true, usd: true }, timestamp: true }) };
  const listing = "this stream's fields: stablecoin, Title, chains, chains[].chain, chains[].usd, timestamp";

  it('lists nested fields as paths', () => {
    expect(options.rowFields).toEqual(['stablecoin', 'Title', 'chains', 'chains[].chain', 'chains[].usd', 'timestamp']);
  });

  it('accepts the fields of the rows and of their nested lists, in any case', () => {
    expect(() => compileQuery({ filters: { chain: 'tron', title: 'x' }, sort_by: 'usd', time_field: 'TIMESTAMP', dedupe_key: 'stablecoin,chain' }, options)).not.toThrow();
  });

  it('names each param with an unknown field, the first few fields and a count, and lists the stream\'s fields once', () => {
    expect(details({ filters: { chain: 'tron', nope: 1 }, sort_by: 'price', time_field: 'time', dedupe_key: 'a,b,c,d,e,stablecoin' }, options)).toEqual([
      { param: 'filters', message: `unknown field "nope"; ${listing}` },
      { param: 'sort_by', message: 'unknown field "price"' },
      { param: 'time_field', message: 'unknown field "time"' },
      { param: 'dedupe_key', message: 'unknown fields "a", "b", "c" and 2 more' },
    ]);
  });

  it('accepts any field but a reserved one when a stream declares none', () => {
    expect(() => compileQuery({ filters: { anything: 1 }, sort_by: 'whatever' })).not.toThrow();
  });
});

describe('refusals are cheap', () => {
  it('builds a refusal of client input without a stack trace, and leaves the stack limit as it was', () => {
    const before = Error.stackTraceLimit;
    let caught: unknown;
    try {
      compileQuery({ start_time: '1'.repeat(QUERY_LIMITS.maxTimeLength + 1) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QueryValidationError);
    const stack = (caught as Error).stack ?? '';
    expect(stack.startsWith('QueryValidationError: start_time')).toBe(true);
    expect(stack).not.toContain('\n    at ');
    expect(Error.stackTraceLimit).toBe(before);
    // a fault elsewhere still gets its stack
    expect(new Error('fault').stack).toContain('\n    at ');
  });
});
