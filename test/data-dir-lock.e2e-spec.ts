import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, freePort, ServiceProcess, TS_REGISTER } from './support/service-process';

const IN_USE = /DATA_DIR is in use by pid (\d+); stop it or use DATABASE_URL/;

describe('one process per DATA_DIR (embedded PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-data-dir-lock-'));
  const started: ServiceProcess[] = [];
  // live mode with no network: nothing to fetch at start, every upstream a closed loopback port
  const env = (port: number) =>
    childEnv({
      NODE_ENV: 'development',
      MARKET_DATA: 'live',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      CAPITAL_FLOW_INGEST: 'false',
      SPREADS_SOURCE: 'off',
      BINANCE_SPOT_BASE_URL: 'http://127.0.0.1:9',
      BINANCE_FUTURES_BASE_URL: 'http://127.0.0.1:9',
      COINGECKO_BASE_URL: 'http://127.0.0.1:9',
      DEFILLAMA_BASE_URL: 'http://127.0.0.1:9',
      COINDESK_BASE_URL: 'http://127.0.0.1:9',
      DERIBIT_BASE_URL: 'http://127.0.0.1:9',
    });
  const gateway = async (port: number) => {
    const service = new ServiceProcess('node', ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'], env(port));
    started.push(service);
    return service;
  };

  afterAll(async () => {
    for (const service of started) await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second gateway and the keys CLI stop with the holder pid; after kill -9 of the holder a new gateway starts', async () => {
    const firstPort = await freePort();
    const first = await gateway(firstPort);
    await first.waitForHttp(`http://127.0.0.1:${firstPort}/health/ready`, 120_000);

    const second = await gateway(await freePort());
    const secondExit = await second.exitWithin(60_000);
    expect(secondExit.code).not.toBe(0);
    expect(second.logs()).toMatch(IN_USE);
    expect(Number(IN_USE.exec(second.logs())![1])).toBe(first.pid);
    expect(second.logs()).not.toContain('Aborted');

    const keys = new ServiceProcess('node', ['-r', TS_REGISTER, 'libs/api-keys/src/cli.ts', 'list'], env(0));
    const keysExit = await keys.exitWithin(60_000);
    expect(keysExit.code).not.toBe(0);
    expect(keys.logs()).toContain(`keys: DATA_DIR is in use by pid ${first.pid}; stop it or use DATABASE_URL`);
    expect(keys.logs()).not.toContain('Aborted');

    // the holder dies without any chance to clean up: the next start must not be blocked
    first.signal('SIGKILL');
    await first.exitWithin(10_000);
    const thirdPort = await freePort();
    const third = await gateway(thirdPort);
    await third.waitForHttp(`http://127.0.0.1:${thirdPort}/health/ready`, 120_000);
    third.signal('SIGTERM');
    expect((await third.exitWithin(15_000)).code).toBe(0);
  }, 300_000);
});
