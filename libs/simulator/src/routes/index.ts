import { SimulatorRouteModule } from '../route-module';
import { coingeckoRoutes } from './coingecko/coingecko.routes';
import { binanceRoutes } from './binance/binance.routes';
import { coindeskRoutes } from './coindesk/coindesk.routes';
import { deribitRoutes } from './deribit/deribit.routes';
import { defillamaRoutes } from './defillama/defillama.routes';
import { evmRoutes } from './evm/evm.routes';
import { exchangeRoutes } from './exchanges/exchanges.routes';

/**
 * Route modules served by default. A new upstream = a new route module folder + one entry here. The spreads venues'
 * module is built per simulator (`exchangeRoutes({ tickMs })`): its market moves once per venue tick.
 */
export const DEFAULT_ROUTE_MODULES: readonly SimulatorRouteModule[] = [coingeckoRoutes, binanceRoutes, coindeskRoutes, deribitRoutes, defillamaRoutes, evmRoutes, exchangeRoutes()];

export { coingeckoRoutes };
export { binanceRoutes };
export { coindeskRoutes, deribitRoutes };
export { defillamaRoutes };
// named exports only: generic helper names (DAY_MS, ...) must not clash with other route modules'
export { STABLECOIN_CATALOG, catalogByGeckoId, excursionDepth, type CatalogCoin } from './defillama/stablecoin-catalog';
export * from './coindesk/coindesk-payloads';
export * from './deribit/deribit-payloads';
export * from './binance/binance-klines';
export * from './coingecko/coingecko-payloads';
export { evmRoutes };
export { SIMULATED_CHAINS, SimulatedChain, type SimChain, type SimPool, type SimSwap } from './evm/simulated-chain';
export { exchangeRoutes };
export * from './exchanges/venue-market';
export { VENUE_IDS, venueMarketId, simulatedCcxtMarkets } from './exchanges/venue-catalog';
