import { Injectable } from '@nestjs/common';
import type { DexMessage, DexMessageSink } from '../flow/dex-message';

/**
 * The in-process stream of DEX metrics messages (what `WS /v1/dex-metrics/live` carries), with the latest message of
 * each listed key so a new client starts with the current state instead of waiting up to 24 h.
 */
@Injectable()
export class DexLiveFeed implements DexMessageSink {
  private readonly latestByKey = new Map<string, DexMessage>();
  private readonly listeners = new Set<(message: DexMessage) => void>();

  publish(message: DexMessage): void {
    if (message.value === null) this.latestByKey.delete(message.key);
    else this.latestByKey.set(message.key, message);
    for (const listener of this.listeners) listener(message);
  }

  latest(ticker?: string): DexMessage[] {
    if (ticker !== undefined) {
      const message = this.latestByKey.get(ticker);
      return message ? [message] : [];
    }
    return [...this.latestByKey.values()];
  }

  subscribe(listener: (message: DexMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
