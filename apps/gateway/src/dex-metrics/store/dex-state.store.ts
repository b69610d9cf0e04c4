import { FencedOutError, assertFence, type LeadershipTerm } from '@app/cluster';
import { delay } from '@app/scheduling';
import type { Database, SqlExecutor } from '@app/storage';
import type { DexMetricsValue } from '../domain/metrics-message';
import type { DexMessage } from '../flow/dex-message';

export interface ListedSymbol {
  ticker: string;
  lastTradeMs?: number;
}

/** A message in the Kafka outbox: `seq` counts the key's messages (1, 2, 3, … across leaders and restarts). */
export interface OutboxRecord extends DexMessage {
  id: number;
  seq: number;
}

/** partition → the offset right after the last record this database knows was delivered */
export type PartitionOffsets = ReadonlyMap<number, number>;

/** What the Kafka emitter needs of the durable outbox (the store below; tests may pass another). */
export interface DurableOutbox {
  /** the oldest undelivered messages, in the order they were made */
  pending(limit: number): Promise<OutboxRecord[]>;
  /** Kafka has `records`: forget them, remember where the topic stands */
  recordDelivered(topic: string, records: readonly OutboxRecord[], next: PartitionOffsets): Promise<void>;
  /** after reading the topic tail: every message of a key up to its `seq` is delivered */
  recordReconciled(topic: string, deliveredSeq: ReadonlyMap<string, number>, next: PartitionOffsets): Promise<void>;
  kafkaOffsets(topic: string): Promise<Map<number, number>>;
}

type FenceTerm = Pick<LeadershipTerm, 'role' | 'token'>;

/**
 * What the DEX metrics keep in the database (migrations 040, 054): listed symbols with their last trade, the Kafka
 * outbox, pool creation times. Only the dex-metrics leader writes: every write runs in a transaction that first checks
 * the leader's fencing token (`assertFence`), so a replica that lost the role cannot write over its successor.
 * Outbox appends go through one queue so each key's sequence follows the order its messages were made.
 */
export class DexStateStore implements DurableOutbox {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly term: FenceTerm,
    /** a write failed and is retried (logged by the owner) */
    private readonly onRetry?: (error: Error) => void,
  ) {}

  async listedSymbols(): Promise<ListedSymbol[]> {
    const { rows } = await this.db.query<{ ticker: string; last_trade_ms: string | null }>(
      'select ticker, last_trade_ms from dex_metrics_symbols where delisted_at_ms is null order by ticker',
    );
    return rows.map((row) => ({ ticker: row.ticker, lastTradeMs: row.last_trade_ms === null ? undefined : Number(row.last_trade_ms) }));
  }

  markListed(ticker: string, nowMs: number): Promise<ListedSymbol> {
    return this.fenced(async (tx) => {
      const { rows } = await tx.query<{ last_trade_ms: string | null }>(
        `insert into dex_metrics_symbols (ticker, listed_at_ms) values ($1, $2)
         on conflict (ticker) do update set delisted_at_ms = null,
           listed_at_ms = case when dex_metrics_symbols.delisted_at_ms is null then dex_metrics_symbols.listed_at_ms else excluded.listed_at_ms end
         returning last_trade_ms`,
        [ticker, nowMs],
      );
      const last = rows[0]?.last_trade_ms;
      return { ticker, lastTradeMs: last === null || last === undefined ? undefined : Number(last) };
    });
  }

  async markDelisted(ticker: string, nowMs: number): Promise<void> {
    await this.fenced((tx) => tx.query('update dex_metrics_symbols set delisted_at_ms = $2 where ticker = $1', [ticker, nowMs]));
  }

  async saveLastTrades(lastTrades: ReadonlyMap<string, number>): Promise<void> {
    await this.fenced(async (tx) => {
      for (const [ticker, ms] of lastTrades) {
        await tx.query('update dex_metrics_symbols set last_trade_ms = greatest(coalesce(last_trade_ms, 0), $2) where ticker = $1', [ticker, ms]);
      }
    });
  }

  /**
   * Adds a message to the outbox with the key's next sequence number; resolves once it is durable. A failed write is
   * retried (in place, so later messages of the key stay behind it) until it lands, the term ends (`signal`) or the
   * fence refuses it.
   */
  appendOutbox(message: DexMessage, signal?: AbortSignal): Promise<OutboxRecord> {
    return this.serially(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.fenced((tx) => this.insertOutbox(tx, message));
        } catch (error) {
          if (error instanceof FencedOutError || !signal || signal.aborted) throw error;
          this.onRetry?.(error as Error);
          await delay(Math.min(5_000, 200 * 2 ** attempt));
          if (signal.aborted) throw error;
        }
      }
    });
  }

  private async insertOutbox(tx: SqlExecutor, message: DexMessage): Promise<OutboxRecord> {
    const { rows: counter } = await tx.query<{ last_seq: string }>(
      `insert into dex_metrics_key_seq (key, last_seq) values ($1, 1)
       on conflict (key) do update set last_seq = dex_metrics_key_seq.last_seq + 1 returning last_seq`,
      [message.key],
    );
    const seq = Number(counter[0].last_seq);
    const { rows } = await tx.query<{ id: string }>(
      'insert into dex_metrics_outbox_log (key, seq, value, sent_at_ms) values ($1, $2, $3::json, $4) returning id',
      [message.key, seq, message.value === null ? null : JSON.stringify(message.value), message.sentAtMs],
    );
    return { ...message, id: Number(rows[0].id), seq };
  }

  async pending(limit: number): Promise<OutboxRecord[]> {
    const { rows } = await this.db.query<{ id: string; key: string; seq: string; value: DexMetricsValue | string | null; sent_at_ms: string }>(
      'select id, key, seq, value, sent_at_ms from dex_metrics_outbox_log order by id limit $1',
      [limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      key: row.key,
      seq: Number(row.seq),
      value: typeof row.value === 'string' ? (JSON.parse(row.value) as DexMetricsValue) : row.value,
      sentAtMs: Number(row.sent_at_ms),
    }));
  }

  async recordDelivered(topic: string, records: readonly OutboxRecord[], next: PartitionOffsets): Promise<void> {
    await this.fenced(async (tx) => {
      await tx.query('delete from dex_metrics_outbox_log where id = any($1::bigint[])', [records.map((r) => r.id)]);
      await this.saveOffsets(tx, topic, next);
    });
  }

  async recordReconciled(topic: string, deliveredSeq: ReadonlyMap<string, number>, next: PartitionOffsets): Promise<void> {
    await this.fenced(async (tx) => {
      for (const [key, seq] of deliveredSeq) await tx.query('delete from dex_metrics_outbox_log where key = $1 and seq <= $2', [key, seq]);
      await this.saveOffsets(tx, topic, next);
    });
  }

  async kafkaOffsets(topic: string): Promise<Map<number, number>> {
    const { rows } = await this.db.query<{ kafka_partition: number; next_offset: string }>(
      'select kafka_partition, next_offset from dex_metrics_kafka_offsets where topic = $1',
      [topic],
    );
    return new Map(rows.map((row) => [Number(row.kafka_partition), Number(row.next_offset)]));
  }

  async poolCreatedTime(chain: string, pool: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ created_time: string }>('select created_time from dex_metrics_pools where chain = $1 and pool = $2', [chain, pool]);
    return rows[0] ? Number(rows[0].created_time) : undefined;
  }

  async savePoolCreatedTime(chain: string, pool: string, createdTime: number): Promise<void> {
    await this.fenced((tx) =>
      tx.query(
        'insert into dex_metrics_pools (chain, pool, created_time) values ($1, $2, $3) on conflict (chain, pool) do update set created_time = excluded.created_time',
        [chain, pool, createdTime],
      ),
    );
  }

  /** Resolves when every queued outbox append is done. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined, () => undefined);
  }

  private async saveOffsets(tx: SqlExecutor, topic: string, next: PartitionOffsets): Promise<void> {
    for (const [partition, offset] of next) {
      await tx.query(
        `insert into dex_metrics_kafka_offsets (topic, kafka_partition, next_offset) values ($1, $2, $3)
         on conflict (topic, kafka_partition) do update set next_offset = greatest(dex_metrics_kafka_offsets.next_offset, excluded.next_offset)`,
        [topic, partition, offset],
      );
    }
  }

  /** A leader-only write: the term's fence first, in the same transaction. */
  private fenced<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await assertFence(tx, this.term);
      return work(tx);
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
