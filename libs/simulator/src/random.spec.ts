import { DriftModel, hashString, mulberry32 } from './random';

describe('mulberry32', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    for (const value of seqA) expect(value >= 0 && value < 1).toBe(true);
  });

  it('hashes strings stably', () => {
    expect(hashString('coingecko')).toBe(hashString('coingecko'));
    expect(hashString('coingecko')).not.toBe(hashString('coingeckp'));
  });
});

describe('DriftModel', () => {
  const stepMs = 10_000;
  const t0 = Date.UTC(2025, 0, 1);

  it('is a function of seed, key and time step only', () => {
    const a = new DriftModel(7, stepMs);
    const b = new DriftModel(7, stepMs);
    expect(a.noise('btc', t0)).toBe(b.noise('btc', t0));
    expect(a.noise('btc', t0)).toBe(a.noise('btc', t0 + stepMs - 1)); // same step
    expect(a.noise('btc', t0)).not.toBe(new DriftModel(8, stepMs).noise('btc', t0));
    expect(a.noise('btc', t0)).not.toBe(a.noise('eth', t0));
  });

  it('moves a little every step and stays within its bound', () => {
    const drift = new DriftModel(42, stepMs);
    let previous = drift.factor('x', t0, 0.05);
    let changes = 0;
    for (let step = 1; step < 2_000; step++) {
      const factor = drift.factor('x', t0 + step * stepMs, 0.05);
      expect(factor).toBeGreaterThanOrEqual(0.95);
      expect(factor).toBeLessThanOrEqual(1.05);
      // smooth: neighbouring steps never jump across the whole range
      expect(Math.abs(factor - previous)).toBeLessThan(0.05);
      if (factor !== previous) changes++;
      previous = factor;
    }
    expect(changes).toBeGreaterThan(1_900);
  });

  it('rejects a non-positive step', () => {
    expect(() => new DriftModel(1, 0)).toThrow(/stepMs/);
  });
});
