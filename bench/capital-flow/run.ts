/**
 * getCoinTradeSnapshot (signed, metered, in-memory snapshot) vs a trivial endpoint of the same app (GET /health/live),
 * same run, same client; plus the kline ingestion rate of a full backfill from the simulator. Loopback only, bounded.
 * Usage: npm run bench:capital-flow [-- requests concurrency]
 */
import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { CapitalFlowService } from '../../apps/gateway/src/capital-flow/capital-flow.service';
import { startGateway } from '../../test/support/harness';

const REQUESTS = Number(process.argv[2] ?? 3000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const SNAPSHOT = '/api/open/v1/trade/getCoinTradeSnapshot';

async function measure(label: string, send: (i: number) => Promise<number>): Promise<number> {
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) if ((await send(next++)) !== 200) failures++;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = REQUESTS / seconds;
  console.log(`${label.padEnd(34)} ${rate.toFixed(0).padStart(7)} req/s  (${REQUESTS} requests, ${CONCURRENCY} concurrent, ${failures} failed)`);
  return rate;
}

async function main(): Promise<void> {
  const gateway = await startGateway({ env: { CAPITAL_FLOW_INGEST: 'false', LOG_LEVEL: 'error' } });
  try {
    const report = await gateway.app.get(CapitalFlowService).sync();
    console.log(`ingestion (backfill, 10 tokens × 2 markets × 7 windows): ${report.points} points in ${report.durationMs} ms = ${((report.points / report.durationMs) * 1000).toFixed(0)} points/s (klines parsed, checked, stored, indexed)`);
    const key = { key: `bench-${Date.now()}`, secret: 'bench-secret' };
    await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'contract', name: 'bench', points: 1_000_000_000 });
    const now = Date.now();
    const trivial = await measure('GET /health/live (trivial)', async () => (await fetch(`${gateway.httpUrl}/health/live`).then(async (r) => (await r.arrayBuffer(), r.status))));
    const snapshot = await measure('POST getCoinTradeSnapshot (signed)', async (i) => {
      const body = JSON.stringify({ vsTokenId: (i % 10) + 1, date: now - (i % 1000) * 60_000 });
      const timestamp = String(Date.now());
      const response = await fetch(`${gateway.httpUrl}${SNAPSHOT}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key.key, 'x-timestamp': timestamp, 'x-sign': signRequest(key.secret, { timestamp, method: 'POST', path: SNAPSHOT, body }) },
        body,
      });
      const json = (await response.json()) as { code: number };
      return json.code;
    });
    console.log(`ratio snapshot / trivial: ${(snapshot / trivial).toFixed(2)}x (target ≥ 0.5x)`);
  } finally {
    await gateway.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
