import { FencedOutError } from '@app/cluster';
import { JobScheduler, waitAtMost, withDeadline, type ScheduledJob } from '@app/scheduling';
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, Partitioners, logLevel, type Consumer, type LogEntry, type Producer } from 'kafkajs';
import type { DurableOutbox, OutboxRecord, PartitionOffsets } from '../store/dex-state.store';

/** The record header carrying a message's per-key sequence (1, 2, 3, …): consumers can check order and gaps. */
export const SEQ_HEADER = 'seq';

/** partition → { from, to }: the records at offsets from ≤ o < to */
export type PartitionRanges = ReadonlyMap<number, { from: number; to: number }>;

/** What the emitter needs of Kafka for one leadership term (kafkajs below; unit tests pass a fake). */
export interface DexKafkaLink {
  /**
   * This term's producer takes over the role's transactional id: Kafka fences the previous term's producer and
   * aborts its open transaction, so nothing of it lands after this resolves.
   */
  open(): Promise<void>;
  /** Sends `records` in one transaction; resolves with partition → the offset after the last record written. */
  send(records: readonly OutboxRecord[]): Promise<Map<number, number>>;
  /** partition → { low, high } watermarks now */
  watermarks(): Promise<Map<number, { low: number; high: number }>>;
  /** The highest `seq` header of each key among the records in `ranges` (committed records only). */
  readSeqs(ranges: PartitionRanges): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface KafkaEmitterOptions {
  /** where the retry (`dex.kafka-retry`) is armed; a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  topic: string;
  link: DexKafkaLink;
  outbox: DurableOutbox;
  /** the leadership term: aborted when it ends, the emitter stops then */
  signal: AbortSignal;
  /** messages per transaction */
  batchSize?: number;
  /** first wait after a failure; doubles up to `maxRetryDelayMs` */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  log?: { warn(message: string): void; log(message: string): void };
  onSent?: (count: number) => void;
  onError?: (error: Error) => void;
}

/**
 * Sends the durable outbox to Kafka, exactly once per message, for one leadership term of `dex-metrics`.
 *
 * Why exact across a failover (the outbox row of a message is deleted only in the fenced transaction that records
 * its delivery, together with the topic's end offsets):
 * - a message not yet in Kafka is still in the outbox: the next leader sends it (no gap);
 * - a message in Kafka whose delivery was not recorded (the leader died between Kafka's ack and the database commit,
 *   or a send failed half-way) is found when the next leader (and this one after any failure) reads the topic from
 *   the recorded offsets to its end before sending anything: every outbox row of a key up to the highest `seq` found
 *   is marked delivered, not sent again (no duplicate);
 * - a deposed leader can neither record (its database writes fail `assertFence`) nor, on a real Kafka, produce: each
 *   term opens its producer with the role's one transactional id, which bumps the producer epoch, fences the old
 *   producer and aborts its open transaction before the new leader reads the tail.
 * One transaction in flight at a time, records in outbox order: a key's messages reach its partition in order.
 * librdkafka's mock cluster (kcat -M, the tests) accepts transactions but neither fences producers nor hides
 * uncommitted records; the tail read counts what consumers see there, so the hand-over is exact on it too.
 */
export class KafkaEmitter {
  private pumping?: Promise<void>;
  private retryTimer?: ScheduledJob;
  private retryDelay: number;
  private stopped = false;
  /** the tail was read since the producer took over or last failed: sending is safe */
  private reconciled = false;
  private opened = false;
  private pendingCount = 0;
  /** an append landed while the pump ran: look at the outbox again before idling */
  private kickedWhilePumping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: KafkaEmitterOptions) {
    this.retryDelay = options.retryDelayMs ?? 1_000;
    options.signal.addEventListener('abort', () => void this.stop(0), { once: true });
  }

  /** undelivered messages seen at the last look at the outbox */
  get pending(): number {
    return this.pendingCount;
  }

  get isReady(): boolean {
    return this.reconciled;
  }

  /** New messages are in the outbox (or the term starts): send what is pending. */
  kick(): void {
    if (this.pumping) {
      this.kickedWhilePumping = true;
      return;
    }
    if (this.retryTimer || this.stopped) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.kickedWhilePumping && !this.stopped && !this.retryTimer) this.kick();
      else if (this.pendingCount === 0 || this.stopped) this.wakeIdleWaiters();
    });
  }

  /** Resolves when everything appended so far is delivered (or the emitter stopped). */
  drained(): Promise<void> {
    if (this.stopped || (!this.pumping && !this.retryTimer && this.pendingCount === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Sends what is pending for up to `timeoutMs` (a graceful step-down), then closes the producer. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (!this.stopped && timeoutMs > 0 && !this.options.signal.aborted) {
      await waitAtMost(this.drained(), timeoutMs, { ref: false });
    }
    this.stopped = true;
    this.retryTimer?.stop();
    this.retryTimer = undefined;
    await this.pumping?.catch(() => undefined);
    this.wakeIdleWaiters();
    await this.options.link.close().catch(() => undefined);
  }

  private async pump(): Promise<void> {
    const { link, outbox, topic } = this.options;
    try {
      if (!this.opened) {
        await link.open();
        this.opened = true;
      }
      if (!this.reconciled) {
        await this.reconcile();
        this.reconciled = true;
      }
      for (;;) {
        this.kickedWhilePumping = false;
        if (this.stopped || this.options.signal.aborted) return;
        const batch = await outbox.pending(this.options.batchSize ?? 500);
        this.pendingCount = batch.length;
        if (batch.length === 0) return;
        const next = await link.send(batch);
        await outbox.recordDelivered(topic, batch, next);
        this.retryDelay = this.options.retryDelayMs ?? 1_000;
        this.options.onSent?.(batch.length);
      }
    } catch (error) {
      this.onFailure(error as Error);
    }
  }

  /** Reads the topic from the recorded offsets to its end and records what is already there. */
  private async reconcile(): Promise<void> {
    const { link, outbox, topic } = this.options;
    if ((await outbox.pending(1)).length === 0) return; // nothing in doubt
    const [recorded, marks] = await Promise.all([outbox.kafkaOffsets(topic), link.watermarks()]);
    const ranges = new Map<number, { from: number; to: number }>();
    const next = new Map<number, number>();
    for (const [partition, { low, high }] of marks) {
      ranges.set(partition, { from: Math.max(low, recorded.get(partition) ?? low), to: high });
      next.set(partition, high);
    }
    const seqs = await link.readSeqs(ranges);
    await outbox.recordReconciled(topic, seqs, next);
    const found = [...seqs.values()].length;
    if (found > 0) this.options.log?.log(`Kafka takeover: ${found} key(s) had messages delivered by the previous term but not recorded; they are not sent again`);
  }

  private onFailure(error: Error): void {
    this.options.onError?.(error);
    if (error instanceof FencedOutError || this.options.signal.aborted || this.stopped) {
      this.stopped = true;
      if (error instanceof FencedOutError) this.options.log?.warn(`Kafka emitter stops: ${error.message}`);
      return;
    }
    this.options.log?.warn(`Kafka send failed; re-reading the topic tail and retrying in ${this.retryDelay} ms: ${error.message}`);
    // what a failed transaction left behind is unknown until the tail is read again
    this.reconciled = false;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs ?? 30_000);
    this.retryTimer = (this.options.jobs ?? JobScheduler.detached()).after('dex.kafka-retry', delay, () => {
      this.retryTimer = undefined;
      this.kick();
    });
  }

  private wakeIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function kafkaClient(brokers: string[], clientId: string, log: { warn(message: string): void }): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (entry.level <= logLevel.WARN) log.warn(`kafkajs ${entry.namespace}: ${entry.log.message}`);
    },
  });
}

/**
 * The kafkajs side for one term: a transactional producer with the role's stable `transactionalId`, and a short-lived
 * read-committed consumer for the tail read. kafkajs's `idempotent` flag stays off: it would ask the controller for a
 * second, non-transactional producer id (which the mock cluster cannot answer); the transactional producer id is
 * idempotent on its own.
 */
export class KafkajsDexLink implements DexKafkaLink {
  private readonly kafka: Kafka;
  private producer?: Producer;

  constructor(
    private readonly brokers: string[],
    private readonly topic: string,
    private readonly transactionalId: string,
    private readonly log: { warn(message: string): void },
    private readonly readTimeoutMs = 20_000,
  ) {
    this.kafka = kafkaClient(brokers, 'market-gateway-dex-metrics', log);
  }

  async open(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    const producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionalId: this.transactionalId,
      maxInFlightRequests: 1,
      idempotent: false,
      allowAutoTopicCreation: true,
    });
    await producer.connect();
    this.producer = producer;
    // InitProducerId for the transactional id (kafkajs does it on the first transaction): fences the old producer
    const init = await producer.transaction();
    await init.abort();
  }

  async send(records: readonly OutboxRecord[]): Promise<Map<number, number>> {
    const producer = this.producer;
    if (!producer) throw new Error('the Kafka producer is not open');
    const transaction = await producer.transaction();
    try {
      const written = await transaction.send({
        topic: this.topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: records.map((record) => ({
          key: record.key,
          value: record.value === null ? null : JSON.stringify(record.value),
          timestamp: String(record.sentAtMs),
          headers: { [SEQ_HEADER]: String(record.seq) },
        })),
      });
      await transaction.commit();
      // where this batch starts in each partition: a later tail read starts there at the latest, so it can re-read
      // this batch (harmless) but never skip a record whose delivery was not recorded
      const next = new Map<number, number>();
      for (const meta of written) next.set(meta.partition, Math.min(next.get(meta.partition) ?? Infinity, Number(meta.baseOffset)));
      return next;
    } catch (error) {
      if (transaction.isActive()) await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  async watermarks(): Promise<Map<number, { low: number; high: number }>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic).catch((error: Error) => {
        // the topic does not exist yet: nothing was ever delivered
        if (/does not host this topic-partition|UNKNOWN_TOPIC/i.test(error.message)) return [];
        throw error;
      });
      return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async readSeqs(ranges: PartitionRanges): Promise<Map<string, number>> {
    const wanted = [...ranges].filter(([, range]) => range.from < range.to);
    const seqs = new Map<string, number>();
    if (wanted.length === 0) return seqs;
    const consumer: Consumer = this.kafka.consumer({
      groupId: `${this.transactionalId}-takeover-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
    });
    const remaining = new Set(wanted.map(([partition]) => partition));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      const done = new Promise<void>((resolve, reject) => {
        void consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const range = ranges.get(batch.partition);
              if (!range) return;
              for (const message of batch.messages) {
                const offset = Number(message.offset);
                const header = message.headers?.[SEQ_HEADER];
                if (offset < range.from || offset >= range.to || header === undefined || message.key === null) continue;
                const key = message.key.toString();
                const seq = Number(header.toString());
                if (Number.isSafeInteger(seq) && seq > (seqs.get(key) ?? 0)) seqs.set(key, seq);
              }
              // lastOffset counts control records too (a transaction's commit marker)
              if (Number(batch.lastOffset()) + 1 >= range.to) {
                remaining.delete(batch.partition);
                if (remaining.size === 0) resolve();
              }
            },
          })
          .catch(reject);
        for (const [partition, range] of ranges) consumer.seek({ topic: this.topic, partition, offset: String(range.from < range.to ? range.from : range.to) });
      });
      await withDeadline(done, this.readTimeoutMs, () => new Error(`reading the Kafka tail timed out after ${this.readTimeoutMs} ms; ${remaining.size} partition(s) unread`));
      return seqs;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }

  toString(): string {
    return `${this.brokers.join(',')}/${this.topic}`;
  }
}
