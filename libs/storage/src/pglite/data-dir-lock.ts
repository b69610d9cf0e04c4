import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from '@app/scheduling/deadlines';

/** Inside `DATA_DIR`, so every process that mounts the directory (another container included) sees it. */
export const LOCK_FILE = '.market-gateway.lock';

/** A second process on the same `DATA_DIR`: PGlite has no locking of its own and two writers corrupt it. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(readonly pid: number | undefined) {
    super(`DATA_DIR is in use by pid ${pid ?? 'unknown'}; stop it or use DATABASE_URL`);
  }
}

export interface DataDirLock {
  /** `flock`: a kernel lock; `heartbeat`: proper-lockfile's fallback where flock(1) is missing */
  readonly mechanism: 'flock' | 'heartbeat';
  release(): Promise<void>;
}

export interface DataDirLockOptions {
  /** the flock(1) executable (util-linux or busybox); tests name a missing one to exercise the fallback */
  flockCommand?: string;
}

/**
 * An exclusive lock on `dataDir` for the life of this process, or `DataDirInUseError` naming the holder's pid.
 *
 * The lock is a kernel `flock` on `dataDir/.market-gateway.lock`: the file is opened here and flock(1) locks that
 * open file (passed as its fd 3), so the lock belongs to this process's descriptor once flock(1) has exited. The
 * kernel drops it when the descriptor closes, which includes any death of the process (`kill -9`, OOM), so a
 * crashed holder never blocks the next start and no staleness guess or pid-reuse check is needed. The file holds
 * the holder's pid, for the message only.
 *
 * Where flock(1) does not exist (macOS without util-linux) it falls back to proper-lockfile: an atomic `mkdir`
 * kept fresh by a heartbeat, which a killed holder leaves behind for at most its 10 s staleness.
 */
export async function lockDataDir(dataDir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const fd = openSync(path, 'a+');
  // fd 3 of flock(1) is this process's open file: the lock it takes stays with `fd` after flock(1) exits
  const result = spawnSync(options.flockCommand ?? 'flock', ['-n', '-x', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    closeSync(fd);
    return lockWithHeartbeat(dataDir, path);
  }
  if (result.error || result.status !== 0) {
    closeSync(fd);
    if (result.status === 1) throw new DataDirInUseError(await readHolderPid(path));
    throw new Error(`cannot lock ${path}: ${result.error?.message ?? `flock exited with ${result.status}: ${result.stderr.toString().trim()}`}`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  let released = false;
  return {
    mechanism: 'flock',
    release: async () => {
      if (released) return;
      released = true;
      ftruncateSync(fd, 0);
      closeSync(fd); // drops the lock; the file stays (removing it would let two processes lock different files)
    },
  };
}

async function lockWithHeartbeat(dataDir: string, pidFile: string): Promise<DataDirLock> {
  // loaded only here: it installs exit hooks (signal-exit) in every process that imports it
  const { lock: heartbeatLock } = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await heartbeatLock(dataDir, {
      lockfilePath: `${pidFile}.d`,
      realpath: false,
      stale: 10_000,
      onCompromised: (error) => {
        throw new Error(`lost the lock on DATA_DIR ${dataDir} (${error.message}): stopping so that two processes never write to it`);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirInUseError(await readHolderPid(pidFile));
    throw error;
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    mechanism: 'heartbeat',
    release: async () => {
      writeFileSync(pidFile, '');
      await release().catch(() => undefined);
    },
  };
}

/** The pid the holder wrote; it writes it right after locking, so an empty file is read again briefly. */
async function readHolderPid(path: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      // not written yet
    }
    if (Number.isSafeInteger(pid) && pid > 0) return pid;
    await delay(50);
  }
  return undefined;
}
