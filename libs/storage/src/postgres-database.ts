import { Logger } from '@nestjs/common';
import { Pool, PoolClient, QueryResult } from 'pg';
import { Database, QueryOptions, SqlExecutor } from './contracts';
import { isPostgresConnectionError, StoreUnavailableError } from './store-unavailable';
import { assertOutsideTransaction, RawResult, runTransaction, Session, toQueryResult } from './transaction';

const logger = new Logger('Storage');

/** `Database` over a `pg` pool; each transaction holds one pooled client from BEGIN to COMMIT. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private closing?: Promise<void>;

  constructor(connectionString: string, poolSize = 10) {
    this.pool = new Pool({ connectionString, max: poolSize, application_name: 'market-gateway' });
    // An idle client losing its connection emits 'error' on the pool; unhandled, that would kill the process.
    this.pool.on('error', (error) => logger.warn(`idle Postgres connection failed: ${error.message}`));
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<{ rows: R[]; rowCount: number }> {
    assertOutsideTransaction();
    const pending = options?.prepareAs ? this.pool.query({ name: options.prepareAs, text: sql, values: params }) : this.pool.query(sql, params);
    return toQueryResult<R>(toRawResult(await unavailableWhenUnreachable(pending)));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    assertOutsideTransaction();
    const client = await unavailableWhenUnreachable(this.pool.connect());
    let broken: Error | undefined;
    // A checked-out client has no listener of the pool's: a connection lost mid-transaction (server restart) would
    // emit an unhandled 'error' and kill the process. The pending query fails as well, which ends the transaction.
    const onLost = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onLost);
    try {
      return await runTransaction(clientSession(client), work, (error) => {
        broken = error instanceof Error ? error : new Error(String(error));
      });
    } finally {
      client.removeListener('error', onLost);
      client.release(broken); // a client whose ROLLBACK failed or whose connection was lost is destroyed, not pooled
    }
  }

  async ping(): Promise<void> {
    await this.query('select 1');
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

function clientSession(client: PoolClient): Session {
  return { query: async (sql, params) => toRawResult(await unavailableWhenUnreachable(client.query(sql, params))) };
}

/**
 * A server that is down or restarting fails with `StoreUnavailableError` (HTTP 503, retry later); any other error
 * (a bad statement, a constraint) is passed through as `pg` raised it. The pool itself needs no repair: it drops
 * broken clients and connects anew on the next call, so the first query after the server is back succeeds.
 */
async function unavailableWhenUnreachable<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw isPostgresConnectionError(error) ? new StoreUnavailableError('database', error) : error;
  }
}

/** A parameterless query may hold several statements; pg then returns one result each and we keep the last. */
function toRawResult(result: QueryResult | QueryResult[]): RawResult {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (!last) return { rows: [], rowCount: 0 };
  return { rows: last.rows, rowCount: last.rowCount ?? 0, command: last.command };
}
