import { DEX_POOLS_FILE_MAX_BYTES, parseDexPoolsText, type DexPoolConfig } from './dex-metrics.config';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';

export interface PoolListFileOptions {
  /** where the stat check (`dex.pools-file-check`) and the debounced reload are armed; detached when absent (unit tests) */
  jobs?: JobScheduler;
  path: string;
  /** a valid list read after a change (or SIGHUP); resolves once applied */
  onPools(pools: DexPoolConfig[]): Promise<void>;
  log: { log(message: string): void; error(message: string): void };
  /** quiet time after the last change event before the file is read (editors write in several steps) */
  debounceMs?: number;
  /** stat check period: catches changes fs.watch misses (network filesystems, some container mounts) */
  pollMs?: number;
  /** fs.watch on the file's directory (default on; off in tests of the other triggers) */
  watch?: boolean;
  /** reload on SIGHUP (default on) */
  sighup?: boolean;
}

/**
 * DEX_POOLS_FILE at run time: re-read when it changes (fs.watch on its directory, so an atomic rename is seen too,
 * debounced; plus a stat check every `pollMs`) and on SIGHUP. A file that cannot be read or holds a bad entry is
 * logged and ignored: the list in force stays. Reloads run one at a time.
 */
export class PoolListFile {
  private watcher?: FSWatcher;
  private poller?: ScheduledJob;
  private debounce?: ScheduledJob;
  private signature?: string;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly onSighup = () => void this.reload('SIGHUP');

  private readonly jobs: JobScheduler;

  constructor(private readonly options: PoolListFileOptions) {
    this.jobs = options.jobs ?? JobScheduler.detached();
  }

  /** Starts watching; the list read at start (by the configuration) is the one in force. */
  async start(): Promise<void> {
    this.signature = await this.statSignature();
    if (this.options.watch ?? true) {
      try {
        const name = basename(this.options.path);
        this.watcher = watch(dirname(this.options.path), { persistent: false }, (_event, file) => {
          if (file === null || file === name) this.changed();
        });
        this.watcher.on('error', (error) => this.options.log.error(`DEX_POOLS_FILE watch failed (the stat check goes on): ${error.message}`));
      } catch (error) {
        this.options.log.error(`DEX_POOLS_FILE cannot be watched (the stat check goes on): ${(error as Error).message}`);
      }
    }
    this.poller = this.jobs.every('dex.pools-file-check', this.options.pollMs ?? 5_000, () => this.checkStat());
    if (this.options.sighup ?? true) process.on('SIGHUP', this.onSighup);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.poller?.stop();
    this.debounce?.stop();
    process.off('SIGHUP', this.onSighup);
    await this.queue;
  }

  /** Reads, validates and applies the file now; false when it was refused (the previous list stays). */
  reload(reason: string): Promise<boolean> {
    const run = this.queue.then(() => this.readAndApply(reason));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private changed(): void {
    if (this.stopped) return;
    // `after` replaces a pending reload of the same name: the debounce. Not awaited: reloads queue behind each other
    // (a change during a reload must reload again, not be skipped as an overlapping run)
    this.debounce = this.jobs.after('dex.pools-file-reload', this.options.debounceMs ?? 250, () => void this.reload('file changed'));
  }

  private async checkStat(): Promise<void> {
    const signature = await this.statSignature();
    if (signature !== this.signature) this.changed();
  }

  private async statSignature(): Promise<string> {
    try {
      const { mtimeMs, size, ino } = await stat(this.options.path);
      return `${ino}:${size}:${mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  private async readAndApply(reason: string): Promise<boolean> {
    if (this.stopped) return false;
    const { path, log } = this.options;
    this.signature = await this.statSignature();
    const problems: string[] = [];
    let pools: DexPoolConfig[] = [];
    try {
      const { size } = await stat(path);
      if (size > DEX_POOLS_FILE_MAX_BYTES) problems.push(`${size} bytes, at most ${DEX_POOLS_FILE_MAX_BYTES}`);
      else pools = parseDexPoolsText(await readFile(path, 'utf8'), problems);
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (problems.length > 0) {
      log.error(`DEX_POOLS_FILE ${path} (${reason}) ignored, the previous pool list stays: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
      return false;
    }
    await this.options.onPools(pools);
    return true;
  }
}
