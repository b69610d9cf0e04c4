export interface TokenBucketOptions {
  /** sustained rate */
  callsPerMinute: number;
  /** burst size (default: 10 seconds' worth, at least 1) */
  capacity?: number;
  now?: () => number;
}

/**
 * Request budget of one upstream. Callers reserve a token before every real HTTP attempt; when the bucket is empty
 * the reservation is queued (the balance goes negative) and the caller is told how long to wait, first come first
 * served, without timers. A reservation that would wait longer than the caller accepts is refused and costs nothing.
 */
export class TokenBucket {
  readonly callsPerMinute: number;
  readonly capacity: number;
  private readonly tokensPerMs: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.callsPerMinute > 0)) throw new Error(`callsPerMinute must be positive, got ${options.callsPerMinute}`);
    this.callsPerMinute = options.callsPerMinute;
    this.capacity = options.capacity ?? Math.max(1, Math.ceil(options.callsPerMinute / 6));
    this.tokensPerMs = options.callsPerMinute / 60_000;
    this.now = options.now ?? Date.now;
    this.tokens = this.capacity;
    this.refilledAt = this.now();
  }

  /** Reserves one token: the wait in ms before using it (0 = now), or undefined if that wait would exceed `maxWaitMs`. */
  reserve(maxWaitMs: number): number | undefined {
    this.refill();
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.tokensPerMs);
    if (waitMs > maxWaitMs) return undefined;
    this.tokens -= 1;
    return waitMs;
  }

  /** Tokens available right now (negative while reservations are queued). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.tokensPerMs);
    this.refilledAt = now;
  }
}
