import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
/** `node -r <this>` runs the TypeScript sources, as `npm start` does */
export const TS_REGISTER = join(REPO_ROOT, 'scripts', 'ts-register.js');

/** A port that was free a moment ago (the child binds it; the race is acceptable on loopback in a test). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child process of the repo (its own process group) whose stdout and stderr are collected. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  constructor(command: string, args: string[], env: Record<string, string | undefined>, cwd = REPO_ROOT) {
    this.child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (chunk) => (this.output += chunk));
    this.child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.output;
  }

  /** Resolves once `url` answers 2xx; fails early when the process exits first. */
  async waitForHttp(url: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before ${url} answered:\n${this.output}`);
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Resolves once the output contains `text`. */
  async waitForOutput(text: string | RegExp, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    while (!found()) {
      if (!this.running) throw new Error(`process exited before printing ${String(text)}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${String(text)} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The exit, or a rejection naming the timeout. */
  async exitWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process still running after ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Stops the whole process group (npm and its node, or node and anything it spawned) and waits for the exit. */
  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }
}

/** The environment of the test process minus the stores a suite may have set, so a child picks its own. */
export function childEnv(env: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env };
}
