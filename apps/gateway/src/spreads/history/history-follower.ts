import type Redis from 'ioredis';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import type { SpreadEvent } from '../domain/spread-event';

/** A row of the spread history: its id is the live stream's `seq`. */
export interface HistoryRow {
  id: number;
  event: SpreadEvent;
}

/** Where the spreads leader says "the history advanced to id N" after each write (Redis pub/sub). */
export const SPREADS_HISTORY_CHANNEL = 'spreads:history';

export interface HistoryFollowerOptions {
  /** where the catch-up job (`spreads.history-catch-up`) is armed; a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  /** rows with id > `afterId`, in id order, at most `limit` */
  read(afterId: number, limit: number): Promise<HistoryRow[]>;
  /** called once per new row, in id order */
  deliver(row: HistoryRow): void;
  /** the cluster's shared connection: publishes on it, subscribes on a duplicate; undefined: local pokes only */
  redis?: Redis;
  channel?: string;
  /** a read at this interval whatever happens: covers lost messages and Redis outages */
  catchUpMs: number;
  /** rows per read */
  pageSize: number;
  onError?(error: unknown): void;
}

/**
 * Hands every row of the history to `deliver` exactly once, in id order, whoever wrote it: a read of what follows
 * the last delivered id runs on each notification (Redis pub/sub from the leader, or a local `poke`) and every
 * `catchUpMs`. Reads never overlap; notifications arriving during one coalesce into one more read. The messages
 * only say "look": the rows always come from the history, so a lost, late or foreign message changes nothing.
 */
export class HistoryFollower {
  private lastId = 0;
  private subscriber?: Redis;
  private catchUpJob?: ScheduledJob;
  private reading?: Promise<void>;
  private again = false;
  private running = false;
  private readonly channel: string;

  constructor(private readonly options: HistoryFollowerOptions) {
    this.channel = options.channel ?? SPREADS_HISTORY_CHANNEL;
  }

  /** the id of the newest row delivered */
  get lastDeliveredId(): number {
    return this.lastId;
  }

  /** Delivers rows after `fromId` from now on. */
  start(fromId: number): void {
    this.lastId = fromId;
    this.running = true;
    const { redis } = this.options;
    if (redis) {
      const subscriber = redis.duplicate();
      this.subscriber = subscriber;
      subscriber.on('message', (_channel: string, message: string) => {
        if (Number(message) > this.lastId) void this.poke();
      });
      // errors are the shared connection's to report; the catch-up timer covers the outage
      subscriber.on('error', () => undefined);
      // (re)subscribe on every connect: a subscribe queued while Redis was down may have been dropped
      const subscribe = () => void subscriber.subscribe(this.channel).catch((error: unknown) => this.options.onError?.(error));
      subscriber.on('ready', subscribe);
      subscribe();
    }
    // not awaited: reads coalesce in `poke` already
    this.catchUpJob = (this.options.jobs ?? JobScheduler.detached()).every('spreads.history-catch-up', this.options.catchUpMs, () => void this.poke());
  }

  /** Tells every replica (this one included) that the history advanced to `id`; without Redis, this one only. */
  announce(id: number): void {
    void this.poke();
    this.options.redis?.publish(this.channel, String(id)).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Reads what is new (now, or right after the read under way). */
  poke(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        void this.poke();
      }
    });
    return this.reading;
  }

  /** Resolves once every row written so far is delivered (tests, shutdown). */
  async catchUp(): Promise<void> {
    await this.poke();
    while (this.reading) await this.reading;
    await this.poke();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.catchUpJob?.stop();
    this.catchUpJob = undefined;
    while (this.reading) await this.reading.catch(() => undefined);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.options.read(this.lastId, this.options.pageSize);
        for (const row of rows) {
          if (!(row.id > this.lastId)) continue;
          this.lastId = row.id;
          this.options.deliver(row);
        }
        if (rows.length < this.options.pageSize || !this.running) return;
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
