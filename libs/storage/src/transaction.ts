import { AsyncLocalStorage } from 'node:async_hooks';
import { SqlExecutor } from './contracts';

/** What a backend hands back for one statement; `command` lets us notice a COMMIT that rolled back. */
export interface RawResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command?: string;
}

/** The public shape: `command` stays internal. */
export function toQueryResult<R>({ rows, rowCount }: RawResult): { rows: R[]; rowCount: number } {
  return { rows: rows as R[], rowCount };
}

/** One connection (a pooled pg client, or the single PGlite session) that a transaction runs on. */
export interface Session {
  query(sql: string, params?: unknown[]): Promise<RawResult>;
}

/** COMMIT turned into ROLLBACK: a statement failed inside the transaction and the callback swallowed the error. */
export class TransactionRolledBackError extends Error {
  override name = 'TransactionRolledBackError';
  constructor() {
    super('COMMIT rolled back: a statement inside the transaction failed and its error was caught inside the callback');
  }
}

const activeTransaction = new AsyncLocalStorage<{ open: boolean }>();

/**
 * Refuses `db.query`/`db.transaction` from inside a transaction callback. On PGlite (one connection) that call
 * would wait for the very transaction it runs in, forever; on pg it would silently run outside the transaction.
 */
export function assertOutsideTransaction(): void {
  if (activeTransaction.getStore()?.open) {
    throw new Error('db.query/db.transaction called inside a transaction callback: use the `tx` executor passed to the callback');
  }
}

/**
 * BEGIN, run `work`, COMMIT; ROLLBACK when anything throws. `onBroken` hears about a failed ROLLBACK, after
 * which the connection must not be reused.
 */
export async function runTransaction<T>(
  session: Session,
  work: (tx: SqlExecutor) => Promise<T>,
  onBroken: (error: unknown) => void = () => undefined,
): Promise<T> {
  const scope = { open: true };
  const tx: SqlExecutor = {
    query: async <R>(sql: string, params?: unknown[]) => {
      if (!scope.open) throw new Error('transaction already finished: its executor can no longer be used');
      return toQueryResult<R>(await session.query(sql, params));
    },
  };
  try {
    await session.query('BEGIN');
    const result = await activeTransaction.run(scope, () => work(tx));
    scope.open = false;
    const commit = await session.query('COMMIT');
    if (commit.command === 'ROLLBACK') throw new TransactionRolledBackError();
    return result;
  } catch (error) {
    scope.open = false;
    // After a failed COMMIT the transaction is already over and this ROLLBACK is a harmless no-op warning.
    await session.query('ROLLBACK').catch(onBroken);
    throw error;
  }
}
