import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RawResult, Session } from '../transaction';
import { deserializeError, WorkerReply, WorkerRequest } from './worker-protocol';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = WithoutId<WorkerRequest>;
interface Pending {
  resolve(result: RawResult | undefined): void;
  reject(error: unknown): void;
}

/** Talks to `pglite-worker` by request id. Sends no BEGIN/COMMIT ordering of its own: callers serialise. */
export class PgliteWorkerClient implements Session {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: Error;

  constructor() {
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

/** Compiled builds start the `.js` sibling; from TS sources (Jest, `node -r @swc-node/register`) a light TS hook. */
function workerScript(): { path: string; execArgv: string[] } {
  const extension = extname(__filename);
  const path = join(__dirname, `pglite-worker${extension}`);
  if (extension === '.js') return { path, execArgv: [] };
  return { path, execArgv: ['--require', join(__dirname, 'ts-worker-hook.js')] };
}
