import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { childEnv, freePort, REPO_ROOT, ServiceProcess } from './support/service-process';

interface RuntimeStage {
  workdir: string;
  env: Record<string, string>;
  /** destinations of the stage's COPY instructions, relative to WORKDIR */
  copied: string[];
  cmd: string[];
}

/** The last stage of the Dockerfile (the image that runs): its WORKDIR, ENV, COPY destinations and CMD. */
function readRuntimeStage(dockerfile: string): RuntimeStage {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim());
  const stage = lines.slice(lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true));
  const stageInfo: RuntimeStage = { workdir: '/', env: {}, copied: [], cmd: [] };
  for (const line of stage) {
    const [, instruction, rest] = /^([A-Z]+)\s+(.*)$/i.exec(line) ?? [];
    switch (instruction?.toUpperCase()) {
      case 'WORKDIR':
        stageInfo.workdir = rest;
        break;
      case 'ENV':
        for (const [, name, value] of rest.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/gi)) stageInfo.env[name] = value.replace(/^"|"$/g, '');
        break;
      case 'COPY':
        stageInfo.copied.push(normalize(rest.split(/\s+/).pop()!));
        break;
      case 'CMD':
        stageInfo.cmd = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['sh', '-c', rest];
        break;
    }
  }
  return stageInfo;
}

describe('the Dockerfile CMD starts the built service', () => {
  const stage = readRuntimeStage(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-container-'));
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    // once for the suite: `nest build` takes a while on a small machine
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  }, 300_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs node, through the GC launcher, on a file the build produces and the image copies', () => {
    expect(stage.workdir).toBe('/app');
    // `sh scripts/gateway-node.sh <entry>`: the launcher picks V8's GC threading for the container's CPUs, then execs node
    expect(stage.cmd.slice(0, 2)).toEqual(['sh', 'scripts/gateway-node.sh']);
    const launcher = normalize(stage.cmd[1]);
    const script = normalize(stage.cmd[2]);
    for (const file of [launcher, script]) {
      expect(existsSync(join(REPO_ROOT, file))).toBe(true);
      expect(stage.copied.some((destination) => file === destination || file.startsWith(`${destination}/`))).toBe(true);
    }
    // `npm run start:prod` is the same start outside a container
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // (its leading VAR=value settings are the image's ENV: same command, same environment)
    const assignments = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)/.exec(scripts['start:prod'])![1];
    for (const [, name, value] of assignments.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) expect(stage.env[name]).toBe(value);
    expect(scripts['start:prod'].slice(assignments.length)).toBe(stage.cmd.join(' '));
  });

  it('answers /health/live when started exactly as the image starts it (WORKDIR = repo root)', async () => {
    const port = await freePort();
    const [command, ...args] = stage.cmd;
    service = new ServiceProcess(
      command,
      args,
      childEnv({
        ...stage.env,
        // the image's ENV, with what a test run must change: a free loopback port, a throw-away DATA_DIR, no network
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        MARKET_DATA: 'sandbox',
        AUTH_JWT_SECRET: 'container-start-test-secret-0123456789',
        LOG_LEVEL: 'info',
      }),
    );
    await service.waitForHttp(`http://127.0.0.1:${port}/health/live`, 120_000);
    service.signal('SIGTERM');
    const exit = await service.exitWithin(15_000);
    if (exit.code !== 0) throw new Error(`exit ${JSON.stringify(exit)} after SIGTERM:\n${service.logs()}`);
  }, 150_000);
});
