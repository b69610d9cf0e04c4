import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/service-process';

const LAUNCHER = join(REPO_ROOT, 'scripts/gateway-node.sh');
const run = promisify(execFile);

/**
 * The stdout of a node script started through the launcher (optionally under `taskset -c <cpus>`), with a fake cgroup
 * fs; by default the script prints the flags node was started with.
 */
async function runThrough(cgroupFs: string, options: { cpus?: string; script?: string } = {}): Promise<string> {
  const script = options.script ?? 'process.stdout.write(process.execArgv.join(" "))';
  const command = ['sh', LAUNCHER, '-e', script];
  const [file, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...command] : command;
  const { stdout } = await run(file, args, { env: { ...process.env, GATEWAY_CGROUP_FS: cgroupFs } });
  return stdout;
}

const multiCore = availableParallelism() >= 2;

describe('scripts/gateway-node.sh: V8 GC threading fitted to the CPUs the process may use', () => {
  let cgroupFs: string;

  beforeEach(() => {
    cgroupFs = mkdtempSync(join(tmpdir(), 'fake-cgroup-'));
  });
  afterEach(() => rmSync(cgroupFs, { recursive: true, force: true }));

  const cgroupV2 = (cpuMax: string) => writeFileSync(join(cgroupFs, 'cpu.max'), `${cpuMax}\n`);
  const cgroupV1 = (quotaUs: number, periodUs: number) => {
    mkdirSync(join(cgroupFs, 'cpu'));
    writeFileSync(join(cgroupFs, 'cpu', 'cpu.cfs_quota_us'), `${quotaUs}\n`);
    writeFileSync(join(cgroupFs, 'cpu', 'cpu.cfs_period_us'), `${periodUs}\n`);
  };

  (multiCore ? it : it.skip)('keeps V8 defaults with two CPUs or more and no quota (v2 "max", v1 -1, or no cgroup file)', async () => {
    cgroupV2('max 100000');
    expect(await runThrough(cgroupFs)).not.toContain('--single-threaded-gc');
    rmSync(join(cgroupFs, 'cpu.max'));
    expect(await runThrough(cgroupFs)).not.toContain('--single-threaded-gc');
    cgroupV1(-1, 100000);
    expect(await runThrough(cgroupFs)).not.toContain('--single-threaded-gc');
  });

  it('single-threaded GC on an affinity mask of one CPU (taskset, --cpuset-cpus)', async () => {
    cgroupV2('max 100000');
    expect(await runThrough(cgroupFs, { cpus: '0' })).toContain('--single-threaded-gc');
  });

  it('single-threaded GC under a quota of at most one CPU (cgroup v2 cpu.max, v1 cfs quota); rounds a larger quota up', async () => {
    cgroupV2('100000 100000');
    expect(await runThrough(cgroupFs)).toContain('--single-threaded-gc');
    cgroupV2('50000 100000');
    expect(await runThrough(cgroupFs)).toContain('--single-threaded-gc');
    if (multiCore) {
      // 1.5 CPUs: two CPUs' worth of threads may run at once
      cgroupV2('150000 100000');
      expect(await runThrough(cgroupFs)).not.toContain('--single-threaded-gc');
    }
    rmSync(join(cgroupFs, 'cpu.max'));
    cgroupV1(80000, 100000);
    expect(await runThrough(cgroupFs)).toContain('--single-threaded-gc');
  });

  it('passes the node arguments through and exits with node (exec: same pid, same exit code)', async () => {
    cgroupV2('max 100000');
    const [file, ...args] = ['sh', LAUNCHER, '--max-old-space-size=300', '-e', 'process.exit(require("v8").getHeapStatistics().heap_size_limit < 400 * 2 ** 20 ? 7 : 1)'];
    await expect(run(file, args, { env: { ...process.env, GATEWAY_CGROUP_FS: cgroupFs } })).rejects.toMatchObject({ code: 7 });
  });

  it('on one CPU, the GC work stays on the main thread (V8 background threads idle while the heap churns)', async () => {
    cgroupV2('100000 100000');
    // allocate ~1.5 s of short- and mid-lived garbage, then report CPU ticks of the main thread vs every other thread
    const script = `
      const fs = require('fs');
      let keep = [];
      for (const t0 = Date.now(); Date.now() - t0 < 1500; ) {
        const batch = [];
        for (let i = 0; i < 1e4; i++) batch.push({ a: i, b: 'x' + i, c: [i] });
        keep.push(batch);
        if (keep.length > 200) keep = keep.slice(100);
      }
      const ticks = (task) => { const stat = fs.readFileSync('/proc/self/task/' + task + '/stat', 'utf8'); const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return +f[11] + +f[12]; };
      const tasks = fs.readdirSync('/proc/self/task');
      const main = ticks(String(process.pid));
      const others = tasks.filter((t) => t !== String(process.pid)).reduce((sum, t) => sum + ticks(t), 0);
      process.stdout.write(JSON.stringify({ main, others, execArgv: process.execArgv.filter((a) => a.startsWith('--')) }));`;
    const { main, others, execArgv } = JSON.parse(await runThrough(cgroupFs, { script })) as { main: number; others: number; execArgv: string[] };
    expect(execArgv).toEqual(['--single-threaded-gc']);
    expect(main).toBeGreaterThan(50);
    // with V8's background threads the others take ~30-40 % of the main thread's time on this churn; here next to none
    expect(others).toBeLessThan(main * 0.05);
  });
});
