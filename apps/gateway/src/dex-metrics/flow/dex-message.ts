import type { DexMetricsValue } from '../domain/metrics-message';

/** One message of the DEX metrics flow: the Kafka record (key, value; null value = tombstone) and when it was sent. */
export interface DexMessage {
  key: string;
  value: DexMetricsValue | null;
  sentAtMs: number;
}

/** Where the scheduler hands finished messages (the WebSocket stream and the Kafka outbox). */
export interface DexMessageSink {
  publish(message: DexMessage): void;
}
