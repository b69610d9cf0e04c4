import { RawResult } from '../transaction';

/** Messages between `PgliteDatabase` (main thread) and `pglite-worker` (the thread that owns PGlite). */
export type WorkerRequest =
  | { id: number; op: 'open'; dataDir: string }
  | { id: number; op: 'query'; sql: string; params?: unknown[] }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; ok: true; result?: RawResult } | { id: number; ok: false; error: SerializedError };

/** Structured clone drops an Error's own fields, so the Postgres ones (`code`, `constraint`, ...) travel apart. */
export interface SerializedError {
  message: string;
  fields: Record<string, string | number>;
}

const POSTGRES_ERROR_FIELDS = [
  'code', 'severity', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine',
] as const;

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const source = error as unknown as Record<string, unknown>;
  const fields: Record<string, string | number> = {};
  for (const name of POSTGRES_ERROR_FIELDS) {
    const value = source[name];
    if (typeof value === 'string' || typeof value === 'number') fields[name] = value;
  }
  return { message: error.message, fields };
}

/** Rebuilds an error shaped like pg's `DatabaseError` (same `code`, `constraint`, ... fields). */
export function deserializeError({ message, fields }: SerializedError): Error {
  return Object.assign(new Error(message), fields);
}
