import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { OncePerWindow } from '@app/observability';
import { EVENT_LOG, InMemoryEventLog, type EventLog, type LoggedEvent } from '@app/realtime';
import type { DexMessage, DexMessageSink } from '../flow/dex-message';

/** The event stream the DEX messages are appended to (its name on `/v1/stream`). */
export const DEX_LIVE_STREAM = 'dex-metrics.live';

/**
 * The DEX metrics messages (what `WS /v1/dex-metrics/live` carries, tombstones included) appended to the event log,
 * which gives each its `seq` and keeps them for resuming clients; plus the latest message of each listed key, so a new
 * client starts with the current state instead of waiting up to 24 h.
 */
@Injectable()
export class DexLiveFeed implements DexMessageSink {
  private readonly latestByKey = new Map<string, LoggedEvent<DexMessage>>();
  private readonly logger = new Logger('DexLiveFeed');
  private readonly appendFailures = new OncePerWindow(60_000, 1);
  readonly log: EventLog;

  constructor(@Optional() @Inject(EVENT_LOG) log?: EventLog) {
    // unit specs build the feed alone: a small log of its own
    this.log = log ?? new InMemoryEventLog({ retentionMs: 900_000, maxEvents: 10_000 });
    this.log.subscribe<DexMessage>(DEX_LIVE_STREAM, (event) => {
      if (event.payload.value === null) this.latestByKey.delete(event.payload.key);
      else this.latestByKey.set(event.payload.key, event);
    });
  }

  publish(message: DexMessage): void {
    // a log that cannot be written (Redis down) loses this live frame only: Kafka gets the message from the outbox,
    // and the key's next message supersedes it
    this.log.append(DEX_LIVE_STREAM, message).catch((error: Error) => {
      const suppressed = this.appendFailures.take('append');
      if (suppressed !== undefined) this.logger.warn(`live DEX message not pushed, the event log failed: ${error.message}${suppressed ? ` (${suppressed} more in the last minute)` : ''}`);
    });
  }

  /** The latest message of each key (or of `ticker`), with its seq, oldest first. */
  latest(ticker?: string): LoggedEvent<DexMessage>[] {
    if (ticker !== undefined) {
      const event = this.latestByKey.get(ticker);
      return event ? [event] : [];
    }
    return [...this.latestByKey.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Every message from now on, in order. */
  subscribe(listener: (message: DexMessage) => void): () => void {
    return this.log.subscribe<DexMessage>(DEX_LIVE_STREAM, (event) => listener(event.payload));
  }
}
