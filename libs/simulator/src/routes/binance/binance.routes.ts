import { json, SimulatorContext, SimulatorRequest, SimulatorResponse, SimulatorRouteModule } from '../../route-module';
import { BINANCE_INTERVAL_MS, BinanceKlineRow, BinanceMarket, buildKlineProfiles, KlineGenerator, klineOpenTimes } from './binance-klines';

const RECORDED_BTC_FUTURES_5M = 'fapi-v1-klines-BTCUSDT-5m-2rows.json';

// Binance's own error bodies (code, msg) for bad kline requests
const binanceError = (code: number, msg: string, status = 400): SimulatorResponse => json({ code, msg }, status);

/** `limit` default and cap: spot 500/1000, USD-M futures 500/1500 (Binance docs). */
const LIMIT_CAP: Record<BinanceMarket, number> = { spot: 1000, futures: 1500 };

function klines(market: BinanceMarket) {
  return ({ query }: SimulatorRequest, { fixtures, drift, nowMs }: SimulatorContext): SimulatorResponse => {
    const symbol = query.get('symbol')?.toUpperCase();
    if (!symbol) return binanceError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    const interval = query.get('interval');
    if (!interval) return binanceError(-1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
    const intervalMs = BINANCE_INTERVAL_MS[interval];
    if (!intervalMs) return binanceError(-1120, 'Invalid interval.');
    const limit = query.has('limit') ? Number(query.get('limit')) : 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_CAP[market]) return binanceError(-1130, 'Data sent for parameter \'limit\' is not valid.');
    const startTime = optionalMs(query.get('startTime'));
    const endTime = optionalMs(query.get('endTime'));
    if (startTime === null || endTime === null) return binanceError(-1100, 'Illegal characters found in a parameter.');

    const generator = new KlineGenerator(drift, buildKlineProfiles(fixtures.json<BinanceKlineRow[]>('binance', RECORDED_BTC_FUTURES_5M)));
    if (!generator.hasSymbol(market, symbol)) return binanceError(-1121, 'Invalid symbol.');
    const rows = klineOpenTimes({ intervalMs, startTime, endTime, limit }, nowMs).map((openTime) =>
      generator.kline(market, symbol, intervalMs, openTime, nowMs),
    );
    return json(rows);
  };
}

/** undefined when absent, null when not an integer */
function optionalMs(value: string | null): number | undefined | null {
  if (value === null || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * Binance spot (`/api/v3/klines`, host api.binance.com) and USD-M futures (`/fapi/v1/klines`, host fapi.binance.com),
 * both under `baseUrls.binance`. Simulated 5-minute bars with the recorded BTC perpetual's levels; longer intervals are
 * exact sums of them; the newest row is the bar still open, as on the real API.
 */
export const binanceRoutes: SimulatorRouteModule = {
  upstream: 'binance',
  routes: [
    { path: '/api/v3/ping', handle: () => json({}) },
    { path: '/api/v3/klines', handle: klines('spot') },
    { path: '/fapi/v1/ping', handle: () => json({}) },
    { path: '/fapi/v1/klines', handle: klines('futures') },
  ],
  notFound: () => binanceError(-1000, 'An unknown error occurred while processing the request.', 404),
};
