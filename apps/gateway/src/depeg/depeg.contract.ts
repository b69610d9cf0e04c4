import { HEADERS_SCHEMA, listBody, S, viewStreamDescriptor } from '@app/contract';
import { describeStreams } from '@app/realtime';
import { seedStreamName } from '../common/seed-streams';
import { DepegStreams } from './depeg.stream';

const DEPEG_EVENT = S.object({
  timestamp: S.integer('Unix seconds: when the episode started.'),
  stablecoin: S.string('Symbol, e.g. USDT.'),
  stablecoin_id: S.string('DefiLlama asset id.'),
  name: S.string(),
  price: S.number('USD price: the live one (current) or the furthest from the peg (historical).'),
  target_peg: S.number('USD value of one unit of the peg.'),
  depeg_depth: S.number('|price − target_peg| in USD.'),
  depeg_percentage: S.number('depeg_depth / target_peg × 100.'),
  volume: S.number('Circulating supply in USD.'),
  severity_score: S.number(),
  duration: S.number('Minutes.'),
  logo: S.nullable(S.string()),
  peg_type: S.string('e.g. peggedUSD'),
  event_type: { type: 'string', enum: ['current', 'historical'] },
});

/** The contract of `ws/event_logs` (seed 000). */
export const DepegContract = describeStreams(
  (streams: DepegStreams) => [
    viewStreamDescriptor(streams.eventLogs, {
      name: seedStreamName(streams.eventLogs.path),
      title: 'Stablecoin de-peg event log',
      description: 'De-peg episodes of stablecoins (current and historical) detected from DefiLlama prices, newest first by default.',
      body: listBody(
        'rows',
        DEPEG_EVENT,
        {
          headers: HEADERS_SCHEMA,
          query_params: S.object({
            threshold: S.number(),
            peg_type: S.string(),
            days_back: S.integer(),
            page: S.integer(),
            page_size: S.nullable(S.integer()),
          }),
          data_source: { type: 'string', enum: ['api', 'database'], description: 'api: detected from upstream data now; database: upstreams down, stored history only.' },
        },
        ['headers', 'query_params', 'data_source'],
      ),
      row: DEPEG_EVENT,
    }),
  ],
  [DepegStreams],
);
