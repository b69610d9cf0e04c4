import { parseAmount } from './flow-decimal';
import { SeriesIndex } from './series-index';
import { SnapshotCache } from './snapshot-cache';
import type { TrackedToken } from './tracked-tokens';

const STEP = 300_000;
const T0 = Date.UTC(2026, 3, 1, 10, 0);
const btc: TrackedToken = { vsTokenId: 1, symbol: 'BTC', name: 'Bitcoin', spotPair: 'BTCUSDT' };
const point = (time: number, inflow: string) => ({ time, inflow: parseAmount(inflow), amount: parseAmount('100') });

describe('SnapshotCache', () => {
  it('builds a snapshot once per token and 5-minute instant, and again after the index changes', () => {
    const index = new SeriesIndex();
    index.add({ vsTokenId: 1, market: 'spot', windowMinutes: 5 }, [point(T0, '1.5')]);
    const cache = new SnapshotCache(index);
    const first = cache.snapshotOf(btc, T0 + 60_000);
    expect(first.spotGoodsList[0].tradeInflow).toBe('1.5');
    expect(cache.snapshotOf(btc, T0 + 120_000)).toBe(first); // same instant: the same snapshot
    // a newer point: what was built before is stale, for the same instant too
    index.add({ vsTokenId: 1, market: 'spot', windowMinutes: 5 }, [point(T0 + STEP, '2.5')]);
    expect(cache.snapshotOf(btc, T0 + STEP).spotGoodsList[0].tradeInflow).toBe('2.5');
    index.replaceAll([{ vsTokenId: 1, market: 'spot', windowMinutes: 5, ...point(T0, '7') }]);
    expect(cache.snapshotOf(btc, T0 + 60_000).spotGoodsList[0].tradeInflow).toBe('7');
  });

  it('holds at most its bound, evicting the oldest', () => {
    const index = new SeriesIndex();
    index.add({ vsTokenId: 1, market: 'spot', windowMinutes: 5 }, [point(T0, '1')]);
    const cache = new SnapshotCache(index, 3);
    const oldest = cache.snapshotOf(btc, T0);
    for (let i = 1; i <= 3; i++) cache.snapshotOf(btc, T0 + i * STEP);
    const newest = cache.snapshotOf(btc, T0 + 3 * STEP);
    expect(cache.snapshotOf(btc, T0 + 3 * STEP)).toBe(newest);
    expect(cache.snapshotOf(btc, T0)).not.toBe(oldest); // evicted, built again
    expect(cache.snapshotOf(btc, T0)).toEqual(oldest);
  });
});
