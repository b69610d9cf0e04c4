import type { ApiConsumer } from '@app/api-keys';
import { Injectable } from '@nestjs/common';
import { SpreadsPipeline } from '../spreads.pipeline';
import { effectiveDelay, effectiveLimit, TIER_ACCESS } from './access-policy';
import { curateHistoryEvent, type CuratedEvent, type CuratedHistoryEvent } from './curate';
import { parseBefore, toMs } from '../history/history-cursor';
import { parseSpreadQuery, SpreadQueryError } from './spread-filters';

export interface RecentResponse {
  meta: { trace: string; as_of: number; count: number; delay_seconds: number };
  data: CuratedEvent[];
}

export interface HistoryResponse {
  meta: { trace: string; count: number; next_before: string | null; delay_seconds: number };
  data: CuratedHistoryEvent[];
}

/** The REST reads, tier rules applied (the controller only maps HTTP to these). */
@Injectable()
export class SpreadsQueryService {
  constructor(private readonly pipeline: SpreadsPipeline) {}

  recent(raw: Record<string, unknown>, consumer: ApiConsumer, now = Date.now()): RecentResponse {
    const query = parseSpreadQuery(raw, 'recent');
    const access = TIER_ACCESS[consumer.tier];
    const delay = effectiveDelay(query.delay, access.restMinDelaySeconds);
    const data = this.pipeline.recent.query(query.filters, now - delay * 1000, effectiveLimit(query.limit, access.recentMaxLimit));
    return { meta: { trace: consumer.trace, as_of: now / 1000, count: data.length, delay_seconds: delay }, data };
  }

  async history(raw: Record<string, unknown>, consumer: ApiConsumer, now = Date.now()): Promise<HistoryResponse> {
    const query = parseSpreadQuery(raw, 'history');
    const before = query.before === undefined ? undefined : parseBefore(query.before);
    if (query.before !== undefined && !before) {
      throw new SpreadQueryError([{ param: 'before', message: 'must be a unix timestamp or a meta.next_before cursor' }]);
    }
    const access = TIER_ACCESS[consumer.tier];
    const delay = effectiveDelay(query.delay, access.restMinDelaySeconds);
    const page = await this.pipeline.history.page({
      filters: query.filters,
      before,
      sinceMs: query.since === undefined ? undefined : toMs(query.since),
      notAfterMs: now - delay * 1000,
      limit: effectiveLimit(query.limit, access.historyMaxLimit),
    });
    const data = page.events.map(curateHistoryEvent);
    return { meta: { trace: consumer.trace, count: data.length, next_before: page.nextBefore, delay_seconds: delay }, data };
  }
}
