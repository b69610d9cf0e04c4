import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COINGECKO_DRIFT, GlobalPayload, maxDominanceDeviation } from './routes';
import { startUpstreamSimulator, UpstreamSimulator } from './upstream-simulator';

const recordedGlobal = JSON.parse(readFileSync(join(__dirname, '../fixtures/coingecko/global.json'), 'utf8')) as GlobalPayload;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), headers: response.headers };
}

describe('startUpstreamSimulator', () => {
  let sim: UpstreamSimulator;

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 42 });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.faults.clear();
    sim.log.reset();
    sim.clock.freeze(T0);
  });

  it('mounts every upstream under its real API root on loopback', () => {
    expect(sim.baseUrls.coingecko).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/coingecko\/api\/v3$/);
    expect(sim.baseUrls.deribit).toBe(`${sim.origin}/deribit/api/v2`);
    expect(sim.baseUrls.defillama).toBe(`${sim.origin}/defillama`);
    expect(sim.baseUrls.coindesk).toBe(`${sim.origin}/coindesk`);
  });

  describe('CoinGecko /global', () => {
    it('serves the recorded payload moved within the drift bounds, stamped with now', async () => {
      const { status, body } = await getJson(`${sim.baseUrls.coingecko}/global`);
      expect(status).toBe(200);
      const data = body.data;
      const recorded = recordedGlobal.data;
      expect(data.active_cryptocurrencies).toBe(recorded.active_cryptocurrencies);
      expect(Object.keys(data.total_market_cap)).toEqual(Object.keys(recorded.total_market_cap));
      expect(data.updated_at).toBe(T0 / 1000);

      const bound = maxDominanceDeviation();
      expect(Math.abs(data.market_cap_percentage.btc / recorded.market_cap_percentage.btc - 1)).toBeLessThanOrEqual(bound);
      expect(Math.abs(data.total_market_cap.usd / recorded.total_market_cap.usd - 1)).toBeLessThanOrEqual(COINGECKO_DRIFT.totalMarketCap);
      // the market moves as one: every currency by the same factor
      expect(data.total_market_cap.eur / data.total_market_cap.usd).toBeCloseTo(recorded.total_market_cap.eur / recorded.total_market_cap.usd, 10);
    });

    it('keeps dominance shares consistent (same sum as recorded, ≤ 100, btc first)', async () => {
      for (let step = 0; step < 20; step++) {
        sim.clock.freeze(T0 + step * 60 * 60_000);
        const shares: Record<string, number> = (await getJson(`${sim.baseUrls.coingecko}/global`)).body.data.market_cap_percentage;
        const sum = Object.values(shares).reduce((a, b) => a + b, 0);
        const recordedSum = Object.values(recordedGlobal.data.market_cap_percentage).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(recordedSum, 8);
        expect(sum).toBeLessThanOrEqual(100);
        expect(shares.btc).toBeGreaterThan(50);
        expect(Math.max(...Object.values(shares))).toBe(shares.btc);
      }
    });

    it('is deterministic for a seed and time, and moves as time passes', async () => {
      const other = await startUpstreamSimulator({ seed: 42 });
      const differentSeed = await startUpstreamSimulator({ seed: 7 });
      try {
        other.clock.freeze(T0);
        differentSeed.clock.freeze(T0);
        const a = (await getJson(`${sim.baseUrls.coingecko}/global`)).body;
        const b = (await getJson(`${other.baseUrls.coingecko}/global`)).body;
        const c = (await getJson(`${differentSeed.baseUrls.coingecko}/global`)).body;
        expect(b).toEqual(a);
        expect(c.data.market_cap_percentage.btc).not.toBe(a.data.market_cap_percentage.btc);

        sim.clock.advance(15_000);
        const later = (await getJson(`${sim.baseUrls.coingecko}/global`)).body;
        expect(later.data.total_market_cap.usd).not.toBe(a.data.total_market_cap.usd);
        expect(later.data.updated_at).toBe(T0 / 1000 + 15);
      } finally {
        await Promise.all([other.close(), differentSeed.close()]);
      }
    });
  });

  describe('CoinGecko /coins/:id', () => {
    it('serves bitcoin as recorded with last_updated = now', async () => {
      const { status, body } = await getJson(`${sim.baseUrls.coingecko}/coins/bitcoin?localization=false&tickers=false`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', market_cap_rank: 1, genesis_date: '2009-01-03' });
      expect(body.image.large).toBe('https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png?1696501400');
      expect(body.last_updated).toBe(new Date(T0).toISOString());
    });

    it("derives ethereum from bitcoin's shape", async () => {
      const { body } = await getJson(`${sim.baseUrls.coingecko}/coins/ethereum`);
      expect(body).toMatchObject({ id: 'ethereum', symbol: 'eth', name: 'Ethereum', market_cap_rank: 2 });
      expect(body.image.large).toContain('/coins/images/279/large/ethereum.png');
      expect(Object.keys(body).sort()).toEqual(Object.keys((await getJson(`${sim.baseUrls.coingecko}/coins/bitcoin`)).body).sort());
    });

    it("answers an unknown id with CoinGecko's 404 body", async () => {
      const { status, body } = await getJson(`${sim.baseUrls.coingecko}/coins/not-a-coin`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: 'coin not found' });
    });
  });

  it('answers 404 outside the mounted APIs and for unknown routes', async () => {
    expect((await getJson(`${sim.origin}/nope/global`)).status).toBe(404);
    expect((await getJson(`${sim.origin}/coingecko/global`)).status).toBe(404); // missing /api/v3
    expect((await getJson(`${sim.baseUrls.coingecko}/unknown`)).status).toBe(404);
    expect((await getJson(`${sim.baseUrls.coindesk}/no/such/path`)).status).toBe(404);
    expect((await getJson(`${sim.baseUrls.deribit}/public/no_such_method`)).status).toBe(400); // Deribit: JSON-RPC -32601 Method not found
  });

  it('counts requests per upstream and path', async () => {
    await getJson(`${sim.baseUrls.coingecko}/global`);
    await getJson(`${sim.baseUrls.coingecko}/global?x=1`);
    await getJson(`${sim.baseUrls.coingecko}/coins/bitcoin`);
    expect(sim.requests('coingecko', '/global')).toBe(2);
    expect(sim.requests('coingecko', '/coins/bitcoin')).toBe(1);
    expect(sim.requests('coingecko')).toBe(3);
    expect(sim.requests('deribit')).toBe(0);
    expect(sim.log.last('coingecko')?.query).toEqual({});
  });

  describe('faults', () => {
    it('429 with Retry-After, only `times` times', async () => {
      sim.faults.set('coingecko', { kind: '429', retryAfterSeconds: 3 }, { times: 1 });
      const limited = await fetch(`${sim.baseUrls.coingecko}/global`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      await limited.text();
      expect((await getJson(`${sim.baseUrls.coingecko}/global`)).status).toBe(200);
    });

    it('Retry-After as an HTTP date', async () => {
      sim.faults.set('coingecko', { kind: '429', retryAfterSeconds: 5, retryAfterFormat: 'http-date' }, { times: 1 });
      const limited = await fetch(`${sim.baseUrls.coingecko}/global`);
      await limited.text();
      expect(Date.parse(limited.headers.get('retry-after') ?? '')).toBeGreaterThan(Date.now());
    });

    it('5xx, HTML, truncated and garbage bodies', async () => {
      const url = `${sim.baseUrls.coingecko}/global`;
      sim.faults.set('coingecko', { kind: '500', status: 503 }, { times: 1 });
      expect((await fetch(url).then(async (r) => [r.status, await r.json()]))).toEqual([503, { error: 'Internal Server Error' }]);

      sim.faults.set('coingecko', { kind: 'html' }, { times: 1 });
      const html = await fetch(url);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toContain('text/html');
      expect(await html.text()).toContain('<!DOCTYPE html>');

      sim.faults.set('coingecko', { kind: 'truncated' }, { times: 1 });
      const truncated = await (await fetch(url)).text();
      expect(() => JSON.parse(truncated)).toThrow();
      expect(truncated.startsWith('{"data":{')).toBe(true);

      sim.faults.set('coingecko', { kind: 'garbage' }, { times: 1 });
        const garbage = await (await fetch(url)).text();
      expect(() => JSON.parse(garbage)).toThrow();
    });

    it('latency delays the normal answer; timeout never answers', async () => {
      sim.faults.set('coingecko', { kind: 'latency', ms: 120 }, { times: 1 });
      const started = Date.now();
      expect((await getJson(`${sim.baseUrls.coingecko}/global`)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);

      sim.faults.set('coingecko', { kind: 'timeout' }, { times: 1 });
      await expect(fetch(`${sim.baseUrls.coingecko}/global`, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    });

    it('applies a path-specific fault only to that path and lets it win over an upstream-wide one', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      sim.faults.set('coingecko', { kind: 'html', status: 502 }, { path: '/coins/bitcoin' });
      expect((await fetch(`${sim.baseUrls.coingecko}/coins/bitcoin`).then((r) => r.status))).toBe(502);
      expect((await fetch(`${sim.baseUrls.coingecko}/global`).then((r) => r.status))).toBe(500);
      sim.faults.clear('coingecko');
      expect((await fetch(`${sim.baseUrls.coingecko}/global`).then((r) => r.status))).toBe(200);
      expect(sim.requests('coingecko')).toBe(3);
    });
  });

  it('closes promptly even with a request held open by a timeout fault', async () => {
    const local = await startUpstreamSimulator({ seed: 1 });
    local.faults.set('coingecko', { kind: 'timeout' });
    const pending = fetch(`${local.baseUrls.coingecko}/global`).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    // undici's error comes from another realm than jest's Error, so check the shape
    expect(await pending).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });
});
