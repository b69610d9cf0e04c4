import { extname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { RawResult, Session } from '../transaction';
import { deserializeError, WorkerReply, WorkerRequest } from './worker-protocol';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = WithoutId<WorkerRequest>;
interface Pending {
  resolve(result: RawResult | undefined): void;
  reject(error: unknown): void;
}

let baselineOnly = false;

/**
 * PGlite's Postgres is a ~9 MB WebAssembly module. V8 compiles it with its baseline compiler (Liftoff) and then
 * recompiles hot functions with TurboFan; for the embedded store's small queries the optimised code buys nothing
 * measurable (a capital-flow backfill of 14,000 points: 4.3 s baseline-only, 4.7 s with tier-up) and costs memory and
 * start-up (measured on a reopened data directory: 232-235 MB RSS and 1.0 s to open and migrate baseline-only, against
 * 278-284 MB and 1.5-2.0 s). V8 flags are process-wide and read when a module is compiled: set before the first
 * worker compiles PGlite. It applies to the process's other WebAssembly too (undici's HTTP parser), whose share of
 * the work is small.
 */
function compileWasmWithBaselineOnly(): void {
  if (baselineOnly) return;
  setFlagsFromString('--liftoff-only');
  baselineOnly = true;
}

/** Talks to `pglite-worker` by request id. Sends no BEGIN/COMMIT ordering of its own: callers serialise. */
export class PgliteWorkerClient implements Session {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: Error;

  constructor() {
    compileWasmWithBaselineOnly();
    const script = workerScript();
    this.worker = new Worker(script.path, { execArgv: script.execArgv });
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`PGlite worker exited (code ${code})`)));
    this.updateRef();
  }

  async open(dataDir: string): Promise<void> {
    await this.request({ op: 'open', dataDir });
  }

  async query(sql: string, params?: unknown[]): Promise<RawResult> {
    return (await this.request({ op: 'query', sql, params })) as RawResult;
  }

  /** Closes PGlite cleanly (so the data directory needs no recovery), then stops the thread. */
  async close(): Promise<void> {
    try {
      if (!this.failure) await this.request({ op: 'close' });
    } finally {
      await this.worker.terminate();
    }
  }

  private request(body: RequestBody): Promise<RawResult | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...body, id });
      } catch (error) {
        this.pending.delete(id); // e.g. a parameter that cannot be cloned
        reject(error);
      }
      this.updateRef();
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    this.updateRef();
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(deserializeError(reply.error));
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /** An idle worker must not keep the process alive; one with a query in flight must (e.g. a short CLI run). */
  private updateRef(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

/** Compiled builds start the `.js` sibling; from TS sources (Jest, `npm start`) the repository's TS hook, as `npm start` does. */
function workerScript(): { path: string; execArgv: string[] } {
  const extension = extname(__filename);
  const path = join(__dirname, `pglite-worker${extension}`);
  if (extension === '.js') return { path, execArgv: [] };
  return { path, execArgv: ['--require', join(__dirname, '..', '..', '..', '..', 'scripts', 'ts-register.js')] };
}
