import type { DexPoolConfig } from './dex-metrics.config';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PoolListFile, type PoolListFileOptions } from './pool-list-file';

const A = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae';
const B = 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';

const until = async (check: () => boolean, timeoutMs = 5_000) => {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PoolListFile (DEX_POOLS_FILE at run time)', () => {
  let dir: string;
  let path: string;
  let lists: DexPoolConfig[][];
  let errors: string[];
  let file: PoolListFile | undefined;

  const open = async (options: Partial<PoolListFileOptions> = {}) => {
    file = new PoolListFile({
      path,
      onPools: async (pools) => void lists.push(pools),
      log: { log: () => undefined, error: (message) => void errors.push(message) },
      debounceMs: 50,
      pollMs: 60_000,
      ...options,
    });
    await file.start();
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pool-list-'));
    path = join(dir, 'pools.txt');
    writeFileSync(path, `${A}\n`);
    lists = [];
    errors = [];
  });
  afterEach(async () => {
    await file?.stop();
    file = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads entries separated by line breaks and commas, with # comments, once per burst of writes', async () => {
    await open();
    writeFileSync(path, `# tracked pools\n${A}:USD:token0   # the BSC one\n`);
    writeFileSync(path, `# tracked pools\n${A}:USD:token0   # the BSC one\n${B}, \n`);
    await until(() => lists.length === 1);
    await sleep(200);
    expect(lists).toEqual([
      [
        { chain: 'bsc', pool: A.split(':')[1], currency: 'USD', quoteToken: 'token0' },
        { chain: 'eth', pool: B.split(':')[1], currency: 'USD', quoteToken: undefined },
      ],
    ]);
  });

  it('sees an atomic replace (write + rename), as editors and config managers do it', async () => {
    await open();
    writeFileSync(join(dir, 'pools.tmp'), `${B}\n`);
    renameSync(join(dir, 'pools.tmp'), path);
    await until(() => lists.length === 1);
    expect(lists[0].map((p) => p.chain)).toEqual(['eth']);
  });

  it('falls back to the stat check when change events are not delivered', async () => {
    await open({ watch: false, pollMs: 50 });
    writeFileSync(path, `${A}\n${B}\n`);
    await until(() => lists.length === 1);
    expect(lists[0]).toHaveLength(2);
  });

  it('reloads on SIGHUP', async () => {
    await open({ watch: false });
    // jest's sandboxed `process` does not receive real signals (process.kill would hang up the runner): emit the event
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => lists.length === 1);
    expect(lists[0].map((p) => p.chain)).toEqual(['bsc']);
  });

  it('ignores a bad, missing or oversized file (logged), and applies the next good one', async () => {
    await open({ watch: false });
    writeFileSync(path, `${A}\nbsc:0x123\n`);
    expect(await file!.reload('test')).toBe(false);
    expect(errors.pop()).toMatch(/ignored, the previous pool list stays: DEX_POOLS_FILE entry "bsc:0x123"/);
    writeFileSync(path, 'x'.repeat((1 << 20) + 1));
    expect(await file!.reload('test')).toBe(false);
    expect(errors.pop()).toMatch(/at most 1048576/);
    rmSync(path);
    expect(await file!.reload('test')).toBe(false);
    expect(errors.pop()).toMatch(/ENOENT/);
    expect(lists).toEqual([]);
    writeFileSync(path, '');
    expect(await file!.reload('test')).toBe(true);
    expect(lists).toEqual([[]]);
  });
});
