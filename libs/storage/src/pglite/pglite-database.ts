import { mkdirSync } from 'node:fs';
import { Database, SqlExecutor } from '../contracts';
import { assertOutsideTransaction, runTransaction, toQueryResult } from '../transaction';
import { PgliteWorkerClient } from './pglite-worker-client';
import { SerialQueue } from './serial-queue';

/**
 * `Database` over embedded PGlite persisted in `dataDir`. PGlite has one session, so every query and every whole
 * transaction takes its turn in one queue: concurrent transactions run one after another, never interleaved.
 * One process per data directory: replicas must share Postgres (`DATABASE_URL`), not a `DATA_DIR`.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();
  private closing?: Promise<void>;

  private constructor(
    readonly dataDir: string,
    private readonly session: PgliteWorkerClient,
  ) {}

  /** Creates `dataDir` if needed; a new directory is initialised (initdb, a few seconds), an existing one reopened. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    mkdirSync(dataDir, { recursive: true });
    const session = new PgliteWorkerClient();
    try {
      await session.open(dataDir);
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
    return new PgliteDatabase(dataDir, session);
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    this.assertOpen();
    assertOutsideTransaction();
    return toQueryResult<R>(await this.queue.run(() => this.session.query(sql, params)));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    assertOutsideTransaction();
    return this.queue.run(() => runTransaction(this.session, work));
  }

  async ping(): Promise<void> {
    await this.query('select 1');
  }

  /** Waits for queued work, then closes PGlite cleanly. */
  close(): Promise<void> {
    this.closing ??= this.queue.run(() => this.session.close());
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('database is closed');
  }
}
