import { loadGatewayConfig as loadConfig } from '../../../gateway-config';
import { SIM_SYMBOLS, SIM_VENUES, simulatedMarketAt, simulatedTickAt, startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import type { Quote } from '../../domain/quote';
import { createCcxtVenueSources, loadCcxtClass, type CcxtVenueSource } from './ccxt-venue-source';
import type { CcxtWatchSource } from './ccxt-watch-source';
import { pointAtSimulatedVenues, relayVenueUrls } from './simulated-venues';

const SEED = 11;
const TICK_MS = 1_000;

/** The model's quote of a leg at the simulator's (frozen) time. */
function modelTicker(atMs: number, venue: string, kind: 'spot' | 'futures', symbol: string) {
  return simulatedMarketAt(SEED, simulatedTickAt(atMs, TICK_MS)).tickers.find((t) => t.venue === venue && t.kind === kind && `${t.base}_${t.quote}` === symbol)!;
}

function expectModelPrices(quotes: readonly Quote[], atMs: number): void {
  for (const quote of quotes) {
    const model = modelTicker(atMs, quote.venue.toLowerCase(), quote.kind as 'spot' | 'futures', quote.symbol);
    // the venues write 10 significant digits
    expect(Math.abs(quote.price / model.price - 1)).toBeLessThan(1e-8);
    if (quote.kind === 'futures') expect(Math.abs(quote.mark! / model.mark! - 1)).toBeLessThan(1e-8);
  }
}

describe('sandbox venues: the ccxt sources pointed at the simulator (real ccxt parsing, real HTTP and WebSocket)', () => {
  let simulator: UpstreamSimulator;
  const frozenAt = Math.floor(Date.now() / TICK_MS) * TICK_MS + 100;

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: SEED, control: true, venueTickMs: TICK_MS });
    simulator.clock.freeze(frozenAt);
  });
  afterAll(() => simulator.close());

  const sourcesFor = (env: Record<string, string>) =>
    createCcxtVenueSources(loadConfig({ NODE_ENV: 'test', ...env }).spreads, {
      prepare: (exchange, exchangeId) => pointAtSimulatedVenues(exchange, exchangeId, simulator.baseUrls.exchanges),
    });

  it('every leg of the seven venues polls its real REST paths on the simulator and parses to the simulated prices', async () => {
    simulator.log.reset();
    const sources = sourcesFor({ SPREADS_WATCH_VENUES: 'none' }) as CcxtVenueSource[];
    expect(sources.map((source) => source.name)).toEqual(SIM_VENUES.map((venue) => `ccxt:${venue}`));
    for (const source of sources) {
      for (const leg of source.legs) {
        const quotes = await source.pollLeg(leg);
        expect(quotes.map((quote) => quote.symbol).sort()).toEqual(SIM_SYMBOLS.map(({ base, quote }) => `${base}_${quote}`).sort());
        expect(quotes.every((quote) => quote.venue === source.venue.name && quote.kind === leg.spec.kind)).toBe(true);
        expectModelPrices(quotes, frozenAt);
      }
      await source.stop();
    }
    // loadMarkets never ran (markets are set from the catalogue): only ticker endpoints were asked
    expect(simulator.log.recent().map((request) => request.path)).toEqual([
      '/api.binance.com/api/v3/ticker/24hr',
      '/fapi.binance.com/fapi/v1/ticker/24hr',
      '/fapi.binance.com/fapi/v1/ticker/bookTicker',
      '/fapi.binance.com/fapi/v1/premiumIndex',
      '/api.bybit.com/v5/market/tickers',
      '/api.bybit.com/v5/market/tickers',
      '/www.okx.com/api/v5/market/tickers',
      '/www.okx.com/api/v5/market/tickers',
      '/www.okx.com/api/v5/public/mark-price',
      '/api.gateio.ws/api/v4/spot/tickers',
      '/api.gateio.ws/api/v4/futures/usdt/tickers',
      '/api.bitget.com/api/v2/spot/market/tickers',
      '/api.bitget.com/api/v2/mix/market/tickers',
      '/api.mexc.com/api/v3/ticker/24hr',
      '/api.mexc.com/api/v1/contract/ticker',
      '/api.kucoin.com/api/v1/market/allTickers',
      '/api-futures.kucoin.com/api/v1/contracts/active',
    ]);
  });

  it('Bybit and OKX stream every symbol of both legs through ccxt.pro (urls.api.ws on the simulator)', async () => {
    simulator.log.reset();
    const sources = sourcesFor({ SPREADS_VENUES: 'bybit,okx', SPREADS_WATCH_VENUES: 'bybit,okx' }) as CcxtWatchSource[];
    const seen = new Map<string, Quote>();
    for (const source of sources) source.start((quotes) => quotes.forEach((quote) => seen.set(`${quote.venue}:${quote.kind}:${quote.symbol}`, quote)));
    const deadline = Date.now() + 10_000;
    // OKX's swap marks come on their own channel: a swap ticker can arrive before its symbol's first mark
    const complete = () => seen.size === 4 * SIM_SYMBOLS.length && [...seen.values()].every((quote) => quote.kind === 'spot' || quote.mark !== undefined);
    while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all(sources.map((source) => source.stop()));
    expect(seen.size).toBe(4 * SIM_SYMBOLS.length);
    expect([...seen.values()].every((quote) => quote.bid !== undefined && quote.ask !== undefined)).toBe(true); // Bybit spot: from orderbook.1
    expectModelPrices([...seen.values()], frozenAt);
    // streamed, not polled: the only requests are the three WebSocket upgrades
    expect(simulator.log.recent().map((request) => request.path).sort()).toEqual(['/stream.bybit.com/v5/public/linear', '/stream.bybit.com/v5/public/spot', '/ws.okx.com:8443/ws/v5/public']);
  });
});

describe('sandbox venues streaming in bursts (every symbol of a push in one read)', () => {
  let simulator: UpstreamSimulator;
  const frozenAt = Math.floor(Date.now() / TICK_MS) * TICK_MS + 100;

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: SEED, control: true, venueTickMs: TICK_MS, venueStreamBursts: true });
    simulator.clock.freeze(frozenAt);
  });
  afterAll(() => simulator.close());

  it('quotes every symbol, not only the first frame of each read (ccxt.pro returns that one; the rest is in its cache)', async () => {
    const sources = createCcxtVenueSources(loadConfig({ NODE_ENV: 'test', SPREADS_VENUES: 'bybit', SPREADS_WATCH_VENUES: 'bybit' }).spreads, {
      prepare: (exchange, exchangeId) => pointAtSimulatedVenues(exchange, exchangeId, simulator.baseUrls.exchanges),
    }) as CcxtWatchSource[];
    const seen = new Map<string, Quote>();
    for (const source of sources) source.start((quotes) => quotes.forEach((quote) => seen.set(`${quote.kind}:${quote.symbol}`, quote)));
    // spot: tickers and the best bid/ask (orderbook.1), each a burst; linear: tickers
    const complete = () => seen.size === 2 * SIM_SYMBOLS.length && [...seen.values()].every((quote) => quote.bid !== undefined && quote.ask !== undefined);
    const deadline = Date.now() + 10_000;
    while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all(sources.map((source) => source.stop()));
    expect([...seen.keys()].sort()).toEqual(SIM_SYMBOLS.flatMap(({ base, quote }) => [`futures:${base}_${quote}`, `spot:${base}_${quote}`]).sort());
    expect([...seen.values()].every((quote) => quote.bid !== undefined && quote.ask !== undefined)).toBe(true);
    expectModelPrices([...seen.values()], frozenAt);
    // streamed, not polled
    expect(simulator.log.recent().map((request) => request.path).sort()).toEqual(['/stream.bybit.com/v5/public/linear', '/stream.bybit.com/v5/public/spot']);
  });
});

describe('relayVenueUrls (SPREADS_VENUES_BASE_URL)', () => {
  const urlsOf = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(urlsOf) : [];

  it('moves every REST and WebSocket URL under the relay, keeping host and path', () => {
    const Binance = loadCcxtClass('binance', true);
    const original = urlsOf(new Binance({}).urls.api);
    const exchange = new Binance({});
    relayVenueUrls(exchange, 'https://relay.example/venues/');
    const relayed = urlsOf(exchange.urls.api);
    expect(relayed).toHaveLength(original.length);
    expect(original.some((url) => url.startsWith('wss://'))).toBe(true);
    relayed.forEach((url, index) => {
      const expected = original[index].replace(/^https:\/\//, 'https://relay.example/venues/').replace(/^wss:\/\//, 'wss://relay.example/venues/');
      expect(url).toBe(expected);
    });
    expect(relayed.some((url) => url.startsWith('https://relay.example/venues/api.binance.com/'))).toBe(true);
    expect((exchange as unknown as { httpAgent?: unknown }).httpAgent).toBeUndefined();
  });

  it('on a plain http relay the streams go over ws:// with an http agent (ccxt.pro refuses ws:// without one)', () => {
    const Bybit = loadCcxtClass('bybit', true);
    const exchange = new Bybit({});
    relayVenueUrls(exchange, 'http://127.0.0.1:9');
    const relayed = urlsOf(exchange.urls.api);
    expect(relayed.every((url) => url.startsWith('http://127.0.0.1:9/') || url.startsWith('ws://127.0.0.1:9/'))).toBe(true);
    expect(relayed.some((url) => url.startsWith('ws://127.0.0.1:9/stream.bybit.com/'))).toBe(true);
    expect((exchange as unknown as { httpAgent?: unknown }).httpAgent).toBeDefined();
  });
});
