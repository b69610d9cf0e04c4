import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, freePort, ServiceProcess, TS_REGISTER } from './support/service-process';
import { StreamClient } from './support/ws-client';

const WINDOW_MS = 60_000;
const MAX_LINES = 30;
const STREAMS = ['ws/main_table', 'btc_dom', 'overall-market-snapshot', 'derivative/ws/24h_volume', 'ws/event_logs'];

/**
 * `MARKET_DATA=live` with every upstream down (each base URL, the EVM RPC and the seven spreads venues, REST and
 * ccxt.pro streams, through `SPREADS_VENUES_BASE_URL`, point at a closed loopback port): over 60 s with clients
 * subscribed, the log holds one line per upstream whose circuit opens and one per unreachable venue, not a warning per
 * failed call, and the streams say `upstream_unavailable`.
 */
describe('offline live mode (every upstream down)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-offline-'));
  let service: ServiceProcess;
  let port: number;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
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
        CAPITAL_FLOW_INGEST: 'true',
        SPREADS_SOURCE: 'ccxt',
        SPREADS_VENUES_BASE_URL: closed,
        COINGECKO_BASE_URL: `${closed}/api/v3`,
        DEFILLAMA_BASE_URL: closed,
        COINDESK_BASE_URL: closed,
        DERIBIT_BASE_URL: `${closed}/api/v2`,
        BINANCE_SPOT_BASE_URL: closed,
        BINANCE_FUTURES_BASE_URL: closed,
        SPREADS_DEX_BASE_URL: `${closed}/api/v2`,
        DEX_POOLS: 'bsc:0x36696169c63e42cd08ce11f5deebbcebae652050:USD',
        DEX_RPC_URLS: `bsc=${closed}`,
      }),
    );
    await service.waitForHttp(`http://127.0.0.1:${port}/health/ready`, 120_000);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`logs fewer than ${MAX_LINES} lines in 60 s, among them the circuits opening; streams say upstream_unavailable`, async () => {
    const before = service.logs().length;
    for (const stream of STREAMS) {
      const client = StreamClient.connect(`ws://127.0.0.1:${port}/tzone_apis/services/stablecoins/${stream}`);
      await client.opened;
      clients.push(client);
    }
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const lines = service.logs().slice(before).split('\n').filter((line) => line.trim().length > 0);
    const report = `${lines.length} lines in 60 s:\n${lines.join('\n')}`;
    // eslint-disable-next-line no-console
    console.log(report);
    expect(lines.length).toBeLessThan(MAX_LINES);
    expect(lines.filter((line) => line.includes('circuit open')).length).toBeGreaterThanOrEqual(3);

    const errors = clients.flatMap((client) => client.frames.filter((frame) => frame.type === 'error'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((frame) => frame.code === 'upstream_unavailable')).toBe(true);

    const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as { status: string; details: { upstreams: { circuits: Record<string, string> } } };
    expect(ready.status).toBe('ok');
    expect(ready.details.upstreams.circuits.coingecko).toMatch(/^(open|half_open)$/);
    // every venue's REST calls (polls, and the streamed venues' markets) go through its policy: each circuit opened
    for (const venue of ['binance', 'bitget', 'bybit', 'gate', 'kucoin', 'mexc', 'okx']) expect([venue, ready.details.upstreams.circuits[`ccxt-${venue}`]]).toEqual([venue, expect.stringMatching(/^(open|half_open)$/)]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/upstream_circuit_state\{upstream="coingecko"\} [12]/);
    // the venues were tried (through the relay at the closed port) and failed, every one of them
    const failingVenues = new Set([...metrics.matchAll(/spreads_source_errors_total\{source="ccxt:([a-z]+):[^"]*"\} [1-9]/g)].map((match) => match[1]));
    expect([...failingVenues].sort()).toEqual(['binance', 'bitget', 'bybit', 'gate', 'kucoin', 'mexc', 'okx']);
    expect(metrics).not.toMatch(/spreads_quotes_total\{[^}]*\} [1-9]/);
  }, 90_000);
});
