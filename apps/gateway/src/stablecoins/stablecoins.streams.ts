import { Injectable } from '@nestjs/common';
import { applyQuery, rowFields } from '@app/query';
import { fromCached, loadTiming, settleParts, type StreamDefinition, type StreamLoad } from '@app/realtime';
import { COINGECKO_CHART_CACHE, COINGECKO_MARKETS_CACHE, CoinGeckoMarketData, DEFILLAMA_CACHE, DefiLlamaMarketData } from '@app/upstream';
import { STABLECOINS_WS_PREFIX } from '../common/seed-paths';
import { DISTRIBUTION_HEADERS, distributionRows, type DistributionRow } from './distribution';
import { MAIN_TABLE_HEADERS, mergeStablecoinRows, type MainTableRow } from './main-table';
import { marketcapIndex, type MarketcapIndex, type MarketcapPoint } from './marketcap-index';
import { flattenPriceCharts, priceAxisLabel, regroupPriceSeries, type PricePoint } from './price-timeseries';
import { ComparativePriceParams, DistributionParams, MainTableParams, MarketcapIndexParams } from './stablecoins.params';

export const STABLECOINS_PATHS = {
  mainTable: `${STABLECOINS_WS_PREFIX}/ws/main_table`,
  marketcapTotalIndex: `${STABLECOINS_WS_PREFIX}/ws/marketcap_total_index`,
  distributionAnalysis: `${STABLECOINS_WS_PREFIX}/ws/distribution_analysis`,
  comparativePriceTimeseries: `${STABLECOINS_WS_PREFIX}/ws/comparative_price_timeseries`,
} as const;

const MISSING_SOURCE = {
  stablecoins: 'defillama /stablecoins',
  charts: 'defillama /stablecoincharts/all',
  markets: 'coingecko /coins/markets',
  chart: (id: string) => `coingecko /coins/${id}/market_chart`,
};

/** The four stablecoin streams of seed 000 (rendering is pure; loading goes through the shared cache). */
@Injectable()
export class StablecoinsStreams {
  readonly mainTable: StreamDefinition<MainTableParams, MainTableRow[]>;
  readonly marketcapTotalIndex: StreamDefinition<MarketcapIndexParams, MarketcapIndex>;
  readonly distributionAnalysis: StreamDefinition<DistributionParams, DistributionRow[]>;
  readonly comparativePriceTimeseries: StreamDefinition<ComparativePriceParams, PricePoint[]>;

  constructor(
    private readonly defillama: DefiLlamaMarketData,
    private readonly coingecko: CoinGeckoMarketData,
  ) {
    this.mainTable = {
      name: 'main_table',
      path: STABLECOINS_PATHS.mainTable,
      paramsType: MainTableParams,
      requiresAuth: true,
      rowFields: rowFields<MainTableRow>({ rank: true, name: true, symbol: true, logo: true, price: true, '24h_change_percent': true, market_cap: true }),
      // one CoinGecko call per refresh (DefiLlama, 10 min fresh, is mostly served from the cache)
      refresh: { freshMs: COINGECKO_MARKETS_CACHE.freshMs, callsPerRefresh: 1, budget: coingecko },
      load: (params) => this.loadMainTable(params),
      render: (rows, query, params, { now, memo }) => {
        const result = applyQuery(rows, query, now, memo);
        return { headers: MAIN_TABLE_HEADERS, rows: result.rows, count: result.count, vs_currency: params.vs_currency };
      },
    };
    this.marketcapTotalIndex = {
      name: 'marketcap_total_index',
      path: STABLECOINS_PATHS.marketcapTotalIndex,
      paramsType: MarketcapIndexParams,
      requiresAuth: true,
      rowFields: rowFields<MarketcapPoint>({ timestamp: true, marketcap: true }),
      refresh: { freshMs: DEFILLAMA_CACHE.freshMs, callsPerRefresh: 1, budget: defillama },
      load: async (params) => fromCached(await defillama.totalCharts(), (charts) => marketcapIndex(charts, params.period)),
      render: (index, query, params, { now, memo }) => {
        const result = applyQuery(index.data, query, now, memo);
        return {
          chart: { x_label: 'Time (unix timestamp)', y_label: 'Total Market Cap (USD)', data: result.rows },
          key_stats: index.key_stats,
          count: result.count,
          period: params.period,
        };
      },
    };
    this.distributionAnalysis = {
      name: 'distribution_analysis',
      path: STABLECOINS_PATHS.distributionAnalysis,
      paramsType: DistributionParams,
      requiresAuth: true,
      rowFields: rowFields<DistributionRow>({
        stablecoin: true,
        name: true,
        chains: { chain: true, usd: true, percent: true, change_percent: true },
        total_usd: true,
        change_percent: true,
        timestamp: true,
      }),
      refresh: { freshMs: DEFILLAMA_CACHE.freshMs, callsPerRefresh: 1, budget: defillama },
      load: async (params) => {
        const stablecoins = await defillama.stablecoins();
        const rows = distributionRows(stablecoins.value.peggedAssets, params.chains, params.period, Math.floor(stablecoins.fetchedAt / 1000));
        return fromCached(stablecoins, () => rows);
      },
      render: (rows, query, params, { now, memo }) => {
        const result = applyQuery(rows, query, now, memo);
        return { headers: DISTRIBUTION_HEADERS, rows: result.rows, count: result.count, query_params: { chains: params.chains, period: params.period } };
      },
    };
    this.comparativePriceTimeseries = {
      name: 'comparative_price_timeseries',
      path: STABLECOINS_PATHS.comparativePriceTimeseries,
      paramsType: ComparativePriceParams,
      queryOptions: { defaultTimeField: 'time' },
      requiresAuth: true,
      rowFields: rowFields<PricePoint>({ stablecoin: true, time: true, price: true }),
      // the default three ids: one market_chart call each when the cache is cold
      refresh: { freshMs: COINGECKO_CHART_CACHE.freshMs, callsPerRefresh: 3, budget: coingecko },
      load: (params) => this.loadComparative(params),
      render: (points, query, params, { now, memo }) => {
        const result = applyQuery(points, query, now, memo);
        const echoed = query.params;
        return {
          y_axis: priceAxisLabel(params.vs_currency),
          x_axis: 'Time (unix timestamp)',
          data_series: regroupPriceSeries(result.rows, params.stablecoin_ids),
          count: result.count,
          timeframe_applied: echoed.timeframe ?? `${params.days}d`,
          query_params: {
            stablecoin_ids: params.stablecoin_ids,
            vs_currency: params.vs_currency,
            days: params.days,
            timeframe: echoed.timeframe ?? null,
            start_time: echoed.start_time ?? null,
            end_time: echoed.end_time ?? null,
          },
        };
      },
    };
  }

  /** DefiLlama and CoinGecko concurrently; either alone still makes a (partial) table. */
  private async loadMainTable(params: MainTableParams): Promise<StreamLoad<MainTableRow[]>> {
    const settled = await settleParts([
      { source: MISSING_SOURCE.stablecoins, read: this.defillama.stablecoins() },
      { source: MISSING_SOURCE.markets, read: this.coingecko.categoryMarkets('stablecoins', params.vs_currency) },
    ] as const);
    if (settled.allFailed) throw settled.firstError;
    const [stablecoins, markets] = settled.values;
    return {
      data: mergeStablecoinRows(stablecoins?.peggedAssets, markets, params.vs_currency),
      ...loadTiming(settled),
      missing: settled.missing,
    };
  }

  /** One market_chart per id, concurrently; a failed id is named in `missing`, the others still plot. */
  private async loadComparative(params: ComparativePriceParams): Promise<StreamLoad<PricePoint[]>> {
    const settled = await settleParts(
      params.stablecoin_ids.map((id) => ({ source: MISSING_SOURCE.chart(id), read: this.coingecko.marketChart(id, params.vs_currency, params.days) })),
    );
    if (settled.allFailed) throw settled.firstError;
    const charts = params.stablecoin_ids.flatMap((id, index) => {
      const chart = settled.values[index];
      return chart ? [{ id, chart }] : [];
    });
    return { data: flattenPriceCharts(charts), ...loadTiming(settled), missing: settled.missing };
  }
}
