import { StreamHub } from '@app/realtime';
import { UpstreamCache } from '@app/upstream';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, StreamClient, isData, isError, type Frame } from './support/ws-client';

const PREFIX = '/tzone_apis/services/stablecoins';
const MAIN_TABLE = `${PREFIX}/ws/main_table`;
const MARKETCAP = `${PREFIX}/ws/marketcap_total_index`;
const DISTRIBUTION = `${PREFIX}/ws/distribution_analysis`;
const COMPARATIVE = `${PREFIX}/ws/comparative_price_timeseries`;
const DAY = 86_400;
/** generous: e2e suites share a busy machine */
const FRAME_MS = 30_000;
jest.setTimeout(120_000);

type Pegs = Record<string, number>;
interface Asset {
  id: string;
  name: string;
  symbol: string;
  gecko_id: string;
  circulating: Pegs;
  price: number;
  chainCirculating: Record<string, { current: Pegs }>;
}
interface MarketRow {
  id: string;
  name: string;
  image: string;
  current_price: number;
  market_cap: number;
  price_change_percentage_24h: number;
}
const sum = (pegs: Pegs) => Object.values(pegs).reduce((total, value) => total + value, 0);
const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Reads what the simulator serves right now (its clock is frozen): the expected numbers of the frames. */
async function served<T>(gateway: GatewayUnderTest, upstream: 'defillama' | 'coingecko', path: string): Promise<T> {
  const response = await fetch(`${gateway.simulator.baseUrls[upstream]}${path}`);
  return (await response.json()) as T;
}

describe('stablecoin streams (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const open = (path: string, query: Record<string, string | number> = {}) => clients.open(path, query);
  const assets = async () => (await served<{ peggedAssets: Asset[] }>(gateway, 'defillama', '/stablecoins')).peggedAssets;
  const markets = () => served<MarketRow[]>(gateway, 'coingecko', '/coins/markets?vs_currency=usd&category=stablecoins&per_page=250');

  beforeAll(async () => {
    gateway = await startGateway({ env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    gateway.simulator.clock.freeze(Math.floor(Date.now() / 60_000) * 60_000);
  }, 60_000);
  afterEach(async () => {
    gateway.simulator.faults.clear();
    await clients.closeAll();
    // let the feeds outlive their linger (FAST_REALTIME: 200 ms), so the next test starts its own
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterAll(() => gateway.close(), 240_000);

  describe('ws/main_table', () => {
    // first, while the CoinGecko markets cache is still cold
    it('is partial, built from DefiLlama alone and saying so, while CoinGecko /coins/markets is down', async () => {
      gateway.simulator.faults.set('coingecko', { kind: '500' }, { path: '/coins/markets' });
      const frame = await open(MAIN_TABLE, { filters: '{"name":"Tether"}' }).next(isData, FRAME_MS);
      const tether = (await assets()).find((asset) => asset.symbol === 'USDT')!;
      expect(frame.partial).toBe(true);
      expect(frame.missing).toEqual([{ source: 'coingecko /coins/markets', reason: expect.stringContaining('500') }]);
      expect(frame.rows).toEqual([
        { rank: 1, name: 'Tether', symbol: 'USDT', logo: null, price: tether.price, '24h_change_percent': null, market_cap: tether.circulating.peggedUSD },
      ]);
    });

    it('serves the seed example verbatim with the merged DefiLlama + CoinGecko row', async () => {
      const frame = await open(MAIN_TABLE, { filters: '{"name":"Tether"}', sort_by: 'market_cap', sort_order: 'desc', page: 1, page_size: 10 }).next(isData, FRAME_MS);
      const tether = (await markets()).find((row) => row.id === 'tether')!;
      expect(frame.headers).toEqual([
        { key: 'rank', label: 'Rank' },
        { key: 'name', label: 'Name' },
        { key: 'logo', label: 'Logo' },
        { key: 'price', label: 'Price' },
        { key: '24h_change_percent', label: '24h Change (%)' },
        { key: 'market_cap', label: 'Market Cap' },
      ]);
      expect(frame.rows).toEqual([
        {
          rank: 1,
          name: 'Tether',
          symbol: 'USDT',
          logo: tether.image,
          price: tether.current_price,
          '24h_change_percent': tether.price_change_percentage_24h,
          market_cap: tether.market_cap,
        },
      ]);
      expect(frame).toMatchObject({ count: 1, vs_currency: 'usd' });
      expect(frame.partial).toBeUndefined();
      expect(typeof frame.adaptive_interval).toBe('number');
      expect(typeof frame.timestamp).toBe('number');
    });

    it('ranks every stablecoin by market cap and paginates', async () => {
      const served = await markets();
      const frame = await open(MAIN_TABLE, { page: 2, page_size: 5 }).next(isData, FRAME_MS);
      const byCap = [...served].sort((a, b) => b.market_cap - a.market_cap);
      expect(frame.count).toBe(served.length);
      expect(frame.rows.map((row: Frame) => [row.rank, row.market_cap])).toEqual(byCap.slice(5, 10).map((row, index) => [6 + index, row.market_cap]));
    });

    it('makes one upstream call per upstream however many clients watch (different views, one feed)', async () => {
      const cache = gateway.app.get(UpstreamCache);
      await cache.evict('defillama:stablecoins');
      await cache.evict('coingecko:markets:stablecoins:usd');
      const before = { list: gateway.simulator.requests('defillama', '/stablecoins'), markets: gateway.simulator.requests('coingecko', '/coins/markets') };
      const views: Array<Record<string, string | number>> = [{}, { search: 'usd' }, { sort_by: 'price' }, { page: 2, page_size: 3 }, { filters: '{"symbol":["USDT","USDC"]}' }, {}];
      const frames = await Promise.all(views.map((query) => open(MAIN_TABLE, query).next(isData, FRAME_MS)));
      expect(frames[4].rows.map((row: Frame) => row.symbol)).toEqual(['USDT', 'USDC']);
      expect(gateway.simulator.requests('defillama', '/stablecoins') - before.list).toBe(1);
      expect(gateway.simulator.requests('coingecko', '/coins/markets') - before.markets).toBe(1);
    });

    it('rejects a bad vs_currency with an error frame and close 1008', async () => {
      const client = open(MAIN_TABLE, { vs_currency: 'US$' });
      const error = await client.next(isError, FRAME_MS);
      expect(error).toMatchObject({ code: 'invalid_params', details: [{ param: 'vs_currency' }] });
      expect((await client.closed).code).toBe(1008);
    });
  });

  describe('ws/marketcap_total_index', () => {
    const chart = async () =>
      (await served<Array<{ date: string; totalCirculatingUSD: Pegs }>>(gateway, 'defillama', '/stablecoincharts/all')).map((point) => ({
        timestamp: Number(point.date), // a STRING of seconds upstream
        marketcap: round(sum(point.totalCirculatingUSD), 2),
      }));

    it('sums totalCirculatingUSD per day over the period, with the latest as key stats', async () => {
      const series = await chart();
      const frame = await open(MARKETCAP, { period: '7d' }).next(isData, FRAME_MS);
      expect(frame.chart).toEqual({ x_label: 'Time (unix timestamp)', y_label: 'Total Market Cap (USD)', data: series.slice(-8) });
      expect(frame.key_stats).toEqual({ latest_market_cap: series[series.length - 1].marketcap, price: series[series.length - 1].marketcap, controller: '7d' });
      expect(frame).toMatchObject({ count: 8, period: '7d' });
    });

    it('runs the seed example verbatim and filters millisecond bounds against second timestamps', async () => {
      const example = await open(MARKETCAP, {
        filters: '{"marketcap":">1000000000"}',
        sort_by: 'marketcap',
        sort_order: 'desc',
        page: 1,
        page_size: 10,
        start_time: 1719878400000,
        end_time: 1719882000000,
        time_field: 'timestamp',
      }).next(isData, FRAME_MS);
      // the default period (1d) holds yesterday and today only: nothing in July 2024
      expect(example).toMatchObject({ chart: { data: [] }, count: 0, period: '1d' });

      const series = await chart();
      const last = series[series.length - 1];
      const frame = await open(MARKETCAP, { period: '30d', start_time: (last.timestamp - 2 * DAY) * 1000, end_time: last.timestamp * 1000, sort_by: 'marketcap', sort_order: 'desc' }).next(isData, FRAME_MS);
      const expected = series.slice(-3).sort((a, b) => b.marketcap - a.marketcap);
      expect(frame.chart.data).toEqual(expected);
      expect(frame.count).toBe(3);
    });

    it('keeps the last good chart marked stale when DefiLlama fails, then recovers by itself', async () => {
      const client = open(MARKETCAP, { period: '30d' });
      const good = await client.next(isData, FRAME_MS);
      gateway.simulator.faults.set('defillama', { kind: '500' });
      await gateway.app.get(UpstreamCache).evict('defillama:stablecoincharts:all');
      await gateway.app.get(StreamHub).refreshNow('marketcap_total_index');
      const stale = await client.next((frame) => frame.stale === true, FRAME_MS);
      expect(stale.chart).toEqual(good.chart);
      expect(stale.stale_reason).toContain('defillama');
      gateway.simulator.faults.clear();
      const recovered = await client.next((frame) => isData(frame) && frame.stale === undefined, FRAME_MS);
      expect(recovered.chart).toEqual(good.chart);
    });

    it('rejects an unknown period', async () => {
      const client = open(MARKETCAP, { period: '2d' });
      expect(await client.next(isError, FRAME_MS)).toMatchObject({ code: 'invalid_params', details: [{ param: 'period' }] });
      expect((await client.closed).code).toBe(1008);
    });
  });

  describe('ws/distribution_analysis', () => {
    const chainsOf = (asset: Asset, wanted: string[]) =>
      wanted.flatMap((chain) => {
        const name = Object.keys(asset.chainCirculating).find((key) => key.toLowerCase() === chain);
        return name ? [{ chain, usd: round(sum(asset.chainCirculating[name].current), 2) }] : [];
      });

    it('splits each stablecoin over the default chains with percentages of its total, sorted by total', async () => {
      const frame = await open(DISTRIBUTION).next(isData, FRAME_MS);
      const defaults = ['ethereum', 'bsc', 'tron', 'solana', 'polygon'];
      const usdt = (await assets()).find((asset) => asset.symbol === 'USDT')!;
      const parts = chainsOf(usdt, defaults);
      const total = round(parts.reduce((acc, part) => acc + part.usd, 0), 2);
      const row = frame.rows.find((candidate: Frame) => candidate.stablecoin === 'USDT');
      expect(row.total_usd).toBe(total);
      expect(row.chains.map((chain: Frame) => [chain.chain, chain.usd, chain.percent])).toEqual(parts.map((part) => [part.chain, part.usd, round((part.usd / total) * 100, 2)]));
      // USDT's Ethereum share, spelled out: its Ethereum balance over its balance on the five chains
      const ethereum = row.chains.find((chain: Frame) => chain.chain === 'ethereum');
      expect(ethereum.percent).toBe(round((sum(usdt.chainCirculating.Ethereum.current) / total) * 100, 2));
      expect(frame.rows.map((candidate: Frame) => candidate.total_usd)).toEqual([...frame.rows.map((candidate: Frame) => candidate.total_usd)].sort((a, b) => b - a));
      expect(frame.query_params).toEqual({ chains: defaults, period: '1d' });
      expect(frame.headers.map((header: Frame) => header.key)).toEqual(['chain', 'stablecoin', 'market_cap', 'percentage', 'change_24h']);
    });

    it('takes chains as a JSON array or a comma-separated list, and filters on the nested chain', async () => {
      const asJson = await open(DISTRIBUTION, { chains: '["Tron","bsc"]', filters: '{"chain":"tron"}' }).next(isData, FRAME_MS);
      const asList = await open(DISTRIBUTION, { chains: 'tron, bsc', filters: '{"chain":"tron"}' }).next(isData, FRAME_MS);
      expect(asJson.rows).toEqual(asList.rows);
      expect(asJson.query_params.chains).toEqual(['tron', 'bsc']);
      const onTron = (await assets()).filter((asset) => asset.chainCirculating.Tron).map((asset) => asset.symbol);
      expect(asJson.rows.map((row: Frame) => row.stablecoin).sort()).toEqual(onTron.sort());
      for (const row of asJson.rows) expect(row.chains.reduce((acc: number, chain: Frame) => acc + chain.percent, 0)).toBeCloseTo(100, 1);
    });

    it('runs the seed example verbatim (the snapshot is not in July 2024, so nothing matches) and rejects bad chains', async () => {
      const example = await open(DISTRIBUTION, {
        filters: '{"chain":"ethereum"}',
        sort_by: 'usd',
        sort_order: 'desc',
        page: 1,
        page_size: 10,
        start_time: 1719878400000,
        end_time: 1719882000000,
        time_field: 'timestamp',
      }).next(isData, FRAME_MS);
      expect(example).toMatchObject({ rows: [], count: 0 });
      const now = await open(DISTRIBUTION, { filters: '{"chain":"ethereum"}', timeframe: '1h' }).next(isData, FRAME_MS);
      expect(now.count).toBeGreaterThan(0);

      const bad = open(DISTRIBUTION, { chains: '[1,2]' });
      expect(await bad.next(isError, FRAME_MS)).toMatchObject({ code: 'invalid_params', details: expect.arrayContaining([expect.objectContaining({ param: 'chains' })]) });
      expect((await bad.closed).code).toBe(1008);
    });
  });

  describe('ws/comparative_price_timeseries', () => {
    const chartOf = async (id: string, days = 7) =>
      (await served<{ prices: Array<[number, number]> }>(gateway, 'coingecko', `/coins/${id}/market_chart?vs_currency=usd&days=${days}`)).prices.map(([ms, price]) => ({
        time: Math.floor(ms / 1000),
        price,
      }));

    it('streams one series per coin from CoinGecko market_chart, in seconds', async () => {
      const frame = await open(COMPARATIVE).next(isData, FRAME_MS);
      const expected = await Promise.all(['tether', 'usd-coin', 'dai'].map(async (id) => ({ stablecoin: id, data: await chartOf(id) })));
      expect(frame.data_series).toEqual(expected);
      expect(frame.count).toBe(expected.reduce((acc, series) => acc + series.data.length, 0));
      expect(frame).toMatchObject({ y_axis: 'Price based on 1 USD (0.98$-1.02$)', x_axis: 'Time (unix timestamp)', timeframe_applied: '7d' });
      expect(frame.query_params).toEqual({ stablecoin_ids: ['tether', 'usd-coin', 'dai'], vs_currency: 'usd', days: 7, timeframe: null, start_time: null, end_time: null });
    });

    it('runs the seed example verbatim and applies timeframe against now', async () => {
      const example = await open(COMPARATIVE, {
        filters: '{"stablecoin":"tether"}',
        sort_by: 'price',
        sort_order: 'desc',
        page: 1,
        page_size: 10,
        start_time: 1719878400000,
        end_time: 1719882000000,
        timeframe: '7d',
        time_field: 'time',
      }).next(isData, FRAME_MS);
      expect(example).toMatchObject({ data_series: [], count: 0, timeframe_applied: '7d' });
      expect(example.query_params).toEqual({
        stablecoin_ids: ['tether', 'usd-coin', 'dai'],
        vs_currency: 'usd',
        days: 7,
        timeframe: '7d',
        start_time: 1719878400000,
        end_time: 1719882000000,
      });

      const frame = await open(COMPARATIVE, { stablecoin_ids: 'tether', timeframe: '24h' }).next(isData, FRAME_MS);
      const expected = (await chartOf('tether')).filter((point) => point.time >= frame.timestamp - DAY);
      expect(frame.data_series).toEqual([{ stablecoin: 'tether', data: expected }]);
      expect(frame.timeframe_applied).toBe('24h');
    });

    it('honours dedupe_key: one point per coin, the first in time (dedupe runs before sort)', async () => {
      const frame = await open(COMPARATIVE, { dedupe_key: 'stablecoin', sort_by: 'price', sort_order: 'desc' }).next(isData, FRAME_MS);
      const firstPoints = await Promise.all(['tether', 'usd-coin', 'dai'].map(async (id) => ({ stablecoin: id, data: [(await chartOf(id))[0]] })));
      expect(frame.count).toBe(3);
      expect(frame.data_series).toEqual(firstPoints);
      expect(frame.query_params).toMatchObject({ stablecoin_ids: ['tether', 'usd-coin', 'dai'] });
    });

    it('is partial when one coin cannot be loaded, with the others still plotted', async () => {
      const frame = await open(COMPARATIVE, { stablecoin_ids: 'tether,no-such-coin' }).next(isData, FRAME_MS);
      expect(frame.partial).toBe(true);
      expect(frame.missing).toEqual([{ source: 'coingecko /coins/no-such-coin/market_chart', reason: expect.stringContaining('404') }]);
      expect(frame.data_series.map((series: Frame) => series.stablecoin)).toEqual(['tether']);
    });
  });
});

describe('stablecoin streams at a fixed date (seed example with matching data)', () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway({ seed: 3 });
    gateway.simulator.clock.freeze(Date.UTC(2024, 6, 2, 1, 0, 0)); // 2024-07-02 01:00 UTC: "today" is 1719878400
  }, 60_000);
  afterAll(() => gateway.close(), 240_000);

  it('marketcap_total_index: the seed example returns the 2024-07-02 point', async () => {
    const client = StreamClient.connect(
      gateway.wsUrl(MARKETCAP, {
        filters: '{"marketcap":">1000000000"}',
        sort_by: 'marketcap',
        sort_order: 'desc',
        page: 1,
        page_size: 10,
        start_time: 1719878400000,
        end_time: 1719882000000,
        time_field: 'timestamp',
      }),
    );
    const frame = await client.next(isData, FRAME_MS);
    const served = (await (await fetch(`${gateway.simulator.baseUrls.defillama}/stablecoincharts/all`)).json()) as Array<{ date: string; totalCirculatingUSD: Pegs }>;
    const point = served.find((candidate) => candidate.date === '1719878400')!;
    expect(frame.chart.data).toEqual([{ timestamp: 1719878400, marketcap: round(sum(point.totalCirculatingUSD), 2) }]);
    expect(frame.count).toBe(1);
    await client.close();
  });
});
