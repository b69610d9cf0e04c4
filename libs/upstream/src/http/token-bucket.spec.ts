import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst of `capacity`, then queues reservations at the sustained rate', () => {
    const bucket = new TokenBucket({ callsPerMinute: 60, capacity: 2, now: clock }); // one token per second
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBe(1_000); // first in the queue
    expect(bucket.reserve(10_000)).toBe(2_000); // behind it
  });

  it('refuses without reserving when the wait would exceed the bound', () => {
    const bucket = new TokenBucket({ callsPerMinute: 60, capacity: 1, now: clock });
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(500)).toBeUndefined();
    expect(bucket.reserve(500)).toBeUndefined();
    now += 1_000;
    expect(bucket.reserve(0)).toBe(0); // the refusals cost nothing
  });

  it('refills over time up to capacity only', () => {
    const bucket = new TokenBucket({ callsPerMinute: 30, capacity: 3, now: clock });
    for (let i = 0; i < 3; i++) bucket.reserve(0);
    expect(bucket.available()).toBeCloseTo(0);
    now += 2_000;
    expect(bucket.available()).toBeCloseTo(1);
    now += 60_000;
    expect(bucket.available()).toBe(3);
  });

  it('defaults the burst to ten seconds of budget and exposes callsPerMinute', () => {
    const bucket = new TokenBucket({ callsPerMinute: 30, now: clock });
    expect(bucket.capacity).toBe(5);
    expect(bucket.callsPerMinute).toBe(30);
    expect(() => new TokenBucket({ callsPerMinute: 0 })).toThrow(/callsPerMinute/);
  });
});
