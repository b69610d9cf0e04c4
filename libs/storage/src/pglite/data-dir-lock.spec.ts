import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from './data-dir-lock';
import { TS_REGISTER } from '../../../../test/support/service-process';

describe('lockDataDir', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['flock', {}],
    ['heartbeat', { flockCommand: 'no-such-flock-binary' }],
  ] as const)('%s: a second holder is refused with the pid of the first; after release it may lock', async (mechanism, options) => {
    const first = await lockDataDir(dataDir, options);
    expect(first.mechanism).toBe(mechanism);
    const refused = lockDataDir(dataDir, options);
    await expect(refused).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(refused).rejects.toThrow(`DATA_DIR is in use by pid ${process.pid}; stop it or use DATABASE_URL`);
    await first.release();
    const second = await lockDataDir(dataDir, options);
    await second.release();
  });

  it('a holder killed with SIGKILL leaves no lock behind', async () => {
    // another process takes the lock and reports it; then it is killed without any chance to clean up
    const holder = spawn(
      process.execPath,
      ['-r', TS_REGISTER, '-e', `require(${JSON.stringify(join(__dirname, 'data-dir-lock.ts'))}).lockDataDir(${JSON.stringify(dataDir)}).then(() => { console.log('locked'); setInterval(() => undefined, 1000); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.on('data', (chunk) => String(chunk).includes('locked') && resolve()));
    await expect(lockDataDir(dataDir)).rejects.toThrow(`DATA_DIR is in use by pid ${holder.pid}`);

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const lock = await lockDataDir(dataDir);
    expect(lock.mechanism).toBe('flock');
    await lock.release();
  });
});
