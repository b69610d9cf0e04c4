import { StreamHub } from '@app/realtime';
import { UpstreamCache } from '@app/upstream';
import { DERIVATIVE_CONTRACTS, tickRequest, type DerivativeContract } from '../apps/gateway/src/derivatives/derivative-volume';
import { derivativesCacheKeys } from '../apps/gateway/src/derivatives/derivatives.source';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, StreamClient, isData, type Frame } from './support/ws-client';

const PREFIX = '/tzone_apis/services/stablecoins/derivative/ws';
const VOLUME = `${PREFIX}/24h_volume`;
const OPEN_INTEREST = `${PREFIX}/btc_open_interest`;
const TICK = '/futures/v1/latest/tick';
const FROZEN_AT = Date.UTC(2026, 10, 21, 9, 0, 0);
/** generous: the first frame waits for real HTTP round trips, and CI machines can be busy */
const FRAME_WAIT = 15_000;
jest.setTimeout(60_000);

const usd = (value: number) => `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(Math.round(value))} USD`;

type Tick = Record<string, number | string>;
type OptionRow = { instrument_name: string; open_interest: number; underlying_price?: number | null; estimated_delivery_price?: number | null };

/** The tick the simulator serves right now for one contract, read straight from it (the clock is frozen). */
async function servedTick(gateway: GatewayUnderTest, contract: DerivativeContract): Promise<Tick> {
  const { market } = contract;
  const { instrument, mappingPriority } = tickRequest(contract);
  const query = new URLSearchParams({ market, instruments: instrument, mapping_priority: mappingPriority });
  const body = (await (await fetch(`${gateway.simulator.baseUrls.coindesk}${TICK}?${query}`)).json()) as { Data: Record<string, Tick> };
  return body.Data[instrument];
}

async function servedOptionRows(gateway: GatewayUnderTest): Promise<OptionRow[]> {
  const response = await fetch(`${gateway.simulator.baseUrls.deribit}/public/get_book_summary_by_currency?currency=BTC&kind=option`);
  return ((await response.json()) as { result: OptionRow[] }).result;
}

async function servedBitcoinLogo(gateway: GatewayUnderTest): Promise<string> {
  return ((await (await fetch(`${gateway.simulator.baseUrls.coingecko}/coins/bitcoin`)).json()) as { image: { large: string } }).image.large;
}

describe('derivatives streams (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const open = (path: string, query: Record<string, string | number> = {}) => clients.open(path, query);
  const evictVolumes = () => Promise.all(DERIVATIVE_CONTRACTS.map((contract) => gateway.app.get(UpstreamCache).evict(derivativesCacheKeys.tick(contract))));
  const refresh = (stream: string) => gateway.app.get(StreamHub).refreshNow(stream);
  const volumeOf = (tick: Tick) => tick.MOVING_24_HOUR_QUOTE_VOLUME as number;

  beforeAll(async () => {
    // the fault tests make many more calls than a live minute would: a paid key's budget keeps them from waiting on it
    gateway = await startGateway({ env: { COINDESK_CALLS_PER_MINUTE: '600' } });
    gateway.simulator.clock.freeze(FROZEN_AT);
  }, 120_000); // booting the app (storage migrations included) is slow on a busy machine
  afterEach(async () => {
    gateway.simulator.faults.clear();
    await clients.closeAll();
  });
  afterAll(() => gateway.close(), 60_000);

  describe('24h_volume', () => {
    it('sums the 24 h quote volume of the five BTC perpetuals into the seed card', async () => {
      const frame = await open(VOLUME).next(isData, FRAME_WAIT);
      const ticks = await Promise.all(DERIVATIVE_CONTRACTS.map((contract) => servedTick(gateway, contract)));
      const total = ticks.reduce((sum, tick) => sum + volumeOf(tick), 0);
      expect(total).toBeGreaterThan(1e9);
      expect(frame).toMatchObject({ count: 1, adaptive_interval: expect.any(Number), timestamp: expect.any(Number) });
      expect(frame.partial).toBeUndefined();
      expect(frame.stale).toBeUndefined();
      const [card] = frame.results;
      expect(card).toMatchObject({ title: '24h Derivative Volumes', value: usd(total), subtext: 'total volumes across selected derivatives contracts (CoinDesk)' });
      expect(card.details).toEqual(
        DERIVATIVE_CONTRACTS.map(({ market }, i) => ({
          market,
          instrument: ticks[i].MAPPED_INSTRUMENT,
          native_instrument: ticks[i].INSTRUMENT,
          volume: volumeOf(ticks[i]),
          quote_currency: ticks[i].QUOTE_CURRENCY,
          last_update: FROZEN_AT / 1000,
          raw: expect.objectContaining({ MARKET: market, MOVING_24_HOUR_QUOTE_VOLUME: volumeOf(ticks[i]) }),
        })),
      );
      expect(card.details.map((detail: Frame) => detail.quote_currency)).toEqual(['USDT', 'USDT', 'USDT', 'USD', 'USD']);
      // one naming scheme for every market: CoinDesk's mapped names, the venue's own beside them
      expect(card.details.map((detail: Frame) => [detail.market, detail.instrument, detail.native_instrument])).toEqual([
        ['binance', 'BTC-USDT-VANILLA-PERPETUAL', 'BTCUSDT'],
        ['bybit', 'BTC-USDT-VANILLA-PERPETUAL', 'BTCUSDT'],
        ['okex', 'BTC-USDT-VANILLA-PERPETUAL', 'BTC-USDT-SWAP'],
        ['deribit', 'BTC-USD-INVERSE-PERPETUAL', 'BTC-PERPETUAL'],
        ['bitmex', 'BTC-USD-INVERSE-PERPETUAL', 'XBTUSD'],
      ]);
    });

    it('applies the seed example filter on the nested detail rows', async () => {
      const seedExample = await open(VOLUME, { filters: '{"market":"binance"}', sort_by: 'volume', sort_order: 'desc', page: 1, page_size: 10 }).next(isData, FRAME_WAIT);
      expect(seedExample.count).toBe(1);
      expect(seedExample.results[0].title).toBe('24h Derivative Volumes');
      const none = await open(VOLUME, { filters: '{"market":"kraken"}' }).next(isData, FRAME_WAIT);
      expect(none).toMatchObject({ results: [], count: 0 });
      const searched = await open(VOLUME, { search: 'xbtusd' }).next(isData, FRAME_WAIT);
      expect(searched.count).toBe(1);
    });

    it('reports one failing market in the details and missing, and leaves it out of the sum', async () => {
      const client = open(VOLUME);
      await client.next(isData, FRAME_WAIT);
      gateway.simulator.faults.set('coindesk', { kind: '500', status: 503 }, { path: TICK, query: { market: 'bitmex' } });
      await evictVolumes();
      await refresh('24h_volume');
      const frame = await client.next((candidate) => candidate.partial === true, FRAME_WAIT);

      const healthy = DERIVATIVE_CONTRACTS.filter((contract) => contract.market !== 'bitmex');
      const ticks = await Promise.all(healthy.map((contract) => servedTick(gateway, contract)));
      const [card] = frame.results;
      expect(card.value).toBe(usd(ticks.reduce((sum, tick) => sum + volumeOf(tick), 0)));
      expect(card.details.map((detail: Frame) => detail.market)).toEqual(['binance', 'bybit', 'okex', 'deribit', 'bitmex']);
      expect(card.details[4]).toEqual({ market: 'bitmex', instrument: 'BTC-USD-INVERSE-PERPETUAL', native_instrument: 'XBTUSD', error: expect.stringContaining('HTTP 503') });
      for (const detail of card.details) expect(detail.instrument).toMatch(/^BTC-(USDT|USD)-(VANILLA|INVERSE)-PERPETUAL$/);
      expect(frame.missing).toEqual([{ source: 'coindesk bitmex BTC-USD-INVERSE-PERPETUAL', reason: expect.stringContaining('HTTP 503') }]);
      expect(frame.stale).toBeUndefined();
    });

    it('keeps the last good card marked stale when every market fails, then recovers by itself', async () => {
      const client = open(VOLUME);
      await evictVolumes();
      await refresh('24h_volume');
      const good = await client.next((frame) => isData(frame) && frame.partial === undefined && frame.stale === undefined, FRAME_WAIT);

      gateway.simulator.faults.set('coindesk', { kind: '500' });
      await evictVolumes();
      await refresh('24h_volume');
      const stale = await client.next((frame) => frame.stale === true, FRAME_WAIT);
      expect(stale.results).toEqual(good.results);
      expect(stale.stale_reason).toContain('no CoinDesk futures tick could be loaded');
      expect(stale.stale_age_seconds).toBeGreaterThanOrEqual(0);

      gateway.simulator.faults.clear();
      const recovered = await client.next((frame) => isData(frame) && frame.stale === undefined, FRAME_WAIT);
      expect(recovered.results).toEqual(good.results); // frozen clock: same numbers again
    });
  });

  describe('btc_open_interest', () => {
    it('converts the Deribit option open interest to USD with each row’s underlying price, with the CoinGecko logo', async () => {
      const frame = await open(OPEN_INTEREST).next(isData, FRAME_WAIT);
      const rows = await servedOptionRows(gateway);
      const totalUsd = rows.reduce((sum, row) => sum + row.open_interest * (row.underlying_price ?? row.estimated_delivery_price!), 0);
      expect(rows.length).toBeGreaterThanOrEqual(30);
      expect(frame).toMatchObject({ count: 1 });
      expect(frame.partial).toBeUndefined();
      const [card] = frame.results;
      expect(card).toMatchObject({
        title: 'Bitcoin Options Open Interest',
        value: usd(totalUsd),
        subtext: 'total BTC options open interest (Deribit)',
        logo: await servedBitcoinLogo(gateway),
        symbol: 'BTC',
      });
      const series = [...new Set(rows.map((row) => row.instrument_name.split('-').slice(0, 2).join('-')))];
      expect(card.details.map((detail: Frame) => detail.instrument)).toEqual(series); // one row per expiry, nearest first
      for (const detail of card.details) {
        const ofSeries = rows.filter((row) => row.instrument_name.startsWith(`${detail.instrument}-`));
        const seriesUsd = ofSeries.reduce((sum, row) => sum + row.open_interest * row.underlying_price!, 0);
        expect(detail).toMatchObject({ source: 'Deribit', market: 'deribit', instruments: ofSeries.length, last_update: FROZEN_AT / 1000 });
        expect(detail.open_interest).toBeCloseTo(seriesUsd, 1);
      }
    });

    it('applies the seed example filter and sort', async () => {
      const frame = await open(OPEN_INTEREST, { filters: '{"market":"deribit"}', sort_by: 'open_interest', sort_order: 'desc', page: 1, page_size: 10 }).next(isData, FRAME_WAIT);
      expect(frame.count).toBe(1);
      expect(frame.results[0].symbol).toBe('BTC');
    });

    it('shows the card without its logo, marked partial, when CoinGecko is down', async () => {
      const client = open(OPEN_INTEREST);
      const good = await client.next(isData, FRAME_WAIT);
      gateway.simulator.faults.set('coingecko', { kind: '500' });
      await gateway.app.get(UpstreamCache).evict('coingecko:coin:bitcoin');
      await refresh('btc_open_interest');
      const partial = await client.next((frame) => frame.partial === true, FRAME_WAIT);
      expect(partial.missing).toEqual([{ source: 'coingecko /coins/bitcoin', reason: expect.stringContaining('HTTP 500') }]);
      expect(partial.results[0].logo).toBeUndefined();
      expect(partial.results[0]).toMatchObject({ symbol: 'BTC', value: good.results[0].value });
    });

    it('keeps the last good card marked stale when Deribit is down', async () => {
      const client = open(OPEN_INTEREST);
      const good = await client.next(isData, FRAME_WAIT);
      gateway.simulator.faults.set('deribit', { kind: 'html', status: 502 });
      await gateway.app.get(UpstreamCache).evict(derivativesCacheKeys.btcOptions);
      await refresh('btc_open_interest');
      const stale = await client.next((frame) => frame.stale === true, FRAME_WAIT);
      expect(stale.results).toEqual(good.results);
      expect(stale.stale_reason).toContain('deribit');
    });
  });

  it('40 clients over 6 filter sets on both streams cause one upstream call per contract and per source', async () => {
    const cache = gateway.app.get(UpstreamCache);
    await Promise.all([evictVolumes(), cache.evict(derivativesCacheKeys.btcOptions), cache.evict('coingecko:coin:bitcoin')]);
    const before = { coindesk: gateway.simulator.requests('coindesk', TICK), deribit: gateway.simulator.requests('deribit'), coin: gateway.simulator.requests('coingecko', '/coins/bitcoin') };
    const filterSets: Array<Record<string, string | number>> = [{}, { filters: '{"market":"binance"}' }, { search: 'usd' }, { sort_by: 'value' }, { page_size: 1 }, { filters: '{"market":"deribit"}' }];
    const many = Array.from({ length: 40 }, (_, i) => open(i % 2 ? VOLUME : OPEN_INTEREST, filterSets[i % filterSets.length]));
    await Promise.all(many.map((client) => client.next(isData, FRAME_WAIT)));
    // whether the feeds were new or lingering, this refresh and the joins load each evicted key exactly once
    await gateway.app.get(StreamHub).refreshNow();
    expect(gateway.simulator.requests('coindesk', TICK) - before.coindesk).toBe(DERIVATIVE_CONTRACTS.length);
    expect(gateway.simulator.requests('deribit') - before.deribit).toBe(1);
    expect(gateway.simulator.requests('coingecko', '/coins/bitcoin') - before.coin).toBe(1);
  }, 60_000);
});
