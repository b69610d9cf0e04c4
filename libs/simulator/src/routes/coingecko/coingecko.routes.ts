import { json, SimulatorRouteModule } from '../../route-module';
import { CoinPayload, GlobalPayload, simulateCoin, simulateGlobal } from './coingecko-payloads';

/** CoinGecko v3, relative to `baseUrls.coingecko` (= `/coingecko/api/v3`). */
export const coingeckoRoutes: SimulatorRouteModule = {
  upstream: 'coingecko',
  routes: [
    {
      path: '/ping',
      handle: () => json({ gecko_says: '(V3) To the Moon!' }),
    },
    {
      path: '/global',
      handle: (_request, { fixtures, drift, nowMs }) =>
        json(simulateGlobal(fixtures.json<GlobalPayload>('coingecko', 'global.json'), drift, nowMs)),
    },
    {
      // Query flags (market_data, tickers, ...) are accepted and ignored: the recording was made with all of them false.
      path: '/coins/:id',
      handle: ({ params }, { fixtures, nowMs }) => {
        const coin = simulateCoin(fixtures.json<CoinPayload>('coingecko', 'coins-bitcoin.json'), params.id, nowMs);
        // CoinGecko's real answer for an unknown id
        return coin ? json(coin) : json({ error: 'coin not found' }, 404);
      },
    },
  ],
};
