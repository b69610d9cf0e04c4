/** Request/response over a forked child's IPC channel, plus CPU pinning of the child. */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TS_REGISTER } from '../../test/support/service-process';

const TASKSET = '/usr/bin/taskset';
export const canPin = existsSync(TASKSET);

/** Pins a process (all its threads) to one CPU; a no-op without taskset. */
export function pin(pid: number, cpu: number): void {
  if (canPin) execFileSync(TASKSET, ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

export class Child {
  private readonly waiting = new Map<string, Array<(message: any) => void>>();
  private readonly rejectors = new Set<(error: Error) => void>();
  private failure?: Error;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    process.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'error') return this.fail(new Error(`${name}: ${message.message}`));
      const queue = this.waiting.get(message.type);
      queue?.shift()?.(message);
    });
    process.on('exit', (code) => {
      if (code !== 0 && code !== null) this.fail(new Error(`${name} exited with code ${code}`));
    });
  }

  /** Resolves with the next message of `type`; rejects on timeout or when the child reports an error or dies. */
  next<T = any>(type: string, timeoutMs = 120_000): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(type) ?? [];
      this.waiting.set(type, queue);
      const settle = (message: any) => {
        clearTimeout(timer);
        this.rejectors.delete(reject);
        resolve(message);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(settle), 1);
        this.rejectors.delete(reject);
        reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      queue.push(settle);
      this.rejectors.add(reject);
    });
  }

  request<T = any>(message: { type: string; [key: string]: unknown }, replyType = message.type, timeoutMs?: number): Promise<T> {
    const reply = this.next<T>(replyType, timeoutMs);
    this.process.send(message);
    return reply;
  }

  /** Asks the child to exit and waits for it; kills it if it has not gone within 5 s. */
  stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
      this.process.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      if (this.process.connected) this.process.send({ type: 'exit' });
      else this.process.kill('SIGTERM');
    });
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const reject of this.rejectors) reject(error);
    this.rejectors.clear();
  }
}

/** Forks a TypeScript module of this folder with the swc loader and --expose-gc, pinned to `cpu`. */
export function forkModule(name: string, file: string, cpu: number | undefined, extraArgs: string[] = []): Child {
  const child = fork(join(__dirname, file), [], {
    execArgv: ['-r', TS_REGISTER, '--expose-gc', ...extraArgs],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FANOUT_SERVER_KIND: name },
  });
  if (child.pid && cpu !== undefined) pin(child.pid, cpu);
  return new Child(name, child);
}
