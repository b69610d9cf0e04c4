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

  constructor(readonly capacity = 500) {
    this.ring = new Array(capacity);
  }

  push(item: PublishedEvent): void {
    this.ring[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The newest `limit` matching events fired at or before `notAfterMs`, oldest first. */
  query(filters: SpreadFilters, notAfterMs: number, limit: number): CuratedEvent[] {
    const out: CuratedEvent[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const item = this.ring[(this.next - i + this.capacity) % this.capacity] as PublishedEvent;
      if (item.event.fired_at_ms <= notAfterMs && matchesFilters(item.event, filters)) out.push(item.curated);
    }
    return out.reverse();
  }
}
