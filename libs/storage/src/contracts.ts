/** One database API over Postgres (`pg`) and embedded PGlite: the same SQL runs on both. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<{ rows: R[]; rowCount: number }>;
}

export interface QueryOptions {
  /**
   * Prepares the statement under this name (Postgres, outside transactions): parsed once per pooled connection, then
   * only bound and executed, and planned generically once Postgres finds that as good. For hot statements; one
   * name per SQL text. PGlite and transactions run the SQL as given.
   */
  prepareAs?: string;
}

export interface Database extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** runs `work` in one transaction (BEGIN/COMMIT, ROLLBACK on throw) */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** cheap liveness probe for /health/ready */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Injection token for the app's `Database`. */
export const DATABASE = Symbol('DATABASE');
