import type { Cached } from '@app/upstream';
import { fromCached, settleParts } from './load-parts';

const cached = <T>(value: T, fetchedAt: number, stale = false): Promise<Cached<T>> => Promise.resolve({ value, fetchedAt, stale });
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
    expect(settled.allFailed).toBe(false);
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
    expect(fromCached({ value: 2, fetchedAt: 5, stale: true }, (n) => n * 10)).toEqual({ data: 20, fetchedAt: 5, stale: true });
  });
});
