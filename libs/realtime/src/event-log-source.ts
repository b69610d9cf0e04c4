import type { EventLog, LoggedEvent } from './event-log';
import type { EventSource, StreamEvent } from './event-stream-definition';

/**
 * An event stream's source read from the `EventLog`: live from its appends, replay from what it retains. The
 * log's own event objects are handed on, so each is rendered once for every client.
 */
export function eventLogSource<E>(log: EventLog, stream: string): EventSource<E, unknown> {
  return {
    subscribe: (listener: (event: StreamEvent<E>) => void) => log.subscribe<E>(stream, listener),
    head: () => log.head(stream),
    since: async (after: number, limit: number) => {
      const slice = await log.since<E>(stream, after, limit);
      return { events: slice.events as LoggedEvent<E>[], complete: slice.complete };
    },
  };
}
