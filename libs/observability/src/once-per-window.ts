/**
 * "Log this at most once per key per window": the first occurrence of a key passes, repeats within `windowMs` are
 * counted and suppressed, and the next pass reports how many were suppressed. Remembers at most `maxKeys` keys
 * (the least recently passed are forgotten first), so hostile clients cannot grow it.
 */
export class OncePerWindow {
  private readonly seen = new Map<string, { passedAt: number; suppressed: number }>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** undefined when `key` already passed within the window; else the number of repeats suppressed since its last pass. */
  take(key: string, now = Date.now()): number | undefined {
    const entry = this.seen.get(key);
    if (entry && now - entry.passedAt < this.windowMs) {
      entry.suppressed++;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.seen.delete(key); // re-insert: Map order is then "least recently passed first"
    this.seen.set(key, { passedAt: now, suppressed: 0 });
    while (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    return suppressed;
  }

  get size(): number {
    return this.seen.size;
  }
}
