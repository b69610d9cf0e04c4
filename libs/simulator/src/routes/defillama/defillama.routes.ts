import { json, SimulatorRouteModule, SimulatorResponse } from '../../route-module';
import { ChartPointPayload, PricePointPayload, RecordedAsset, simulateAllCharts, simulatePrices, simulateStablecoins } from './defillama-payloads';

// The real server regenerates these by cron and says so; clients may rely on it for their own cache policy.
const CACHE_HEADERS = { 'cache-control': 'public, max-age=1800' };
const cached = (body: unknown): SimulatorResponse => json(body, 200, CACHE_HEADERS);

/** DefiLlama stablecoins API, relative to `baseUrls.defillama` (= `/defillama`, the host root of stablecoins.llama.fi). */
export const defillamaRoutes: SimulatorRouteModule = {
  upstream: 'defillama',
  routes: [
    {
      // `includePrices` is accepted and ignored, as by the real server (price is always there)
      path: '/stablecoins',
      handle: (_request, { fixtures, drift, nowMs }) =>
        cached(simulateStablecoins(fixtures.json<RecordedAsset>('defillama', 'stablecoin-1-trimmed-2023.json'), drift, nowMs)),
    },
    {
      path: '/stablecoinchains',
      handle: (_request, { fixtures, drift, nowMs }) =>
        cached(simulateStablecoins(fixtures.json<RecordedAsset>('defillama', 'stablecoin-1-trimmed-2023.json'), drift, nowMs).chains),
    },
    {
      path: '/stablecoincharts/all',
      handle: (_request, { fixtures, drift, nowMs }) => {
        const [first] = fixtures.json<ChartPointPayload[]>('defillama', 'stablecoincharts-all-stablecoin2-first-item.json');
        return cached(simulateAllCharts(first, drift.seed, nowMs));
      },
    },
    {
      path: '/stablecoinprices',
      handle: (_request, { fixtures, drift, nowMs }) => {
        const recorded = fixtures.json<PricePointPayload[]>('defillama', 'stablecoinprices-last-item-2024-subset.json');
        return cached(simulatePrices(recorded[recorded.length - 1], drift.seed, nowMs));
      },
    },
  ],
};
