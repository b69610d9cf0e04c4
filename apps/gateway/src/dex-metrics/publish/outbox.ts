import type { DexMessage } from '../flow/dex-message';

export interface OutboxEntry extends DexMessage {
  /** bumped on every replacement: an ack only removes the version that was sent */
  version: number;
}

/**
 * Messages waiting for Kafka, at most one per key (the latest wins: a metrics message supersedes the previous one,
 * and sending only the latest can never put a key's messages out of order). Bounded: past `maxKeys`, the oldest
 * non-tombstone entry is dropped (reported), since a lost tombstone would leave a delisted symbol behind.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private version = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly onDrop: (entry: OutboxEntry) => void = () => undefined,
  ) {
    if (!(maxKeys >= 1)) throw new RangeError(`maxKeys must be ≥ 1, got ${maxKeys}`);
  }

  get size(): number {
    return this.entries.size;
  }

  put(message: DexMessage): OutboxEntry {
    const entry: OutboxEntry = { ...message, version: ++this.version };
    this.entries.delete(message.key); // re-insert at the end: the map stays in enqueue order
    this.entries.set(message.key, entry);
    if (this.entries.size > this.maxKeys) this.dropOldest();
    return entry;
  }

  /** Restores entries kept from before a restart (same rules as `put`). */
  restore(entries: readonly DexMessage[]): void {
    for (const entry of [...entries].sort((a, b) => a.sentAtMs - b.sentAtMs)) this.put(entry);
  }

  /** Up to `max` entries, oldest first. They stay in the outbox until acknowledged. */
  peek(max: number): OutboxEntry[] {
    const batch: OutboxEntry[] = [];
    for (const entry of this.entries.values()) {
      if (batch.length >= max) break;
      batch.push(entry);
    }
    return batch;
  }

  /** Removes the sent entries that were not replaced meanwhile; returns the ones removed. */
  ack(sent: readonly OutboxEntry[]): OutboxEntry[] {
    const removed: OutboxEntry[] = [];
    for (const entry of sent) {
      if (this.entries.get(entry.key)?.version === entry.version) {
        this.entries.delete(entry.key);
        removed.push(entry);
      }
    }
    return removed;
  }

  private dropOldest(): void {
    for (const entry of this.entries.values()) {
      if (entry.value === null) continue;
      this.entries.delete(entry.key);
      this.onDrop(entry);
      return;
    }
    const oldest = this.entries.values().next().value as OutboxEntry; // only tombstones left
    this.entries.delete(oldest.key);
    this.onDrop(oldest);
  }
}
