import type { CompiledQuery } from '@app/query';
import type { FrameSink } from './frame-sink';
import type { AnyStreamDefinition, StreamLoad } from './stream-definition';

/**
 * One subscription to a view stream: a single-stream socket, or one subscription on `/v1/stream`. The hub writes to
 * its `sink` and never needs to know which. Kept small: there may be tens of thousands.
 */
export class Subscriber {
  view?: View;
  raw: Record<string, unknown> = {};
  /** frames written to this subscriber so far, error frames included: the `seq` of the last one */
  seq = 0;
  /** a view frame was skipped under backpressure: the view's latest is re-sent once the socket drains */
  missed = false;
  /** registered on the sink's connection: re-sends the latest frame once the socket drained */
  onDrain?: () => void;

  constructor(
    readonly sink: FrameSink,
    readonly definition: AnyStreamDefinition,
  ) {}
}

/** Subscribers of one feed with the same canonical query: one render and one buffer per refresh for all of them. */
export class View {
  readonly subscribers = new Set<Subscriber>();
  /** the last rendered body (without timestamp) and stale flag: an unchanged view is not re-sent */
  lastRendered?: string;
  lastStale = false;
  /**
   * the current frame's shared bytes, without the opening brace: every subscriber gets its own
   * `{"type":"view","seq":N,` (and on /v1/stream `"sub":"<id>",`) written in front of the same buffer
   */
  body?: Buffer;

  constructor(
    readonly key: string,
    readonly query: CompiledQuery,
    readonly feed: Feed,
  ) {}
}

/** One stream with one set of upstream params: one refresh loop, whatever the number of clients. */
export class Feed {
  readonly views = new Map<string, View>();
  last?: StreamLoad<unknown>;
  /** the last refresh failed: frames carry the last good data marked stale */
  failing = false;
  failures = 0;
  lastError?: string;
  loading?: Promise<void>;
  timer?: NodeJS.Timeout;
  lingerTimer?: NodeJS.Timeout;
  intervalMs = 0;
  /** epoch ms of the next scheduled refresh (jitter included): what `adaptive_interval` counts down to */
  nextRefreshAt = 0;
  stopped = false;
  /** with Redis: this replica holds the feed's lease (it refreshes the feed for the cluster) */
  leased = false;
  /** with Redis, on a replica that does not hold the lease: re-renders from the holder's notices, one at a time */
  following: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly definition: AnyStreamDefinition,
    readonly params: object,
  ) {}

  get subscriberCount(): number {
    let count = 0;
    for (const view of this.views.values()) count += view.subscribers.size;
    return count;
  }
}
