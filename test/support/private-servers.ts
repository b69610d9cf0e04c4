import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort } from './service-process';

/**
 * Private Redis and Postgres servers for fault tests: own loopback port, own temp data dir, started from the
 * binaries on this machine, stopped and restarted on the SAME port and data dir (so "nothing written before the
 * fault is lost" can be checked). Never the shared servers on 6379/5432.
 */

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
/** Postgres refuses to run as root: initdb and postgres run as this OS user when the test runs as root. */
const POSTGRES_OS_USER = 'postgres';

/** Why the private servers cannot run here, or undefined when they can. */
export function privateServersUnavailable(): string | undefined {
  if (!existsSync(REDIS_SERVER)) return `no redis-server at ${REDIS_SERVER}`;
  for (const binary of ['initdb', 'postgres']) if (!existsSync(join(POSTGRES_BIN_DIR, binary))) return `no ${binary} in ${POSTGRES_BIN_DIR}`;
  if (process.getuid?.() === 0 && !osUser(POSTGRES_OS_USER)) return `running as root and there is no "${POSTGRES_OS_USER}" OS user to run Postgres as`;
  return undefined;
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    return { uid: Number(execFileSync('id', ['-u', name]).toString()), gid: Number(execFileSync('id', ['-g', name]).toString()) };
  } catch {
    return undefined;
  }
}

/** Every server still running when the test process exits is killed (a crashed test must not leave servers behind). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function waitUntil(what: string, check: () => Promise<boolean>, child: () => ChildProcess | undefined, logs: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    const process = child();
    if (!process || process.exitCode !== null || process.signalCode !== null) throw new Error(`${what} exited before it was ready:\n${logs()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A server process we spawned: its own process group, output kept, exit awaited. */
abstract class PrivateServer {
  readonly dataDir: string;
  port = 0;
  protected child?: ChildProcess;
  private exited?: Promise<void>;
  private output = '';

  constructor(prefix: string) {
    this.dataDir = mkdtempSync(join(tmpdir(), prefix));
  }

  abstract readonly url: string;
  protected abstract spawnServer(): ChildProcess;
  protected abstract answers(): Promise<boolean>;
  /** the signal `stop()` sends by default */
  protected abstract readonly crashSignal: NodeJS.Signals;

  get isRunning(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.output;
  }

  /** Starts the server (a free port the first time, the same port and data dir afterwards) and waits until it answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.isRunning) return;
    if (this.port === 0) this.port = await freePort();
    const child = this.spawnServer();
    this.child = child;
    running.add(child);
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        running.delete(child);
        resolve();
      }),
    );
    await waitUntil(this.constructor.name, () => this.answers(), () => this.child, () => this.output, timeoutMs);
  }

  /**
   * Stops the server the way a crash would (Redis: SIGKILL; Postgres: immediate shutdown, recovery at the next start)
   * and waits for the exit. Data already acknowledged must survive: that is what the fault test checks.
   */
  async stop(signal: NodeJS.Signals = this.crashSignal): Promise<void> {
    if (!this.child || !this.isRunning) return;
    try {
      process.kill(signal === 'SIGKILL' ? -this.child.pid! : this.child.pid!, signal);
    } catch {
      // already gone
    }
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops (SIGKILL of the whole group if needed) and deletes the data dir. Safe to call more than once. */
  async destroy(): Promise<void> {
    if (this.child && this.isRunning) {
      const exit = this.exited;
      try {
        process.kill(this.child.pid!, this.crashSignal);
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([exit?.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 5_000)))]);
      clearTimeout(timer);
      if (!stopped && this.child && this.isRunning) {
        try {
          process.kill(-this.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exit;
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  protected spawnDetached(command: string, args: string[], user?: { uid: number; gid: number }): ChildProcess {
    return spawn(command, args, { cwd: this.dataDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(user ?? {}) });
  }
}

/** redis-server with an append-only file fsynced on every write: a SIGKILL loses nothing that was acknowledged. */
export class PrivateRedis extends PrivateServer {
  protected readonly crashSignal = 'SIGKILL';

  constructor() {
    super('fault-redis-');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  protected spawnServer(): ChildProcess {
    return this.spawnDetached(REDIS_SERVER, [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', '',
    ]);
  }

  protected async answers(): Promise<boolean> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }

  /** A short-lived client (for the test's own reads). */
  async withClient<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * A Postgres 15 cluster in its own temp dir (initdb once, trust auth, fsync off: the machine does not crash, only
 * the server), run as the `postgres` OS user when the test runs as root. `stop()` is an immediate shutdown (SIGQUIT:
 * no checkpoint, crash recovery at the next start), the closest to a crash that still lets the postmaster reap its
 * backends so the same data dir can start again.
 */
export class PrivatePostgres extends PrivateServer {
  protected readonly crashSignal = 'SIGQUIT';
  private readonly user = process.getuid?.() === 0 ? osUser(POSTGRES_OS_USER) : undefined;
  private initialised = false;

  constructor() {
    super('fault-postgres-');
    if (this.user) chownSync(this.dataDir, this.user.uid, this.user.gid);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  override async start(timeoutMs = 30_000): Promise<void> {
    if (!this.initialised) {
      execFileSync(join(POSTGRES_BIN_DIR, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C'], {
        cwd: this.dataDir,
        stdio: 'pipe',
        ...(this.user ?? {}),
      });
      this.initialised = true;
    }
    await super.start(timeoutMs);
  }

  protected spawnServer(): ChildProcess {
    return this.spawnDetached(
      join(POSTGRES_BIN_DIR, 'postgres'),
      [
        '-D', this.dataDir,
        '-p', String(this.port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', 'fsync=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=50',
        '-c', 'shared_buffers=16MB',
      ],
      this.user,
    );
  }

  protected async answers(): Promise<boolean> {
    return this.query('select 1').then(
      () => true,
      () => false,
    );
  }

  /** One query on a connection of its own (the test's own reads, independent of the gateway's pool). */
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.query(sql, params)).rows as R[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
