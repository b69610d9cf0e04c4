/**
 * The simulator's notion of "now". Real time by default; tests freeze or advance it to get exact,
 * repeatable payloads (the drift is a function of seed and time only).
 */
export class SimulatorClock {
  private frozenAt?: number;
  private offsetMs = 0;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Stops time at `atMs` (default: the current simulated time). */
  freeze(atMs: number = this.now()): void {
    this.frozenAt = atMs;
  }

  /** Moves simulated time forward (frozen or not). */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  useRealTime(): void {
    this.frozenAt = undefined;
    this.offsetMs = 0;
  }
}
