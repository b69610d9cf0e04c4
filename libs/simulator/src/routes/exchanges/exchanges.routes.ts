import { json, type SimulatorContext, type SimulatorRequest, type SimulatorResponse, type SimulatorRouteModule } from '../../route-module';
import * as payloads from './exchange-payloads';
import { DEFAULT_VENUE_TICK_MS, simulatedMarketAt, simulatedTickAt, type SimMarketTick } from './venue-market';

type Build = (venue: payloads.VenuePayloads, request: SimulatorRequest) => SimulatorResponse;

/**
 * The spreads venues' public REST ticker endpoints (and GeckoTerminal's pools), mounted at `/exchanges/<real host>/<real
 * path>`: a ccxt instance whose `urls.api` hosts are rewritten to `<simulator>/exchanges/<host>` builds exactly the paths
 * it builds live (see apps/gateway/src/spreads/sources/sandbox-venues.ts). Prices are the simulated market of the tick
 * the request arrives in (`venue-market.ts`); each answer is shaped like the venue's recorded one.
 */
export function exchangeRoutes(options: { tickMs?: number } = {}): SimulatorRouteModule {
  const tickMs = options.tickMs ?? DEFAULT_VENUE_TICK_MS;
  let cached: SimMarketTick | undefined;
  let cachedSeed: number | undefined;
  const marketAt = (seed: number, nowMs: number): SimMarketTick => {
    const tick = simulatedTickAt(nowMs, tickMs);
    if (cached?.tick !== tick || cachedSeed !== seed) {
      cached = simulatedMarketAt(seed, tick);
      cachedSeed = seed;
    }
    return cached;
  };
  const route = (path: string, build: Build) => ({
    path,
    handle: (request: SimulatorRequest, { fixtures, drift, nowMs }: SimulatorContext): SimulatorResponse => {
      return build({ fixtures, market: marketAt(drift.seed, nowMs), nowMs }, request);
    },
  });
  const byQuery = (name: string, answers: Record<string, Build>, error: () => SimulatorResponse): Build => (venue, request) => {
    const value = request.query.get(name) ?? '';
    return Object.hasOwn(answers, value) ? answers[value](venue, request) : error();
  };
  return {
    upstream: 'exchanges',
    routes: [
      route('/api.binance.com/api/v3/ticker/24hr', (venue) => json(payloads.binanceTicker24hr(venue, 'spot'))),
      route('/fapi.binance.com/fapi/v1/ticker/24hr', (venue) => json(payloads.binanceTicker24hr(venue, 'futures'))),
      route('/fapi.binance.com/fapi/v1/ticker/bookTicker', (venue) => json(payloads.binanceBookTicker(venue))),
      route('/fapi.binance.com/fapi/v1/premiumIndex', (venue) => json(payloads.binancePremiumIndex(venue))),
      route(
        '/api.bybit.com/v5/market/tickers',
        byQuery('category', { spot: (v) => json(payloads.bybitTickers(v, 'spot')), linear: (v) => json(payloads.bybitTickers(v, 'linear')) }, () =>
          json({ retCode: 10001, retMsg: 'params error: category only support spot, linear here', result: {}, retExtInfo: {}, time: Date.now() }),
        ),
      ),
      route(
        '/www.okx.com/api/v5/market/tickers',
        byQuery('instType', { SPOT: (v) => json(payloads.okxTickers(v, 'SPOT')), SWAP: (v) => json(payloads.okxTickers(v, 'SWAP')) }, () =>
          json({ code: '51000', msg: 'Parameter instType error', data: [] }, 400),
        ),
      ),
      route(
        '/www.okx.com/api/v5/public/mark-price',
        byQuery('instType', { SWAP: (v) => json(payloads.okxMarkPrices(v)) }, () => json({ code: '51000', msg: 'Parameter instType error', data: [] }, 400)),
      ),
      route('/api.gateio.ws/api/v4/spot/tickers', (venue) => json(payloads.gateTickers(venue, 'spot'))),
      route('/api.gateio.ws/api/v4/futures/usdt/tickers', (venue) => json(payloads.gateTickers(venue, 'futures'))),
      route('/api.bitget.com/api/v2/spot/market/tickers', (venue) => json(payloads.bitgetTickers(venue, 'spot'))),
      route(
        '/api.bitget.com/api/v2/mix/market/tickers',
        byQuery('productType', { 'USDT-FUTURES': (v) => json(payloads.bitgetTickers(v, 'futures')) }, () =>
          json({ code: '40020', msg: 'Parameter productType error', requestTime: Date.now(), data: null }, 400),
        ),
      ),
      route('/api.mexc.com/api/v3/ticker/24hr', (venue) => json(payloads.mexcTickers(venue, 'spot'))),
      route('/api.mexc.com/api/v1/contract/ticker', (venue) => json(payloads.mexcTickers(venue, 'futures'))),
      route('/api.kucoin.com/api/v1/market/allTickers', (venue) => json(payloads.kucoinAllTickers(venue))),
      route('/api-futures.kucoin.com/api/v1/contracts/active', (venue) => json(payloads.kucoinFuturesContracts(venue))),
      route('/api.geckoterminal.com/api/v2/networks/:network/pools', (venue, request) => json(payloads.geckoTerminalPools(venue, request.params.network))),
    ],
  };
}
