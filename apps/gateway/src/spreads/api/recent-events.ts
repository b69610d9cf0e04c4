import type { SpreadEvent } from '../domain/spread-event';
import { curateEvent, type CuratedEvent } from './curate';
import { matchesFilters, type SpreadFilters } from './spread-filters';

/** An event with its curated form computed once (served to every reader). */
export interface PublishedEvent {
  event: SpreadEvent;
  curated: CuratedEvent;
}

export function publish(event: SpreadEvent): PublishedEvent {
  return { event, curated: curateEvent(event) };
}

/** The last `capacity` events in memory (ring buffer), for `GET /v1/spreads/recent`. */
export class RecentEvents {
  private readonly ring: (PublishedEvent | undefined)[];
  private next = 0;
  private size = 0;
  /** an event left the ring (or the ring was warmed full): older matching events may exist only in the history */
  mayHaveEvicted = false;

  constructor(readonly capacity = 500) {
    this.ring = new Array(capacity);
  }

  push(item: PublishedEvent): void {
    this.ring[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    else this.mayHaveEvicted = true;
  }

  /** Marks the ring as not holding everything (warmed from a history that may be longer). */
  markIncomplete(): void {
    this.mayHaveEvicted = true;
  }

  /**
   * The newest `limit` matching events fired at or before `notAfterMs`, oldest first, and how many events of the
   * ring (matching or not) are that old: fewer than `capacity` means the caller's window reaches past the ring.
   */
  query(filters: SpreadFilters, notAfterMs: number, limit: number): { matches: PublishedEvent[]; visible: number } {
    const matches: PublishedEvent[] = [];
    let visible = 0;
    for (let i = 1; i <= this.size; i++) {
      const item = this.ring[(this.next - i + this.capacity) % this.capacity] as PublishedEvent;
      if (item.event.fired_at_ms > notAfterMs) continue;
      visible++;
      if (matches.length < limit && matchesFilters(item.event, filters)) matches.push(item);
    }
    return { matches: matches.reverse(), visible };
  }
}
