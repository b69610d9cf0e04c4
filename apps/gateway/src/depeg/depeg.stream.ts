import { Injectable } from '@nestjs/common';
import { applyQuery, rowFields } from '@app/query';
import type { StreamDefinition } from '@app/realtime';
import { DEFILLAMA_CACHE, DefiLlamaMarketData } from '@app/upstream';
import { STABLECOINS_WS_PREFIX } from '../common/seed-paths';
import type { DepegEvent } from './depeg-detector';
import { DepegSource, type DepegLog } from './depeg.source';
import { EventLogsParams } from './depeg.params';

export const EVENT_LOGS_PATH = `${STABLECOINS_WS_PREFIX}/ws/event_logs`;

export const EVENT_LOG_HEADERS = [
  { key: 'timestamp', label: 'Timestamp' },
  { key: 'stablecoin', label: 'Stablecoin' },
  { key: 'severity_score', label: 'Severity Score' },
  { key: 'depeg_depth', label: 'Depeg Depth' },
  { key: 'duration', label: 'Duration' },
  { key: 'volume', label: 'Volume' },
] as const;

/** `ws/event_logs` of seed 000. */
@Injectable()
export class DepegStreams {
  readonly eventLogs: StreamDefinition<EventLogsParams, DepegLog>;

  constructor(depeg: DepegSource, defillama: DefiLlamaMarketData) {
    this.eventLogs = {
      name: 'event_logs',
      path: EVENT_LOGS_PATH,
      paramsType: EventLogsParams,
      // seed: sort_order defaults to desc for this stream
      queryOptions: { defaultSortOrder: 'desc' },
      requiresAuth: true,
      rowFields: rowFields<DepegEvent>({
        timestamp: true,
        stablecoin: true,
        stablecoin_id: true,
        name: true,
        price: true,
        target_peg: true,
        depeg_depth: true,
        depeg_percentage: true,
        volume: true,
        severity_score: true,
        duration: true,
        logo: true,
        peg_type: true,
        event_type: true,
      }),
      refresh: { freshMs: DEFILLAMA_CACHE.freshMs, callsPerRefresh: 2, budget: defillama },
      load: (params) => depeg.load(params),
      render: (log, query, params, { now, memo }) => {
        const result = applyQuery(log.rows, query, now, memo);
        return {
          headers: EVENT_LOG_HEADERS,
          rows: result.rows,
          count: result.count,
          query_params: {
            threshold: params.threshold,
            peg_type: params.peg_type,
            days_back: params.days_back,
            page: query.params.page ?? 1,
            page_size: query.params.page_size ?? null,
          },
          data_source: log.data_source,
        };
      },
    };
  }
}
