import type { Database } from '@app/storage';
import type { DexMetricsValue } from '../domain/metrics-message';
import type { DexMessage } from '../flow/dex-message';
import type { OutboxEntry } from '../publish/outbox';

export interface ListedSymbol {
  ticker: string;
  lastTradeMs?: number;
}

/**
 * What the DEX metrics keep in the database (migration 040): listed symbols with their last trade, the Kafka
 * outbox, pool creation times. Outbox writes go through one queue so a key's save and removal keep their order.
 */
export class DexStateStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  async listedSymbols(): Promise<ListedSymbol[]> {
    const { rows } = await this.db.query<{ ticker: string; last_trade_ms: string | null }>(
      'select ticker, last_trade_ms from dex_metrics_symbols where delisted_at_ms is null order by ticker',
    );
    return rows.map((row) => ({ ticker: row.ticker, lastTradeMs: row.last_trade_ms === null ? undefined : Number(row.last_trade_ms) }));
  }

  async markListed(ticker: string, nowMs: number): Promise<ListedSymbol> {
    const { rows } = await this.db.query<{ last_trade_ms: string | null }>(
      `insert into dex_metrics_symbols (ticker, listed_at_ms) values ($1, $2)
       on conflict (ticker) do update set delisted_at_ms = null,
         listed_at_ms = case when dex_metrics_symbols.delisted_at_ms is null then dex_metrics_symbols.listed_at_ms else excluded.listed_at_ms end
       returning last_trade_ms`,
      [ticker, nowMs],
    );
    const last = rows[0]?.last_trade_ms;
    return { ticker, lastTradeMs: last === null || last === undefined ? undefined : Number(last) };
  }

  async markDelisted(ticker: string, nowMs: number): Promise<void> {
    await this.db.query('update dex_metrics_symbols set delisted_at_ms = $2 where ticker = $1', [ticker, nowMs]);
  }

  async saveLastTrades(lastTrades: ReadonlyMap<string, number>): Promise<void> {
    for (const [ticker, ms] of lastTrades) {
      await this.db.query('update dex_metrics_symbols set last_trade_ms = greatest(coalesce(last_trade_ms, 0), $2) where ticker = $1', [ticker, ms]);
    }
  }

  async pendingOutbox(): Promise<DexMessage[]> {
    await this.settled();
    const { rows } = await this.db.query<{ key: string; value: DexMetricsValue | string | null; sent_at_ms: string }>(
      'select key, value, sent_at_ms from dex_metrics_outbox order by sent_at_ms',
    );
    return rows.map((row) => ({ key: row.key, value: typeof row.value === 'string' ? (JSON.parse(row.value) as DexMetricsValue) : row.value, sentAtMs: Number(row.sent_at_ms) }));
  }

  saveOutbox(entry: OutboxEntry): void {
    this.enqueue(() =>
      this.db.query(
        `insert into dex_metrics_outbox (key, value, sent_at_ms) values ($1, $2::jsonb, $3)
         on conflict (key) do update set value = excluded.value, sent_at_ms = excluded.sent_at_ms`,
        [entry.key, entry.value === null ? null : JSON.stringify(entry.value), entry.sentAtMs],
      ),
    );
  }

  removeOutbox(entries: readonly OutboxEntry[]): void {
    for (const entry of entries) {
      // only the version that was sent: a newer message of the key stays
      this.enqueue(() => this.db.query('delete from dex_metrics_outbox where key = $1 and sent_at_ms = $2', [entry.key, entry.sentAtMs]));
    }
  }

  async poolCreatedTime(chain: string, pool: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ created_time: string }>('select created_time from dex_metrics_pools where chain = $1 and pool = $2', [chain, pool]);
    return rows[0] ? Number(rows[0].created_time) : undefined;
  }

  async savePoolCreatedTime(chain: string, pool: string, createdTime: number): Promise<void> {
    await this.db.query(
      'insert into dex_metrics_pools (chain, pool, created_time) values ($1, $2, $3) on conflict (chain, pool) do update set created_time = excluded.created_time',
      [chain, pool, createdTime],
    );
  }

  /** Resolves when every queued outbox write is done. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private enqueue(work: () => Promise<unknown>): void {
    this.queue = this.queue.then(work).catch((error: Error) => this.onError(error));
  }
}
