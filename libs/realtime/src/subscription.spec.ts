import 'reflect-metadata';
import { IsString, Matches } from 'class-validator';
import { QUERY_LIMITS, rowFields } from '@app/query';
import type { StreamDefinition } from './stream-definition';
import { SubscriptionError, mergeUpdate, queryFromUrl, resolveSubscription } from './subscription';

class CurrencyParams {
  @IsString()
  @Matches(/^[a-z]{2,10}$/)
  vs_currency = 'usd';
}

const stream: StreamDefinition<CurrencyParams, unknown> = {
  name: 'coins',
  path: '/coins',
  paramsType: CurrencyParams,
  requiresAuth: false,
  rowFields: rowFields<{ name: string; price: number }>({ name: true, price: true }),
  refresh: { freshMs: 1_000, callsPerRefresh: 1 },
  load: async () => ({ data: [], fetchedAt: 0 }),
  render: () => ({}),
};

function details(raw: Record<string, unknown>): Array<{ param: string; message: string }> {
  try {
    resolveSubscription(stream, raw);
  } catch (error) {
    if (error instanceof SubscriptionError) return error.details;
    throw error;
  }
  throw new Error('expected a SubscriptionError');
}

describe('client params never become keys of a plain object', () => {
  it('keeps a "__proto__" key of an update message as data, not as the prototype of the merged params', () => {
    const update = JSON.parse('{"__proto__": {"filters": "{\\"name\\":\\"x\\"}"}, "search": "usd"}') as Record<string, unknown>;
    const merged = mergeUpdate({ filters: '{"name":"Tether"}' }, update);
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'filters', 'search']);
    expect(merged.filters).toBe('{"name":"Tether"}');
    expect(({} as Record<string, unknown>).filters).toBeUndefined();
  });

  it('reads a "__proto__" query-string key as data', () => {
    const raw = queryFromUrl('/coins?__proto__=x&constructor=y&page=2');
    expect(Object.getPrototypeOf(raw)).toBeNull();
    expect(Object.keys(raw)).toEqual(['__proto__', 'constructor', 'page']);
  });

  it('rejects reserved names as params, before the upstream params are transformed', () => {
    const update = JSON.parse('{"__proto__": {"vs_currency": "eur"}, "constructor": 1}') as Record<string, unknown>;
    expect(details(mergeUpdate({}, update))).toEqual([
      { param: '__proto__', message: 'reserved name, not a parameter' },
      { param: 'constructor', message: 'reserved name, not a parameter' },
    ]);
  });

  it('rejects reserved names and unknown row fields in the filter pipe, naming the param', () => {
    const [reserved] = details(queryFromUrl('/coins?filters={"name":"Tether","__proto__":"x"}'));
    expect(reserved).toEqual({ param: 'filters', message: '"__proto__" is a reserved name, not a field' });
    expect(details({ sort_by: 'volume' })).toEqual([{ param: 'sort_by', message: "unknown field \"volume\"; this stream's fields: name, price" }]);
  });
});

describe('stream params are bounded', () => {
  it('refuses an update with more params than allowed before copying it (a 600-key flood message builds nothing)', () => {
    const flood = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, 'v'])) as Record<string, unknown>;
    let thrown: unknown;
    try {
      mergeUpdate({ page: '1' }, flood);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SubscriptionError);
    expect((thrown as SubscriptionError).details).toEqual([{ param: '(params)', message: `at most ${QUERY_LIMITS.maxParams} parameters` }]);
    // null removes a key, so removals never count towards the cap
    const removals = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, null])) as Record<string, unknown>;
    expect(Object.keys(mergeUpdate({ page: '1' }, removals))).toEqual(['page']);
  });

  it('rejects an over-long value by name without validating it', () => {
    expect(details({ vs_currency: 'u'.repeat(QUERY_LIMITS.maxStreamParamLength + 1) })).toEqual([
      { param: 'vs_currency', message: `must be at most ${QUERY_LIMITS.maxStreamParamLength} characters` },
    ]);
    expect(details({ vs_currency: Array.from({ length: 600 }, () => 'ab') })[0]).toEqual({
      param: 'vs_currency',
      message: `must be at most ${QUERY_LIMITS.maxStreamParamLength} characters`,
    });
  });

  it('clips an over-long unknown param name in its error detail', () => {
    const [detail] = details({ [`x${'y'.repeat(5_000)}`]: '1' });
    expect(detail.message).toBe('unknown parameter');
    expect(detail.param.length).toBeLessThanOrEqual(QUERY_LIMITS.maxFieldNameLength + 1);
  });

  it('still resolves a valid subscription', () => {
    const subscription = resolveSubscription(stream, queryFromUrl('/coins?vs_currency=eur&filters={"name":"Tether"}&sort_by=price'));
    expect(subscription.params).toEqual({ vs_currency: 'eur' });
    expect(subscription.feedKey).toBe('coins?{"vs_currency":"eur"}');
  });
});

describe('resolveSubscription: the number of params', () => {
  it('refuses more than QUERY_LIMITS.maxParams params at once, with one detail and without validating any of them', () => {
    const definition = { name: 't', path: '/t', requiresAuth: false, rowFields: ['a'], refresh: { freshMs: 1, callsPerRefresh: 1 }, load: jest.fn(), render: jest.fn() };
    const raw = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`unknown_${i}`, i]));
    let caught: unknown;
    try {
      resolveSubscription(definition, raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SubscriptionError);
    expect((caught as SubscriptionError).details).toEqual([{ param: '(params)', message: 'at most 32 parameters' }]);
  });
});
