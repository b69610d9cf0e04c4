import { radixOrder } from './radix-order';

/** The order a stable comparator sort gives. */
function referenceOrder(keys: readonly number[], descending: boolean): number[] {
  const direction = descending ? -1 : 1;
  return keys
    .map((_, slot) => slot)
    .sort((a, b) => (keys[a] < keys[b] ? -direction : keys[a] > keys[b] ? direction : a - b));
}

describe('radixOrder', () => {
  it('orders small hand-made keys, ties in input order', () => {
    const keys = [3, -1, 0, -0, 2.5, -Infinity, Infinity, 3, -1e-300, 1e300];
    expect(Array.from(radixOrder(Float64Array.from(keys), false))).toEqual([5, 1, 8, 2, 3, 4, 0, 7, 9, 6]);
    expect(Array.from(radixOrder(Float64Array.from(keys), true))).toEqual([6, 9, 0, 7, 4, 2, 3, 8, 1, 5]);
  });

  it('matches a stable comparator sort on many keys with ties, both directions', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const keys = Array.from({ length: 20000 }, () => {
      const pick = random();
      if (pick < 0.3) return Math.floor(random() * 50) - 25; // many ties, both signs
      if (pick < 0.6) return (random() - 0.5) * 1e12;
      return random() * 1e-6;
    });
    for (const descending of [false, true]) {
      expect(Array.from(radixOrder(Float64Array.from(keys), descending))).toEqual(referenceOrder(keys, descending));
    }
  });

  it('handles empty and single keys', () => {
    expect(Array.from(radixOrder(new Float64Array(0), false))).toEqual([]);
    expect(Array.from(radixOrder(Float64Array.from([7]), true))).toEqual([0]);
  });
});
