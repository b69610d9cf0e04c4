import { KeyOrderedDelay } from './key-ordered-delay';

describe('KeyOrderedDelay', () => {
  it('releases in due order, and never a later event of a key before an earlier one still held', () => {
    const held = new KeyOrderedDelay<string>();
    expect(held.offer('A', 60_000, 0, 'open A')).toBe(false); // held 60 s
    expect(held.offer('B', 500, 0, 'open B')).toBe(false);
    expect(held.offer('A', 1_000, 1_000, 'close A')).toBe(false); // due now, but its open is held: waits for it
    expect(held.offer('C', 1_000, 1_000, 'close C')).toBe(true); // nothing of C held: goes out at once
    expect(held.takeDue(30_000)).toEqual(['open B']);
    expect(held.takeDue(59_999)).toEqual([]);
    expect(held.takeDue(60_000)).toEqual(['open A', 'close A']);
    expect(held.size).toBe(0);
    expect(held.offer('A', 61_000, 61_000, 'reopen A')).toBe(true); // the key is free again
  });

  it('keeps arrival order for equal dues and sorts out-of-order dues', () => {
    const held = new KeyOrderedDelay<number>();
    for (const [key, due, value] of [['a', 30, 1], ['b', 10, 2], ['c', 30, 3], ['d', 20, 4], ['e', 10, 5]] as const) held.offer(key, due, 0, value);
    expect(held.takeDue(100)).toEqual([2, 5, 4, 1, 3]);
  });
});
