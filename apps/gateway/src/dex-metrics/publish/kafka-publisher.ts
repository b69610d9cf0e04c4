import { CompressionTypes, Kafka, Partitioners, logLevel, type LogEntry, type Producer } from 'kafkajs';
import type { DexMessage } from '../flow/dex-message';
import { Outbox, type OutboxEntry } from './outbox';

/** What the publisher needs of a Kafka producer (kafkajs's `Producer` fits; tests pass a fake). */
export type MessageProducer = Pick<Producer, 'connect' | 'disconnect' | 'send'>;

export interface KafkaPublisherOptions {
  topic: string;
  producer: MessageProducer;
  /** messages per produce request */
  batchSize?: number;
  /** first wait after a failed send; doubles up to `maxRetryDelayMs` */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** keys kept while Kafka is unreachable (latest message per key) */
  maxPendingKeys?: number;
  log?: { warn(message: string): void; log(message: string): void };
  onSent?: (count: number) => void;
  onError?: (error: Error) => void;
  onDrop?: (entry: OutboxEntry) => void;
  /** write-through of the outbox (kept across restarts) */
  persistence?: { save(entry: OutboxEntry): void; remove(entries: readonly OutboxEntry[]): void };
}

/**
 * Sends the DEX metrics messages to Kafka through an outbox: one produce request in flight at a time, so a key's
 * messages reach the topic in the order they were made. A failed request is retried with backoff; meanwhile new
 * messages replace older ones of the same key (bounded). Records: key = ticker, value = JSON or null (tombstone),
 * acks = all, gzip.
 */
export class KafkaPublisher {
  readonly outbox: Outbox;
  private connected = false;
  private pumping?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryDelay: number;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: KafkaPublisherOptions) {
    this.outbox = new Outbox(options.maxPendingKeys ?? 100_000, (entry) => {
      options.persistence?.remove([entry]);
      options.onDrop?.(entry);
    });
    this.retryDelay = options.retryDelayMs ?? 1_000;
  }

  get pending(): number {
    return this.outbox.size;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  publish(message: DexMessage): void {
    if (this.stopped) return;
    const entry = this.outbox.put(message);
    this.options.persistence?.save(entry);
    this.kick();
  }

  /** Loads messages kept from before a restart and starts sending them. */
  restore(messages: readonly DexMessage[]): void {
    this.outbox.restore(messages);
    this.kick();
  }

  /** Resolves when the outbox is empty (everything acknowledged by Kafka). */
  drained(): Promise<void> {
    if (this.outbox.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Tries to send what is pending for up to `timeoutMs`, then disconnects. What is left stays persisted. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.outbox.size > 0 && this.connected) {
      await Promise.race([this.drained(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    }
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.pumping?.catch(() => undefined);
    await this.options.producer.disconnect().catch(() => undefined);
    this.connected = false;
  }

  private kick(): void {
    if (this.pumping || this.retryTimer || this.stopped) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // a message published while the last request was finishing: send it too
      if (this.outbox.size > 0) this.kick();
      else this.wakeIdleWaiters();
    });
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.outbox.size > 0) {
      const batch = this.outbox.peek(this.options.batchSize ?? 500);
      try {
        if (!this.connected) {
          await this.options.producer.connect();
          this.connected = true;
          this.options.log?.log(`Kafka producer connected; ${this.outbox.size} message(s) pending`);
        }
        await this.options.producer.send({
          topic: this.options.topic,
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: batch.map((entry) => ({
            key: entry.key,
            value: entry.value === null ? null : JSON.stringify(entry.value),
            timestamp: String(entry.sentAtMs),
          })),
        });
      } catch (error) {
        this.onFailure(error as Error);
        return;
      }
      this.retryDelay = this.options.retryDelayMs ?? 1_000;
      const removed = this.outbox.ack(batch);
      this.options.persistence?.remove(removed);
      this.options.onSent?.(batch.length);
    }
  }

  private onFailure(error: Error): void {
    if (this.connected) this.options.log?.warn(`Kafka send failed, keeping ${this.outbox.size} message(s) and retrying: ${error.message}`);
    this.connected = false;
    this.options.onError?.(error);
    void this.options.producer.disconnect().catch(() => undefined);
    if (this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
  }
}

/** A kafkajs producer for the DEX metrics topic: no idempotence (see README), one request in flight, its logs at warn. */
export function createKafkaProducer(brokers: string[], log: { warn(message: string): void }, clientId = 'market-gateway-dex-metrics'): Producer {
  const kafka = new Kafka({
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
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1, allowAutoTopicCreation: true, idempotent: false });
}
