import type { Cached } from '@app/upstream';
import { fromCached, settleParts } from './load-parts';

const cached = <T>(value: T, fetchedAt: number, stale = false, freshMs = 60_000): Promise<Cached<T>> =>
  Promise.resolve({ value, fetchedAt, stale, freshUntil: fetchedAt + freshMs, ...(stale ? { staleReason: 'HTTP 503' } : {}) });
const failing = (message: string) => Promise.reject(new Error(message));

describe('settleParts', () => {
  it('keeps what loaded, names what failed, takes the oldest age and any staleness', async () => {
    const settled = await settleParts([
      { source: 'a', read: cached(1, 2_000) },
      { source: 'b', read: failing('b is down') },
      { source: 'c', read: cached('x', 1_000, true) },
    ] as const);
    expect(settled.values).toEqual([1, undefined, 'x']);
    expect(settled.missing).toEqual([{ source: 'b', reason: 'b is down' }]);
    expect(settled.fetchedAt).toBe(1_000);
    expect(settled.stale).toBe(true);
    expect(settled.staleReason).toBe('c: HTTP 503');
    expect(settled.allFailed).toBe(false);
  });

  it('is due again when the first part stops being fresh, not when the oldest was fetched', async () => {
    // a 5-minute part fetched 200 s ago and a 60 s part fetched now: due in 60 s (the oldest fetch + 60 s is long past)
    const settled = await settleParts([
      { source: 'coin metadata', read: cached('logo', 100_000, false, 300_000) },
      { source: 'option chain', read: cached('chain', 300_000, false, 60_000) },
    ] as const);
    expect(settled).toMatchObject({ fetchedAt: 100_000, freshUntil: 360_000, stale: false });
    expect(settled.staleReason).toBeUndefined();
  });

  it('says when every part failed and keeps the first error', async () => {
    const settled = await settleParts([{ source: 'a', read: failing('first') }, { source: 'b', read: failing('second') }]);
    expect(settled.allFailed).toBe(true);
    expect((settled.firstError as Error).message).toBe('first');
  });

  it('rethrows the failure of a required part', async () => {
    await expect(settleParts([{ source: 'a', read: failing('needed'), required: true }, { source: 'b', read: cached(1, 1) }])).rejects.toThrow('needed');
  });
});

describe('fromCached', () => {
  it('maps the value and keeps its age and staleness', () => {
    expect(fromCached({ value: 2, fetchedAt: 5, stale: true, freshUntil: 65, staleReason: 'HTTP 503' }, (n) => n * 10)).toEqual({ data: 20, fetchedAt: 5, stale: true, staleReason: 'HTTP 503', freshUntil: 65 });
  });
});
