import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamClient } from './support/ws-client';

/** A port that was free a moment ago (the child binds it; the race is acceptable on loopback in a test). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`service not healthy within ${timeoutMs} ms:\n${output()}`);
}

describe('`MARKET_DATA=sandbox npm start` (the README run command, offline)', () => {
  let child: ChildProcess;
  let port: number;
  let logs = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-'));

  beforeAll(async () => {
    port = await freePort();
    child = spawn('npm', ['start', '--silent'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, MARKET_DATA: 'sandbox', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (chunk) => (logs += chunk));
    child.stderr?.on('data', (chunk) => (logs += chunk));
    await waitForHealth(`http://127.0.0.1:${port}/health/ready`, child, () => logs);
  }, 120_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM'); // the npm process group: npm and node
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['overall-market-snapshot', 'btc_dom', 'eth_dom'])('serves %s from the built-in simulator', async (stream) => {
    const client = StreamClient.connect(`ws://127.0.0.1:${port}/tzone_apis/services/stablecoins/${stream}`);
    const frame = await client.next(undefined, 15_000);
    expect(frame.count).toBeGreaterThan(0);
    expect(frame.results.length).toBe(frame.count);
    await client.close();
  });

  it('says at start that auth is off and which market data mode runs', () => {
    expect(logs).toContain('AUTH DISABLED');
    expect(logs).toContain('market data: sandbox');
  });
});
