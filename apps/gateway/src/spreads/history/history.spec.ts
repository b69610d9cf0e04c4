import type { SpreadEvent } from '../domain/spread-event';
import { MAX_TIMESTAMP_MS, parseBefore, parseTimestampMs, toMs } from './history-cursor';
import type { SpreadHistoryStore } from './history-store';
import { HistoryWriter } from './history-writer';

describe('history cursor', () => {
  it('accepts the seed unix timestamp (s or ms) and the earlier composite cursor', () => {
    expect(parseBefore('1781000000123_42')).toEqual({ kind: 'row', firedAtMs: 1_781_000_000_123, id: 42 });
    expect(parseBefore('1781000000')).toEqual({ kind: 'time', beforeMs: 1_781_000_000_000 });
    expect(parseBefore('1781000000.5')).toEqual({ kind: 'time', beforeMs: 1_781_000_000_500 });
    expect(parseBefore('1781000000123')).toEqual({ kind: 'time', beforeMs: 1_781_000_000_123 });
    expect(parseBefore('yesterday')).toBeUndefined();
    expect(parseBefore('-5')).toBeUndefined();
    expect(toMs(1_781_000_000)).toBe(1_781_000_000_000);
  });

  it('refuses timestamps and cursors that would overflow the bigint column or lose precision', () => {
    expect(parseBefore('1234567890123456789')).toBeUndefined(); // 19 digits
    expect(parseBefore('1781000000123_1234567890123456789')).toBeUndefined();
    expect(parseBefore('999999999999999_1')).toBeUndefined(); // beyond year 9999
    expect(parseBefore('1e300')).toBeUndefined();
    expect(parseBefore(`${'1'.repeat(16_000)}`)).toBeUndefined();
    expect(parseTimestampMs(String(MAX_TIMESTAMP_MS))).toBe(MAX_TIMESTAMP_MS);
    expect(parseTimestampMs(String(MAX_TIMESTAMP_MS + 1))).toBeUndefined();
    expect(parseTimestampMs('1e300')).toBeUndefined();
  });
});

describe('HistoryWriter', () => {
  const event = (id: string) => ({ id }) as SpreadEvent;

  it('batches, retries a failed batch, and drain writes everything pending', async () => {
    const written: string[][] = [];
    let failNext = 1;
    const store = {
      insert: async (events: readonly SpreadEvent[]) => {
        if (failNext-- > 0) throw new Error('db down');
        written.push(events.map((e) => e.id));
      },
    } as unknown as SpreadHistoryStore;
    const errors: unknown[] = [];
    const writer = new HistoryWriter(store, { flushMs: 60_000, batchSize: 2, maxPending: 100, onError: (e) => errors.push(e) });
    for (const id of ['a', 'b', 'c']) writer.enqueue(event(id));
    expect(writer.pendingCount).toBe(3);
    await writer.drain();
    expect(errors).toHaveLength(1);
    expect(written).toEqual([['a', 'b'], ['c']]);
    expect(writer.pendingCount).toBe(0);
    expect(writer.written).toBe(3);
  });

  it('drops the oldest events beyond maxPending and says how many', () => {
    const dropped: number[] = [];
    const writer = new HistoryWriter({ insert: async () => undefined } as unknown as SpreadHistoryStore, {
      flushMs: 60_000,
      batchSize: 10,
      maxPending: 2,
      onDropped: (n) => dropped.push(n),
    });
    for (const id of ['a', 'b', 'c']) writer.enqueue(event(id));
    expect(writer.pendingCount).toBe(2);
    expect(dropped).toEqual([1]);
  });

  it('backs off exponentially while the database is down, but retries at least every 5 s, so writes resume soon after it is back', async () => {
    jest.useFakeTimers();
    try {
      const attempts: number[] = [];
      let down = true;
      const written: string[] = [];
      const store = {
        insert: async (events: readonly SpreadEvent[]) => {
          attempts.push(Date.now());
          if (down) throw new Error('connect ECONNREFUSED');
          written.push(...events.map((e) => e.id));
          return events.map((_, i) => i + 1);
        },
      } as unknown as SpreadHistoryStore;
      const writer = new HistoryWriter(store, { flushMs: 20, batchSize: 10, maxPending: 100, onError: () => undefined });
      writer.enqueue(event('a'));
      await jest.advanceTimersByTimeAsync(60_000); // a one-minute outage
      const gaps = attempts.slice(1).map((at, i) => at - attempts[i]);
      expect(gaps.slice(0, 4)).toEqual([40, 80, 160, 320]); // exponential at first
      expect(Math.max(...gaps)).toBe(5_000); // then at the ceiling, never the 30 s it used to reach

      down = false; // the database is back
      await jest.advanceTimersByTimeAsync(5_000);
      expect(written).toEqual(['a']);
      expect(writer.pendingCount).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
