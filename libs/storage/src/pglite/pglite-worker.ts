// Runs in a worker thread: owns the PGlite instance so its synchronous WASM work stays off the main event
// loop, and so PGlite's internal `import()` calls run in a plain Node context (Jest's VM cannot run them).
import { PGlite, Results } from '@electric-sql/pglite';
import { parentPort } from 'node:worker_threads';
import { RawResult } from '../transaction';
import { embeddedPgliteOptions } from './pglite-options';
import { serializeError, WorkerReply, WorkerRequest } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('pglite-worker must run as a worker thread');
let db: PGlite | undefined;

port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (result): void => port.postMessage({ id: request.id, ok: true, result } satisfies WorkerReply),
    (error: unknown): void => port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies WorkerReply),
  );
});

async function handle(request: WorkerRequest): Promise<RawResult | undefined> {
  switch (request.op) {
    case 'open':
      db = await PGlite.create(request.dataDir, embeddedPgliteOptions());
      return undefined;
    case 'query':
      return runQuery(open(), request.sql, request.params);
    case 'close':
      await db?.close();
      db = undefined;
      return undefined;
  }
}

function open(): PGlite {
  if (!db) throw new Error('PGlite is not open');
  return db;
}

/**
 * With parameters: one statement over the extended protocol. Without: the simple protocol, which (as on pg)
 * accepts several statements, e.g. a migration file; the last statement's result is returned.
 */
async function runQuery(pg: PGlite, sql: string, params?: unknown[]): Promise<RawResult> {
  if (params && params.length > 0) return toRawResult(await pg.query(sql, params));
  const results = await pg.exec(sql);
  const last = results[results.length - 1];
  return last ? toRawResult(last) : { rows: [], rowCount: 0 };
}

function toRawResult(result: Results): RawResult {
  return {
    rows: result.rows as Record<string, unknown>[],
    rowCount: result.rowCount ?? result.affectedRows ?? 0,
    command: result.command,
  };
}
