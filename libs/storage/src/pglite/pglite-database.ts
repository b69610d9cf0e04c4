import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Database, SqlExecutor } from '../contracts';
import { assertOutsideTransaction, runTransaction, toQueryResult } from '../transaction';
import { DataDirLock, lockDataDir } from './data-dir-lock';
import { PgliteWorkerClient } from './pglite-worker-client';
import { SerialQueue } from './serial-queue';

/**
 * `Database` over embedded PGlite persisted in `dataDir`. PGlite has one session, so every query and every whole
 * transaction takes its turn in one queue: concurrent transactions run one after another, never interleaved.
 * One process per data directory (PGlite would be corrupted by a second writer): `open` takes an exclusive lock on
 * `dataDir` and a second process gets `DataDirInUseError`. Replicas must share Postgres (`DATABASE_URL`).
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();
  private closing?: Promise<void>;

  private constructor(
    readonly dataDir: string,
    private readonly session: PgliteWorkerClient,
    private readonly lock: DataDirLock,
  ) {}

  /**
   * Creates `dataDir` if needed and locks it (`DataDirInUseError` when another process has it); a new directory is
   * initialised (initdb, a few seconds), an existing one reopened.
   */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    mkdirSync(dataDir, { recursive: true });
    const lock = await lockDataDir(dataDir);
    let session: PgliteWorkerClient | undefined;
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir);
      session = new PgliteWorkerClient();
      await session.open(dataDir);
    } catch (error) {
      await session?.close().catch(() => undefined);
      await lock.release();
      throw error;
    }
    return new PgliteDatabase(dataDir, session, lock);
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

  /** Waits for queued work, then closes PGlite cleanly and releases the data directory. */
  close(): Promise<void> {
    this.closing ??= this.queue.run(() => this.session.close()).finally(() => this.lock.release());
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('database is closed');
  }
}

/**
 * Runs initdb in a thread of its own that then exits. PGlite initialises a new directory with a second PGlite
 * instance and the initdb WASM module, and their WASM memories (about 500 MB) stay reachable from the instance that
 * keeps running; ending the thread frees them, so a first start idles as low as a restart.
 */
async function initialise(dataDir: string): Promise<void> {
  const initdb = new PgliteWorkerClient();
  try {
    await initdb.open(dataDir);
  } finally {
    await initdb.close();
  }
}
