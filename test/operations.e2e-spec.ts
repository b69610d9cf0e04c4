import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient } from './support/ws-client';

describe('operations endpoints and graceful shutdown (e2e)', () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway?.close());

  it('reports liveness and readiness of the stores in use', async () => {
    const live = await fetch(`${gateway.httpUrl}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${gateway.httpUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { replica: { id: string; roles: string[]; feed_leases: number } };
    expect(body).toMatchObject({ status: 'ok', info: { database: { status: 'up', kind: process.env.DATABASE_URL ? 'postgres' : 'pglite' }, cache: { status: 'up', store: 'memory' } } });
    // the one process leads every registered singleton role (embedded default: no Redis)
    expect(body.replica).toEqual({ id: expect.any(String), roles: expect.arrayContaining(['capital-flow', 'depeg']), feed_leases: expect.any(Number) });
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    for (const role of body.replica.roles) expect(metrics).toContain(`gateway_leader{role="${role}"} 1`);
    for (const role of ['spreads', 'dex-metrics', 'capital-flow', 'depeg']) expect(metrics).toMatch(new RegExp(`gateway_leader\\{role="${role}"\\} [01]`));
  });

  it('exposes Prometheus metrics for connections, frames and upstream calls', async () => {
    const client = StreamClient.connect(gateway.wsUrl('/tzone_apis/services/stablecoins/btc_dom'));
    await client.next();
    const text = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(text).toMatch(/ws_connections\{stream="btc_dom"\} 1/);
    expect(text).toMatch(/ws_frames_sent_total\{stream="btc_dom"\} [1-9]/);
    expect(text).toMatch(/upstream_calls_total\{upstream="coingecko",status="200"\} [1-9]/);
    expect(text).toMatch(/stream_refresh_duration_seconds_count\{stream="btc_dom",outcome="ok"\} [1-9]/);
    await client.close();
  });

  it('serves the OpenAPI document and JSON errors for unknown routes', async () => {
    expect((await fetch(`${gateway.httpUrl}/docs`)).status).toBe(200);
    const missing = await fetch(`${gateway.httpUrl}/no/such/route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 404, message: expect.stringContaining('/no/such/route'), details: [] });
  });

  it('closes open streams with 1001 on shutdown', async () => {
    const client = StreamClient.connect(gateway.wsUrl('/tzone_apis/services/stablecoins/eth_dom'));
    await client.next();
    const closing = gateway.close();
    expect((await client.closed).code).toBe(1001);
    await closing;
    gateway = undefined as unknown as GatewayUnderTest;
  });
});
