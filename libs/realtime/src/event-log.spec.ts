import { InMemoryEventLog } from './event-log';

describe('InMemoryEventLog', () => {
  let now: number;
  const log = () => new InMemoryEventLog({ retentionMs: 15 * 60_000, maxEvents: 5, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('numbers each stream 1, 2, 3, ... and tells subscribers in order', async () => {
    const events = log();
    const seen: number[] = [];
    events.subscribe('a', (event) => seen.push(event.seq));
    expect((await events.append('a', 'x')).seq).toBe(1);
    expect((await events.append('b', 'y')).seq).toBe(1);
    expect((await events.append('a', 'z')).seq).toBe(2);
    expect(seen).toEqual([1, 2]);
    expect(await events.head('a')).toBe(2);
    expect(await events.head('none')).toBe(0);
  });

  it('reads after a seq, oldest first, paged by limit', async () => {
    const events = log();
    for (const payload of ['p1', 'p2', 'p3', 'p4']) await events.append('a', payload);
    expect(await events.since('a', 1, 2)).toEqual({ events: [expect.objectContaining({ seq: 2, payload: 'p2' }), expect.objectContaining({ seq: 3 })], complete: true, head: 4 });
    expect((await events.since('a', 4, 10)).events).toEqual([]);
    expect((await events.since('a', 0, 10)).events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps at most maxEvents: a read reaching past them is incomplete', async () => {
    const events = log();
    for (let i = 1; i <= 8; i++) await events.append('a', i);
    expect(events.size('a')).toBe(5);
    expect((await events.since('a', 2, 10)).complete).toBe(false);
    expect(await events.since('a', 3, 10)).toMatchObject({ complete: true, events: [{ seq: 4 }, { seq: 5 }, { seq: 6 }, { seq: 7 }, { seq: 8 }] });
  });

  it('drops events older than the retention', async () => {
    const events = log();
    await events.append('a', 'old');
    now += 15 * 60_000 + 1;
    await events.append('a', 'new');
    expect(await events.since('a', 0, 10)).toMatchObject({ complete: false, events: [{ seq: 2, payload: 'new' }] });
    expect((await events.since('a', 1, 10)).complete).toBe(true);
  });

  it('a seq ahead of the head (a log that restarted) is incomplete, with nothing to replay', async () => {
    const events = log();
    await events.append('a', 'x');
    expect(await events.since('a', 7, 10)).toEqual({ events: [], complete: false, head: 1 });
  });

  it('compacts its array as events leave, keeping the seqs', async () => {
    const events = new InMemoryEventLog({ retentionMs: 60_000, maxEvents: 10, now: () => now });
    for (let i = 1; i <= 5_000; i++) await events.append('a', i);
    expect(events.size('a')).toBe(10);
    expect((await events.since('a', 4_990, 100)).events.map((e) => e.payload)).toEqual([4_991, 4_992, 4_993, 4_994, 4_995, 4_996, 4_997, 4_998, 4_999, 5_000]);
  });
});
