import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, freePort, ServiceProcess, TS_REGISTER } from './support/service-process';

/** An upstream that accepts connections and never answers: every call hangs until its timeout or an abort. */
class SilentUpstream {
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((socket) => {
    this.sockets.add(socket);
    socket.on('data', (chunk) => this.requests.push(chunk.toString('latin1').split('\r\n')[0]));
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('SIGTERM while the capital-flow backfill runs (MARKET_DATA=live, upstreams that never answer)', () => {
  const upstream = new SilentUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-shutdown-'));
  let service: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    const root = await upstream.listen();
    port = await freePort();
    service = new ServiceProcess(
      'node',
      ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'],
      childEnv({
        NODE_ENV: 'development',
        MARKET_DATA: 'live',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: '1500',
        CAPITAL_FLOW_INGEST: 'true',
        SPREADS_SOURCE: 'off',
        BINANCE_SPOT_BASE_URL: root,
        BINANCE_FUTURES_BASE_URL: root,
        COINGECKO_BASE_URL: root,
        DEFILLAMA_BASE_URL: root,
        COINDESK_BASE_URL: root,
        DERIBIT_BASE_URL: root,
      }),
    );
    await service.waitForHttp(`http://127.0.0.1:${port}/health/ready`, 120_000);
  }, 150_000);

  afterAll(async () => {
    await service?.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns readiness 503 for the drain, then exits 0 within 10 s', async () => {
    // the backfill is running: its kline requests hang on the silent upstream
    const deadline = Date.now() + 30_000;
    while (!upstream.requests.some((line) => line.includes('/klines'))) {
      if (Date.now() > deadline) throw new Error(`no kline request reached the upstream:\n${service.logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const signalledAt = Date.now();
    service.signal('SIGTERM');
    const statuses: number[] = [];
    while (service.running && Date.now() - signalledAt < 1_200) {
      try {
        statuses.push((await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(500) })).status);
      } catch {
        statuses.push(0); // refused: the server is closed already
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // during the drain the server still answers, and readiness says "take me out of rotation" (a first probe may
    // still get 200 if it lands before the signal handler ran)
    const draining = statuses.slice(statuses.indexOf(503));
    expect(statuses).toContain(503);
    expect(draining.length).toBeGreaterThan(3);
    expect(draining.every((status) => status === 503)).toBe(true);

    const exit = await service.exitWithin(10_000 - (Date.now() - signalledAt));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1_500); // the drain was honoured
  }, 60_000);
});
