import { HEADERS_SCHEMA, listBody, S, viewStreamDescriptor } from '@app/contract';
import { describeStreams } from '@app/realtime';
import { seedStreamName } from '../common/seed-streams';
import { StablecoinsStreams } from './stablecoins.streams';

const MAIN_TABLE_ROW = S.object({
  rank: S.integer(),
  name: S.string(),
  symbol: S.string(),
  logo: S.nullable(S.string('Logo URL.')),
  price: S.nullable(S.number('In vs_currency.')),
  '24h_change_percent': S.nullable(S.number()),
  market_cap: S.nullable(S.number('In vs_currency.')),
});

const MARKETCAP_POINT = S.object({ timestamp: S.integer('Unix seconds.'), marketcap: S.number('USD.') });

const DISTRIBUTION_ROW = S.object({
  stablecoin: S.string('Symbol, e.g. USDT.'),
  name: S.string(),
  chains: S.array(
    S.object({
      chain: S.string(),
      usd: S.number(),
      percent: S.number('Share of total_usd, percent.'),
      change_percent: S.nullable(S.number('Change over the period, percent.')),
    }),
  ),
  total_usd: S.number(),
  change_percent: S.nullable(S.number()),
  timestamp: S.integer('Unix seconds of the DefiLlama snapshot.'),
});

const PRICE_POINT = S.object({ stablecoin: S.string('CoinGecko id.'), time: S.integer('Unix seconds.'), price: S.number() });
const PRICE_SERIES = S.object({ stablecoin: S.string(), data: S.array(S.object({ time: S.integer('Unix seconds.'), price: S.number() })) });
const NULLABLE_TIME = { type: ['number', 'string', 'null'] };

/** The contract of the stablecoin streams (seed 000). */
export const StablecoinsContract = describeStreams(
  (streams: StablecoinsStreams) => [
    viewStreamDescriptor(streams.mainTable, {
      name: seedStreamName(streams.mainTable.path),
      title: 'Stablecoins table',
      description: 'Stablecoins with rank, name, logo, price, 24h change and market cap (DefiLlama joined with CoinGecko).',
      body: listBody('rows', MAIN_TABLE_ROW, { headers: HEADERS_SCHEMA, vs_currency: S.string() }, ['headers', 'vs_currency']),
      row: MAIN_TABLE_ROW,
    }),
    viewStreamDescriptor(streams.marketcapTotalIndex, {
      name: seedStreamName(streams.marketcapTotalIndex.path),
      title: 'Stablecoin market cap index',
      description: 'Total stablecoin market cap over a period, as a chart series with key stats (DefiLlama).',
      body: S.object({
        chart: S.object({ x_label: S.string(), y_label: S.string(), data: S.array(MARKETCAP_POINT, 'The page of matching points.') }),
        key_stats: S.object({ latest_market_cap: S.nullable(S.number()), price: S.nullable(S.number()), controller: S.string('The period.') }),
        count: S.integer('Matching points before pagination.'),
        period: S.string(),
      }),
      row: MARKETCAP_POINT,
    }),
    viewStreamDescriptor(streams.distributionAnalysis, {
      name: seedStreamName(streams.distributionAnalysis.path),
      title: 'Stablecoin distribution across chains',
      description: "Each stablecoin's circulating amount split over the chosen chains, with shares and change over the period (DefiLlama).",
      body: listBody(
        'rows',
        DISTRIBUTION_ROW,
        { headers: HEADERS_SCHEMA, query_params: S.object({ chains: S.array(S.string()), period: S.string() }) },
        ['headers', 'query_params'],
      ),
      row: DISTRIBUTION_ROW,
    }),
    viewStreamDescriptor(streams.comparativePriceTimeseries, {
      name: seedStreamName(streams.comparativePriceTimeseries.path),
      title: 'Comparative stablecoin prices',
      description: 'Price series of several stablecoins side by side (CoinGecko market charts); the filter pipe runs over {stablecoin, time, price} points.',
      body: S.object({
        y_axis: S.string(),
        x_axis: S.string(),
        data_series: S.array(PRICE_SERIES),
        count: S.integer('Matching points before pagination.'),
        timeframe_applied: S.string(),
        query_params: S.object({
          stablecoin_ids: S.array(S.string()),
          vs_currency: S.string(),
          days: S.integer(),
          timeframe: S.nullable(S.string()),
          start_time: NULLABLE_TIME,
          end_time: NULLABLE_TIME,
        }),
      }),
      row: PRICE_POINT,
    }),
  ],
  [StablecoinsStreams],
);
