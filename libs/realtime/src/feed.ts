import type { CompiledQuery } from '@app/query';
import type WebSocket from 'ws';
import type { AnyStreamDefinition, StreamLoad } from './stream-definition';

/** One connected client. Kept small: there may be tens of thousands. */
export class Subscriber {
  view?: View;
  raw: Record<string, unknown> = {};
  lagSince = 0;
  ready = false;
  /** update messages received while the connection was still being authenticated, answered in order once accepted */
  readonly pendingUpdates: Buffer[] = [];
  /** closes the socket with 4401 when its access token expires */
  expiryTimer?: NodeJS.Timeout;
  messageWindowStart = 0;
  messagesInWindow = 0;

  constructor(
    readonly socket: WebSocket,
    readonly definition: AnyStreamDefinition,
  ) {}

  latestFrame(): Buffer | undefined {
    return this.view?.lastFrame;
  }
}

/** Subscribers of one feed with the same canonical query: one render and one buffer per refresh for all of them. */
export class View {
  readonly subscribers = new Set<Subscriber>();
  /** the last rendered body (without timestamp) and stale flag: an unchanged view is not re-sent */
  lastBody?: string;
  lastStale = false;
  lastFrame?: Buffer;

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
