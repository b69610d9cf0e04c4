import { OncePerWindow } from './once-per-window';

describe('OncePerWindow', () => {
  it('passes a key once per window and reports how many repeats it suppressed', () => {
    const once = new OncePerWindow(60_000);
    expect(once.take('a', 0)).toBe(0);
    expect(once.take('a', 1_000)).toBeUndefined();
    expect(once.take('a', 59_999)).toBeUndefined();
    expect(once.take('b', 2_000)).toBe(0); // keys are independent
    expect(once.take('a', 60_000)).toBe(2);
    expect(once.take('a', 60_001)).toBeUndefined();
  });

  it('stays bounded: the least recently passed keys are forgotten first', () => {
    const once = new OncePerWindow(60_000, 3);
    for (const key of ['k1', 'k2', 'k3', 'k4']) once.take(key, 0);
    expect(once.size).toBe(3);
    expect(once.take('k1', 1)).toBe(0); // forgotten, so it passes again
    expect(once.take('k4', 1)).toBeUndefined();
    for (let i = 0; i < 100_000; i++) once.take(`flood-${i}`, 2);
    expect(once.size).toBe(3);
  });

  it('treats client-chosen names like __proto__ as plain keys', () => {
    const once = new OncePerWindow();
    expect(once.take('__proto__', 0)).toBe(0);
    expect(once.take('__proto__', 1)).toBeUndefined();
    expect(once.take('constructor', 1)).toBe(0);
  });
});
