import { SimulatorRouteModule } from '../route-module';
import { coingeckoRoutes } from './coingecko/coingecko.routes';

/** Route modules served by default. A new upstream = a new route module folder + one entry here. */
export const DEFAULT_ROUTE_MODULES: readonly SimulatorRouteModule[] = [coingeckoRoutes];

export { coingeckoRoutes };
export * from './coingecko/coingecko-payloads';
