import { SignJWT } from 'jose';
import { StreamHub } from '@app/realtime';
import type { SimulatedFault } from '@app/simulator';
import { UpstreamCache } from '@app/upstream';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, StreamClient, isData } from './support/ws-client';

const PREFIX = '/tzone_apis/services/stablecoins';
const OVERALL = `${PREFIX}/overall-market-snapshot`;
const BTC_DOM = `${PREFIX}/btc_dom`;
const ETH_DOM = `${PREFIX}/eth_dom`;
const FROZEN_AT = Date.UTC(2026, 10, 21, 9, 0, 0);

/** What the simulator serves right now, read straight from it: the expected numbers of the frames. */
async function servedGlobal(gateway: GatewayUnderTest) {
  const response = await fetch(`${gateway.simulator.baseUrls.coingecko}/global`);
  return ((await response.json()) as { data: { total_market_cap: { usd: number }; market_cap_percentage: Record<string, number> } }).data;
}

const usd = (value: number) => `$${new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(Math.round(value))}`;
const pct = (value: number) => `${value.toFixed(2)} %`;

describe('market-snapshot streams (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const open = (path: string, query: Record<string, string | number> = {}) => clients.open(path, query);

  beforeAll(async () => {
    gateway = await startGateway({ env: { UPSTREAM_TIMEOUT_MS: '300' } });
    gateway.simulator.clock.freeze(FROZEN_AT);
  });
  afterEach(async () => {
    gateway.simulator.faults.clear();
    await clients.closeAll();
  });
  afterAll(() => gateway.close());

  it('streams the overall snapshot cards with values computed from CoinGecko /global and coin metadata', async () => {
    const frame = await open(OVERALL).next();
    const global = await servedGlobal(gateway);
    expect(frame.results).toEqual([
      { title: 'Total Crypto Market Cap', value: usd(global.total_market_cap.usd) },
      { title: 'BTC Dominance', value: pct(global.market_cap_percentage.btc), logo: expect.stringMatching(/^https:\/\/.*bitcoin\.png/), symbol: 'BTC' },
      { title: 'ETH Dominance', value: pct(global.market_cap_percentage.eth), logo: expect.stringMatching(/^https:\/\/.*ethereum\.png/), symbol: 'ETH' },
    ]);
    expect(frame.count).toBe(3);
    expect(frame.adaptive_interval).toBeGreaterThanOrEqual(1);
    expect(frame.adaptive_interval).toBeLessThanOrEqual(300);
    expect(frame.timestamp).toBeCloseTo(Date.now() / 1000, -1);
    expect(frame.stale).toBeUndefined();
  });

  it('streams btc_dom and eth_dom rows with the seed keys and the seed example filter', async () => {
    const global = await servedGlobal(gateway);
    const btc = await open(BTC_DOM, { filters: '{"Title":"Bitcoin Dominance"}' }).next();
    expect(btc.results).toEqual([{ Title: 'Bitcoin Dominance', Value: pct(global.market_cap_percentage.btc) }]);
    expect(btc.count).toBe(1);
    // the seed's keys plus the protocol's two (issue 10), type and seq first
    expect(Object.keys(btc)).toEqual(['type', 'seq', 'results', 'count', 'adaptive_interval', 'timestamp']);
    expect(btc).toMatchObject({ type: 'view', seq: 1 });
    const eth = await open(ETH_DOM, { filters: '{"Title":"Ethereum Dominance"}' }).next();
    expect(eth.results).toEqual([{ Title: 'Ethereum Dominance', Value: pct(global.market_cap_percentage.eth) }]);
    const none = await open(ETH_DOM, { filters: '{"Title":"Bitcoin Dominance"}' }).next();
    expect(none).toMatchObject({ results: [], count: 0 });
  });

  it('applies filters, search, numeric sort and pagination', async () => {
    const seedExample = await open(OVERALL, { filters: '{"symbol":"BTC"}', sort_by: 'value', sort_order: 'desc', page: 1, page_size: 10 }).next();
    expect(seedExample.results.map((card: { title: string }) => card.title)).toEqual(['BTC Dominance']);

    const sorted = await open(OVERALL, { sort_by: 'value', sort_order: 'asc' }).next();
    // "$3,8…" sorts as trillions, "59.33 %" and "11.97 %" as percents
    expect(sorted.results.map((card: { title: string }) => card.title)).toEqual(['ETH Dominance', 'BTC Dominance', 'Total Crypto Market Cap']);

    const searched = await open(OVERALL, { search: 'eth' }).next();
    expect(searched.results.map((card: { symbol?: string }) => card.symbol)).toEqual(['ETH']);

    const secondPage = await open(OVERALL, { sort_by: 'value', sort_order: 'desc', page: 2, page_size: 2 }).next();
    expect(secondPage.results.map((card: { title: string }) => card.title)).toEqual(['ETH Dominance']);
    expect(secondPage.count).toBe(3);
  });

  it('re-renders at once on a param update message and keeps the view on an invalid one', async () => {
    const client = open(OVERALL, { filters: '{"symbol":"BTC"}' });
    await client.next();
    client.send({ filters: null, search: 'total' });
    expect((await client.next()).results.map((card: { title: string }) => card.title)).toEqual(['Total Crypto Market Cap']);
    client.send({ page_size: 'ten' });
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
    expect(error.details).toEqual([expect.objectContaining({ param: 'page_size' })]);
    client.send({ sort_order: 'desc' }); // valid again: merged into the kept view (search=total)
    expect((await client.next()).results.map((card: { title: string }) => card.title)).toEqual(['Total Crypto Market Cap']);
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ filters: '{"symbol":' }, 'filters'],
    [{ sort_order: 'sideways' }, 'sort_order'],
    [{ colour: 'red' }, 'colour'],
  ])('answers the invalid query %j with an error frame naming %s, then close 1008', async (query, param) => {
    const client = open(BTC_DOM, query);
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
    expect(error.details.map((detail: { param: string }) => detail.param)).toContain(param);
    expect((await client.closed).code).toBe(1008);
  });

  it('refuses an unknown stream path with HTTP 404 on the upgrade', async () => {
    await expect(open(`${PREFIX}/no_such_stream`).opened).rejects.toThrow('HTTP 404');
  });

  const faults: Array<[string, SimulatedFault]> = [
    ['429', { kind: '429', retryAfterSeconds: 0 }],
    ['500', { kind: '500' }],
    ['an HTML error page', { kind: 'html', status: 502 }],
    ['garbage', { kind: 'garbage' }],
    ['truncated JSON', { kind: 'truncated' }],
    ['a timeout', { kind: 'timeout' }],
  ];
  it.each(faults)('keeps serving the last good data marked stale on %s, then recovers by itself', async (_label, fault) => {
    const client = open(BTC_DOM);
    const good = await client.next(isData);
    gateway.simulator.faults.set('coingecko', fault);
    await gateway.app.get(UpstreamCache).evict('coingecko:global');
    await gateway.app.get(StreamHub).refreshNow('btc_dom');
    const stale = await client.next((frame) => frame.stale === true, 20_000);
    expect(stale.results).toEqual(good.results);
    expect(stale.stale_age_seconds).toBeGreaterThanOrEqual(0);
    expect(stale.stale_reason).toContain('coingecko');
    gateway.simulator.faults.clear();
    const recovered = await client.next((frame) => isData(frame) && frame.stale === undefined, 20_000);
    expect(recovered.results).toEqual(good.results); // the clock is frozen: same numbers again
  });
});

describe('upstream calls do not grow with clients', () => {
  async function upstreamCallsFor(clientCount: number, filterSets: number): Promise<number> {
    const gateway = await startGateway();
    try {
      gateway.simulator.clock.freeze(FROZEN_AT);
      const clients = Array.from({ length: clientCount }, (_, i) =>
        StreamClient.connect(gateway.wsUrl(OVERALL, { sort_by: 'value', page_size: (i % filterSets) + 1, page: 1 + (i % 2) })),
      );
      await Promise.all(clients.map((client) => client.next(isData, 15_000)));
      await gateway.app.get(StreamHub).refreshNow('overall-market-snapshot');
      const calls = gateway.simulator.requests('coingecko');
      await Promise.all(clients.map((client) => client.close()));
      return calls;
    } finally {
      await gateway.close();
    }
  }

  it('200 clients over 20 distinct filter sets cause exactly as many upstream calls as 1 client', async () => {
    const single = await upstreamCallsFor(1, 1);
    const many = await upstreamCallsFor(200, 20);
    expect(single).toBe(3); // /global, /coins/bitcoin, /coins/ethereum
    expect(many).toBe(single);
  });
});

describe('JWT auth on the seed-000 streams', () => {
  const secret = 'e2e-secret-e2e-secret-e2e-secret';
  let gateway: GatewayUnderTest;
  const sign = (expiresIn: string | number) =>
    new SignJWT({ sub: 'frontend-user' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));

  beforeAll(async () => {
    gateway = await startGateway({ env: { AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: secret } });
  });
  afterAll(() => gateway.close());

  it('accepts a valid token in the access_token cookie or as a bearer token', async () => {
    const token = await sign('5m');
    const viaCookie = StreamClient.connect(gateway.wsUrl(BTC_DOM), { Cookie: `access_token=${token}; refresh_token=r` });
    expect((await viaCookie.next()).results[0].Title).toBe('Bitcoin Dominance');
    const viaBearer = StreamClient.connect(gateway.wsUrl(ETH_DOM), { Authorization: `Bearer ${token}` });
    expect((await viaBearer.next()).results[0].Title).toBe('Ethereum Dominance');
    await Promise.all([viaCookie.close(), viaBearer.close()]);
  });

  it.each([
    ['no token', async () => ({})],
    ['an expired token', async () => ({ Cookie: `access_token=${await sign(Math.floor(Date.now() / 1000) - 60)}` })],
    ['a token signed with another secret', async () => ({ Authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)))}` })],
  ])('closes with 4401 on %s', async (_label, headers) => {
    const client = StreamClient.connect(gateway.wsUrl(BTC_DOM), await headers());
    expect(await client.next()).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await client.closed).code).toBe(4401);
  });
});
