import type { SeriesIndex } from './series-index';
import { buildSnapshot, type CoinTradeSnapshot } from './snapshot';
import type { TrackedToken } from './tracked-tokens';
import { floorToStep } from './windows';

/**
 * Snapshots built once per token, 5-minute instant and index version: the points change every few minutes while
 * callers ask many times a second. Any change to the index drops every snapshot built before it. Bounded: a caller
 * walking through dates only evicts the oldest entries.
 */
export class SnapshotCache {
  private readonly built = new Map<string, CoinTradeSnapshot>();
  private builtAtVersion = -1;

  constructor(
    private readonly index: SeriesIndex,
    private readonly maxEntries = 1_000,
  ) {}

  snapshotOf(token: TrackedToken, dateMs: number): CoinTradeSnapshot {
    if (this.builtAtVersion !== this.index.version) {
      this.built.clear();
      this.builtAtVersion = this.index.version;
    }
    const key = `${token.vsTokenId}:${floorToStep(dateMs)}`;
    const cached = this.built.get(key);
    if (cached) return cached;
    const snapshot = buildSnapshot(token, dateMs, this.index.lookupFor(token.vsTokenId));
    if (this.built.size >= this.maxEntries) this.built.delete(this.built.keys().next().value as string);
    this.built.set(key, snapshot);
    return snapshot;
  }
}
