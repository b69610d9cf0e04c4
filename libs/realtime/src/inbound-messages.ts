import { jsonShape } from '@app/http-security';
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

/**
 * Bounds of a client message's JSON, checked before it is parsed: a subscribe or update message has a few dozen keys
 * (32 params at most, `filters` fields, the envelope) and nests four levels. JSON.parse makes every key an internalized
 * string in V8's old generation, so a client sending fresh keys would otherwise buy full GCs that every client waits for.
 */
export const CLIENT_MESSAGE_LIMITS = { maxKeys: 64, maxDepth: 8 } as const;

export type ParsedMessage = { ok: true; value: unknown } | { ok: false; problem: string };

/** A client's message as JSON, or what is wrong with it (too many keys, too deep, not JSON) without parsing more. */
export function parseClientMessage(data: Buffer): ParsedMessage {
  const { maxKeys, maxDepth } = CLIENT_MESSAGE_LIMITS;
  const shape = jsonShape(data, CLIENT_MESSAGE_LIMITS);
  if (shape.keys > maxKeys) return { ok: false, problem: `has more than ${maxKeys} keys` };
  if (shape.depth > maxDepth) return { ok: false, problem: `nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(data.toString('utf8')) };
  } catch {
    return { ok: false, problem: 'is not valid JSON' };
  }
}
