import { json, SimulatorRouteModule } from '../../route-module';
import { CoinPayload, GlobalPayload, simulateCoin, simulateGlobal } from './coingecko-payloads';
import {
  catalogByGeckoId,
  MarketChartPayload,
  MarketRowPayload,
  simulateRecordedChart,
  simulateStablecoinChart,
  simulateStablecoinMarkets,
  vsRate,
} from './coingecko-stablecoins';

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
      // must precede /coins/:id, which would match it. Stablecoin rows (see coingecko-stablecoins.ts); without a
      // category the recorded top row (bitcoin) comes first; `ids`, `per_page`, `page` are honoured.
      path: '/coins/markets',
      handle: ({ query }, { fixtures, drift, nowMs }) => {
        const vs = query.get('vs_currency');
        if (!vs) return json({ error: 'Missing parameter vs_currency' }, 400);
        const rate = vsRate(fixtures.json<GlobalPayload>('coingecko', 'global.json').data.total_market_cap, vs);
        if (rate === undefined) return json({ error: 'invalid vs_currency' }, 400);
        const category = query.get('category');
        const stablecoins = simulateStablecoinMarkets(fixtures.json<MarketRowPayload[]>('coingecko', 'coins-markets-stablecoin-items.json'), drift, nowMs, rate);
        let rows = category === 'stablecoins' ? stablecoins : category ? [] : [...fixtures.json<MarketRowPayload[]>('coingecko', 'coins-markets-top-item.json'), ...stablecoins];
        const ids = query.get('ids')?.split(',').map((id) => id.trim());
        if (ids && !category) rows = rows.filter((row) => ids.includes(row.id));
        const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 100) || 100, 1), 250);
        const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
        return json(rows.slice((page - 1) * perPage, page * perPage));
      },
    },
    {
      path: '/coins/:id/market_chart',
      handle: ({ params, query }, { fixtures, drift, nowMs }) => {
        const vs = query.get('vs_currency');
        const days = Number(query.get('days'));
        if (!vs || !(days > 0)) return json({ error: 'Missing or invalid parameter vs_currency / days' }, 400);
        const rate = vsRate(fixtures.json<GlobalPayload>('coingecko', 'global.json').data.total_market_cap, vs);
        if (rate === undefined) return json({ error: 'invalid vs_currency' }, 400);
        const coin = catalogByGeckoId(params.id);
        if (coin) return json(simulateStablecoinChart(coin, drift, nowMs, days, rate));
        if (params.id === 'bitcoin') return json(simulateRecordedChart(fixtures.json<MarketChartPayload>('coingecko', 'market-chart-bitcoin-usd-7d-subset.json'), nowMs, days));
        return json({ error: 'coin not found' }, 404);
      },
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
