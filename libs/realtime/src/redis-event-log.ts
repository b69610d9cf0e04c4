import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { delay, waitAtMost } from '@app/scheduling';
import type { EventLog, EventLogSlice, LoggedEvent } from './event-log';

export interface RedisStreamsEventLogOptions {
  /** events older than this are dropped (`REALTIME_RESUME_RETENTION_S`) */
  retentionMs: number;
  /** and at most this many per stream (`REALTIME_RESUME_MAX_EVENTS`) */
  maxEvents: number;
  /** every key of the log starts with it (`REDIS_KEY_PREFIX` + `events:`): deployments and tests sharing a Redis stay apart */
  keyPrefix: string;
  /** longest wait of one blocking read; a new stream wakes the reader earlier (CLIENT UNBLOCK) */
  blockMs?: number;
  /** how long `head` waits for the reader to deliver up to the stream's head before answering what it delivered */
  catchUpMs?: number;
}

// Physical trimming of events past the retention: the ids are `<seq>-0` (so `since` is one XRANGE), not times, so
// the first fresh seq is found by a binary search over `at` (monotonic: Redis TIME) and cut with XTRIM MINID.
// Runs only when the oldest event is `slack` ms past the retention, so steady appends pay it rarely.
const TRIM_EXPIRED = `
local function seqOf(id) return tonumber(string.match(id, '^(%d+)')) end
local function trimExpired(events, cutoff, slack, head)
  local oldest = redis.call('XRANGE', events, '-', '+', 'COUNT', 1)[1]
  if not oldest or tonumber(oldest[2][2]) >= cutoff - slack then return end
  local lo, hi = seqOf(oldest[1]), head + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local entry = redis.call('XRANGE', events, mid .. '-0', '+', 'COUNT', 1)[1]
    if not entry then hi = mid
    elseif tonumber(entry[2][2]) < cutoff then lo = seqOf(entry[1]) + 1
    else hi = mid end
  end
  redis.call('XTRIM', events, 'MINID', lo .. '-0')
end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// KEYS: head counter, stream, this append's id. ARGV: payload JSON, maxEvents, retentionMs, trim slack ms.
// Returns {seq, at}. The seq is taken and the event added in one script: every replica's appends get contiguous
// seqs, in one order. An append id seen in the last minute is the same append re-sent: its first result again.
const APPEND = `${TRIM_EXPIRED}
local done = redis.call('GET', KEYS[3])
if done then
  local seq, at = string.match(done, '^(%d+):(%d+)$')
  return {tonumber(seq), tonumber(at)}
end
local seq = redis.call('INCR', KEYS[1])
local now = nowMs()
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'at', now, 'p', ARGV[1])
trimExpired(KEYS[2], now - tonumber(ARGV[3]), tonumber(ARGV[4]), seq)
redis.call('SET', KEYS[3], seq .. ':' .. now, 'PX', 60000)
return {seq, now}
`;

// KEYS: head counter, stream. ARGV: after, limit, maxEvents, retentionMs.
// Returns {head, oldest held seq (head + 1 when none), entries with seq > max(after, oldest - 1), at most limit}.
// MAXLEN ~ keeps a few more than maxEvents: the bound is applied here exactly, as the in-memory log does.
const SINCE = `${TRIM_EXPIRED}
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = nowMs()
trimExpired(KEYS[2], now - tonumber(ARGV[4]), 0, head)
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local oldest = head + 1
if first then oldest = seqOf(first[1]) end
oldest = math.max(oldest, head - tonumber(ARGV[3]) + 1)
local from = math.max(tonumber(ARGV[1]) + 1, oldest)
local entries = {}
local limit = tonumber(ARGV[2])
if from <= head and limit > 0 then entries = redis.call('XRANGE', KEYS[2], from .. '-0', '+', 'COUNT', limit) end
return {head, oldest, entries}
`;

type Entry = [id: string, fields: string[]];

interface StreamState {
  listeners: Set<(event: LoggedEvent) => void>;
  /** the last seq delivered to the listeners; undefined until the start position is read */
  position?: number;
  /** `head` callers waiting for the reader to deliver up to a seq */
  waiters: Array<{ seq: number; resolve: () => void }>;
}

/**
 * The event log in Redis Streams, shared by every replica (issue 11): a client resumes on any replica, and every
 * replica's listeners get every event, whichever replica appended it.
 *
 * - Per stream a counter `<prefix><stream>:head` and a Redis Stream `<prefix><stream>:events` whose entry ids are
 *   `<seq>-0`; one Lua script takes the next seq and adds the event, so seqs are contiguous and the same everywhere.
 *   Trimmed by count (MAXLEN ~) and by age (MINID) on append; `since` applies both bounds exactly.
 * - Delivery: one blocking reader per process (XREAD BLOCK on a connection of its own, every subscribed stream)
 *   hands each event once, in seq order, to the local listeners, this replica's own appends included: an append is
 *   never delivered directly, only through the reader, so nothing is delivered twice. The reader remembers the last
 *   seq it delivered per stream and reads on from there after an error or a Redis restart (no loss, no duplicate;
 *   it needs a Redis that keeps its data across restarts: AOF or RDB on shutdown).
 * - Each append carries an id: ioredis re-sends a call whose reply a disconnect lost, and the script then answers
 *   the first result instead of appending twice. While Redis is down an append waits through a few reconnection
 *   attempts, then is rejected: the caller retries or counts the loss.
 */
export class RedisStreamsEventLog implements EventLog {
  private readonly logger = new Logger('RedisEventLog');
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly streams = new Map<string, StreamState>();
  private readerId?: number;
  private blocked = false;
  private closed = false;
  private loop?: Promise<void>;
  private lastWarned = 0;
  /** names each append once (`<this log>:<n>`), so a re-sent append is not appended twice */
  private readonly appendIds = { log: randomBytes(6).toString('hex'), next: 0 };

  constructor(
    redis: Redis,
    private readonly options: RedisStreamsEventLogOptions,
  ) {
    // ioredis re-sends a call that was on the wire when the connection dropped (it may have landed already: the
    // append token makes the second run a no-op), or rejects it once its retries are spent
    this.writer = redis.duplicate({ maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // a blocking read is re-sent after a reconnect: harmless, it names the seqs to read after
    this.reader = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    for (const connection of [this.writer, this.reader]) connection.on('error', (error: Error) => this.warn(`redis: ${error.message}`));
    // a new connection has a new client id (for CLIENT UNBLOCK)
    this.reader.on('close', () => (this.readerId = undefined));
  }

  async append<P>(stream: string, payload: P): Promise<LoggedEvent<P>> {
    const { maxEvents, retentionMs } = this.options;
    const slack = Math.max(1_000, Math.floor(retentionMs / 20));
    const appendKey = `${this.options.keyPrefix}${stream}:append:${this.appendIds.log}:${this.appendIds.next++}`;
    const [seq, at] = (await this.writer.eval(APPEND, 3, this.headKey(stream), this.eventsKey(stream), appendKey, JSON.stringify(payload) ?? 'null', maxEvents, retentionMs, slack)) as [number, number];
    return { seq, at, payload };
  }

  async since<P>(stream: string, after: number, limit: number): Promise<EventLogSlice<P>> {
    const safeAfter = Math.min(Math.max(0, Math.floor(after)), Number.MAX_SAFE_INTEGER);
    const [head, oldest, entries] = (await this.writer.eval(SINCE, 2, this.headKey(stream), this.eventsKey(stream), safeAfter, Math.max(0, Math.floor(limit)), this.options.maxEvents, this.options.retentionMs,
    )) as [number, number, Entry[]];
    const complete = after <= head && after >= oldest - 1;
    return { events: after >= head ? [] : entries.map((entry) => toEvent<P>(entry)), complete, head };
  }

  /**
   * The stream's head in Redis; on a stream with local listeners, once the reader delivered up to it (bounded by
   * `catchUpMs`, then what the reader delivered): a client starting from the head then misses nothing its listeners
   * will not get, and a client resuming from a seq another replica sent finds it here.
   */
  async head(stream: string): Promise<number> {
    const head = Number((await this.writer.get(this.headKey(stream))) ?? 0);
    const state = this.streams.get(stream);
    if (!state || state.listeners.size === 0) return head;
    if (state.position !== undefined && state.position >= head) return head;
    await waitAtMost(new Promise<void>((resolve) => state.waiters.push({ seq: head, resolve })), this.options.catchUpMs ?? 2_000);
    return Math.min(head, state.position ?? head);
  }

  subscribe<P>(stream: string, listener: (event: LoggedEvent<P>) => void): () => void {
    let state = this.streams.get(stream);
    if (!state) {
      state = { listeners: new Set(), waiters: [] };
      this.streams.set(stream, state);
      this.wake();
    }
    const wrapped = listener as (event: LoggedEvent) => void;
    state.listeners.add(wrapped);
    this.loop ??= this.read();
    const listeners = state.listeners;
    return () => listeners.delete(wrapped);
  }

  /** Stops the reader and closes both connections (app shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.reader.disconnect();
    await waitAtMost(this.loop ?? Promise.resolve(), 1_000);
    await this.writer.quit().catch(() => this.writer.disconnect());
    for (const state of this.streams.values()) for (const waiter of state.waiters.splice(0)) waiter.resolve();
  }

  /** The reader: starts each subscribed stream at its head, then XREAD BLOCK from the last delivered seqs, forever. */
  private async read(): Promise<void> {
    let backoffMs = 100;
    while (!this.closed) {
      try {
        await this.startNewStreams();
        const reading = [...this.streams.entries()].filter(([, state]) => state.position !== undefined);
        if (reading.length === 0) {
          await sleep(50);
          continue;
        }
        this.readerId ??= Number(await this.reader.client('ID'));
        const keys = reading.map(([stream]) => this.eventsKey(stream));
        const ids = reading.map(([, state]) => `${state.position}-0`);
        this.blocked = true;
        const reply = (await this.reader.xread('COUNT', 1_000, 'BLOCK', this.options.blockMs ?? 5_000, 'STREAMS', ...keys, ...ids)) as Array<[string, Entry[]]> | null;
        this.blocked = false;
        for (const [key, entries] of reply ?? []) this.deliver(reading[keys.indexOf(key)][0], reading[keys.indexOf(key)][1], entries);
        backoffMs = 100;
      } catch (error) {
        this.blocked = false;
        if (this.closed) return;
        this.warn(`event log reader: ${(error as Error).message}; reading on from the last delivered seqs`);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }

  /** A stream's first subscriber: the reader starts after the stream's current head. */
  private async startNewStreams(): Promise<void> {
    for (const [stream, state] of this.streams) {
      if (state.position !== undefined) continue;
      state.position = Number((await this.writer.get(this.headKey(stream))) ?? 0);
      settle(state);
    }
  }

  private deliver(stream: string, state: StreamState, entries: Entry[]): void {
    for (const entry of entries) {
      let event: LoggedEvent;
      try {
        event = toEvent(entry);
      } catch (error) {
        // not ours to crash on: skipped, said
        this.logger.error(`${stream}: unreadable entry ${entry[0]}: ${(error as Error).message}`);
        state.position = Math.max(state.position!, Number(entry[0].split('-')[0]) || state.position!);
        continue;
      }
      const expected = state.position! + 1;
      if (event.seq < expected) continue;
      // events trimmed before the reader got to them (a reader lagging past the retention): said, not hidden
      if (event.seq > expected) this.logger.error(`${stream}: events ${expected}..${event.seq - 1} were trimmed before this replica read them`);
      state.position = event.seq;
      for (const listener of state.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.error(`${stream}: a listener failed: ${(error as Error).message}`);
        }
      }
    }
    settle(state);
  }

  /**
   * Ends the reader's blocking read now, so it reads a newly subscribed stream too. Tried a few times: the read may
   * be on its way to Redis and not blocking yet.
   */
  private wake(attempt = 0): void {
    if (!this.blocked || this.readerId === undefined || this.closed) return;
    this.writer.client('UNBLOCK', this.readerId).then(
      (unblocked) => {
        if (Number(unblocked) === 0 && attempt < 5) void delay(20, { ref: false }).then(() => this.wake(attempt + 1));
      },
      () => undefined,
    );
  }

  private headKey(stream: string): string {
    return `${this.options.keyPrefix}${stream}:head`;
  }

  private eventsKey(stream: string): string {
    return `${this.options.keyPrefix}${stream}:events`;
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarned < 10_000) return;
    this.lastWarned = Date.now();
    this.logger.warn(message);
  }
}

/** Resolves the `head` callers the reader has caught up with. */
function settle(state: StreamState): void {
  const position = state.position ?? 0;
  if (state.position === undefined || state.waiters.length === 0) return;
  state.waiters = state.waiters.filter((waiter) => (waiter.seq <= position ? (waiter.resolve(), false) : true));
}

function toEvent<P>([id, fields]: Entry): LoggedEvent<P> {
  let at = 0;
  let payload: unknown;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'at') at = Number(fields[i + 1]);
    else if (fields[i] === 'p') payload = JSON.parse(fields[i + 1]);
  }
  return { seq: Number(id.slice(0, id.indexOf('-'))), at, payload: payload as P };
}

/** the reader's pauses never keep the process alive */
const sleep = (ms: number) => delay(ms, { ref: false });
