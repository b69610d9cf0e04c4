/** One event of a stream's log: its per-stream sequence number, when it was appended, and what it carries. */
export interface LoggedEvent<P = unknown> {
  /** 1, 2, 3, ... per stream: the same for every client (the frame's `seq`) */
  readonly seq: number;
  /** epoch ms of the append */
  readonly at: number;
  readonly payload: P;
}

/** What `EventLog.since` read. */
export interface EventLogSlice<P = unknown> {
  /** the events after the asked seq, oldest first, at most `limit` */
  events: LoggedEvent<P>[];
  /**
   * false when events after the asked seq are no longer held (trimmed by retention) or the asked seq is not of this
   * log (ahead of its head: the log restarted): the caller cannot resume without a gap
   */
  complete: boolean;
  /** the newest seq of the stream when read */
  head: number;
}

/**
 * The ordered, bounded log each event stream without a durable history of its own (DEX messages, capital-flow
 * snapshots) appends to. Clients resume from it (`resume_from=<seq>`), and the live sockets read their feed from
 * its appends. Behind the `EVENT_LOG` token: in-memory here, Redis Streams when events must cross replicas.
 */
export interface EventLog {
  /** Appends one event and tells the stream's subscribers; resolves to the event with its seq. */
  append<P>(stream: string, payload: P): Promise<LoggedEvent<P>>;
  /** The events with seq > `after`, oldest first, at most `limit`. */
  since<P>(stream: string, after: number, limit: number): Promise<EventLogSlice<P>>;
  /** The newest seq of the stream (0 before its first event). */
  head(stream: string): Promise<number>;
  /** Every event appended to `stream` from now on, in seq order. Returns the unsubscribe function. */
  subscribe<P>(stream: string, listener: (event: LoggedEvent<P>) => void): () => void;
}

export const EVENT_LOG = Symbol('EVENT_LOG');

export interface InMemoryEventLogOptions {
  /** events older than this are dropped (at least 15 minutes in production: `REALTIME_RESUME_RETENTION_S`) */
  retentionMs: number;
  /** and at most this many per stream (`REALTIME_RESUME_MAX_EVENTS`) */
  maxEvents: number;
  /** the clock (tests) */
  now?: () => number;
}

interface StreamLog {
  /** a ring would save the shift; the array is trimmed in chunks, so shifting stays amortised O(1) */
  events: LoggedEvent[];
  /** index of the oldest retained event in `events` */
  start: number;
  head: number;
  listeners: Set<(event: LoggedEvent) => void>;
}

/** One process's log: bounded by age and by count, trimmed on append and on read. */
export class InMemoryEventLog implements EventLog {
  private readonly streams = new Map<string, StreamLog>();
  private readonly now: () => number;

  constructor(private readonly options: InMemoryEventLogOptions) {
    this.now = options.now ?? Date.now;
  }

  append<P>(stream: string, payload: P): Promise<LoggedEvent<P>> {
    const log = this.log(stream);
    const event: LoggedEvent<P> = { seq: ++log.head, at: this.now(), payload };
    log.events.push(event);
    this.trim(log);
    for (const listener of log.listeners) listener(event);
    return Promise.resolve(event);
  }

  since<P>(stream: string, after: number, limit: number): Promise<EventLogSlice<P>> {
    const log = this.log(stream);
    this.trim(log);
    const oldest = log.start < log.events.length ? log.events[log.start].seq : log.head + 1;
    const complete = after <= log.head && after >= oldest - 1;
    // seqs are contiguous: the first wanted event sits at a computed index
    const from = Math.max(log.start, log.start + (after + 1 - oldest));
    const events = log.events.slice(from, from + Math.max(0, limit)) as LoggedEvent<P>[];
    return Promise.resolve({ events: after > log.head ? [] : events, complete, head: log.head });
  }

  head(stream: string): Promise<number> {
    return Promise.resolve(this.streams.get(stream)?.head ?? 0);
  }

  subscribe<P>(stream: string, listener: (event: LoggedEvent<P>) => void): () => void {
    const log = this.log(stream);
    const wrapped = listener as (event: LoggedEvent) => void;
    log.listeners.add(wrapped);
    return () => log.listeners.delete(wrapped);
  }

  /** events held for `stream` (tests, metrics) */
  size(stream: string): number {
    const log = this.streams.get(stream);
    return log ? log.events.length - log.start : 0;
  }

  private log(stream: string): StreamLog {
    let log = this.streams.get(stream);
    if (!log) {
      log = { events: [], start: 0, head: 0, listeners: new Set() };
      this.streams.set(stream, log);
    }
    return log;
  }

  private trim(log: StreamLog): void {
    const cutoff = this.now() - this.options.retentionMs;
    const keepFrom = log.events.length - this.options.maxEvents;
    while (log.start < log.events.length && (log.start < keepFrom || log.events[log.start].at < cutoff)) log.start++;
    // compact once the dropped prefix is large: amortised O(1) per event
    if (log.start > 1024 && log.start * 2 > log.events.length) {
      log.events = log.events.slice(log.start);
      log.start = 0;
    }
  }
}
