/**
 * What every surface does with client messages before reading them: a per-socket rate limit (messages per second)
 * and, while the connection is still being accepted (authentication in flight), a short queue answered in order
 * afterwards. Kept small: one per socket.
 */
export class InboundMessages {
  private windowStart = 0;
  private inWindow = 0;
  private held: Buffer[] | undefined = [];

  constructor(private readonly limits: { maxMessagesPerSecond: number }) {}

  /** false: over the rate limit, the message must be answered with `rate_limited` and ignored */
  allow(now = Date.now()): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= this.limits.maxMessagesPerSecond;
  }

  get ready(): boolean {
    return this.held === undefined;
  }

  /** Queues a message received before `accept`; false when the queue is full (answer `rate_limited`). */
  hold(data: Buffer): boolean {
    if (!this.held || this.held.length >= this.limits.maxMessagesPerSecond) return false;
    this.held.push(data);
    return true;
  }

  /** The connection is accepted: returns the held messages, in order, and lets later ones through. */
  accept(): Buffer[] {
    const held = this.held ?? [];
    this.held = undefined;
    return held;
  }

  /** The socket is gone: drops whatever was held. */
  clear(): void {
    if (this.held) this.held.length = 0;
  }
}
