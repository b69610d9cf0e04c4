import { simulatedCcxtMarkets } from '@app/simulator';
import type * as ccxt from 'ccxt';
import { Agent } from 'node:http';

/**
 * Moves every venue URL of a ccxt (or ccxt.pro) instance under `rootUrl`, keeping host and path: `https://api.{hostname}`
 * becomes `<root>/api.{hostname}` and `wss://…` becomes `<ws root>/…`, imploded by ccxt as usual, so ccxt builds the
 * real request paths. Used for the simulator's venues (sandbox) and for `SPREADS_VENUES_BASE_URL` (an egress relay that
 * serves each venue under its host name; the offline test points it at a closed port).
 */
export function relayVenueUrls(exchange: ccxt.Exchange, rootUrl: string): void {
  const root = rootUrl.replace(/\/+$/, '');
  const wsRoot = root.replace(/^http/, 'ws');
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/^https:\/\//, `${root}/`).replace(/^wss:\/\//, `${wsRoot}/`);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    return value;
  };
  exchange.urls = { ...exchange.urls, api: rewrite(exchange.urls.api) as ccxt.Exchange['urls']['api'] };
  // what `loadHttpProxyAgent()` sets (synchronously here): ccxt.pro refuses plain ws:// URLs without an http agent
  if (root.startsWith('http://')) (exchange as unknown as { httpAgent?: Agent }).httpAgent ??= new Agent({ keepAlive: true });
}

/**
 * Sandbox wiring of a ccxt (or ccxt.pro) instance: the same class, parser and adapter as live, talking to the upstream
 * simulator instead of the venue (`relayVenueUrls`). The simulated markets are set through `setMarkets`, so
 * `loadMarkets` never goes out (the adapters load markets only when none are set). ccxt's throttle, which models each
 * venue's request weights (Binance USDⓈ-M's all-symbol ticker alone waits 2 s), is off: the simulator has no limits
 * and its market moves every tick, so every leg must be read once a tick.
 */
export function pointAtSimulatedVenues(exchange: ccxt.Exchange, ccxtClass: string, venuesRootUrl: string): void {
  relayVenueUrls(exchange, venuesRootUrl);
  exchange.enableRateLimit = false;
  exchange.setMarkets(simulatedCcxtMarkets(ccxtClass) as unknown as ccxt.Market[]);
}
