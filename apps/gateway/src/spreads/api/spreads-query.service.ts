import type { ApiConsumer } from '@app/api-keys';
import { Injectable } from '@nestjs/common';
import { SpreadsPipeline } from '../spreads.pipeline';
import { effectiveDelay, effectiveLimit, TIER_ACCESS } from './access-policy';
import { curateEvent, curateHistoryEvent, type CuratedEvent, type CuratedHistoryEvent } from './curate';
import { parseSpreadQuery } from './spread-filters';

export interface RecentResponse {
  meta: { trace: string; as_of: number; count: number; delay_seconds: number };
  data: CuratedEvent[];
}

export interface HistoryResponse {
  meta: { trace: string; count: number; next_before: number | null; delay_seconds: number; truncated_second?: number };
  data: CuratedHistoryEvent[];
}

/** The REST reads, tier rules applied (the controller only maps HTTP to these). */
@Injectable()
export class SpreadsQueryService {
  constructor(private readonly pipeline: SpreadsPipeline) {}

  /**
   * Of the last 500 events the caller may see after its delay, the newest `limit` matching ones. The in-memory ring
   * holds the last 500 events, a few minutes' worth: when the delay reaches past it (machine-dev's 300 s), the
   * history supplies the older part of that window.
   */
  async recent(raw: Record<string, unknown>, consumer: ApiConsumer, now = Date.now()): Promise<RecentResponse> {
    const query = parseSpreadQuery(raw, 'recent');
    const access = TIER_ACCESS[consumer.tier];
    const delay = effectiveDelay(query.delay, access.restMinDelaySeconds);
    const notAfterMs = now - delay * 1000;
    const limit = effectiveLimit(query.limit, access.recentMaxLimit);
    const ring = this.pipeline.recent;
    const { matches, visible } = ring.query(query.filters, notAfterMs, limit);
    let data = matches.map((item) => item.curated);
    if (visible < ring.capacity && ring.mayHaveEvicted) {
      const stored = await this.pipeline.history.recentWindow({ filters: query.filters, notAfterMs, window: ring.capacity, limit });
      // the ring also holds events not written yet: merge, each event once
      const inRing = new Set(matches.map((item) => item.event.id));
      const older = stored.filter((event) => !inRing.has(event.id)).map(curateEvent);
      data = [...older, ...data].sort((a, b) => a.received_at - b.received_at).slice(-limit);
    }
    return { meta: { trace: consumer.trace, as_of: now / 1000, count: data.length, delay_seconds: delay }, data };
  }

  async history(raw: Record<string, unknown>, consumer: ApiConsumer, now = Date.now()): Promise<HistoryResponse> {
    const query = parseSpreadQuery(raw, 'history');
    const access = TIER_ACCESS[consumer.tier];
    const delay = effectiveDelay(query.delay, access.restMinDelaySeconds);
    const page = await this.pipeline.history.page({
      filters: query.filters,
      before: query.before,
      sinceMs: query.sinceMs,
      notAfterMs: now - delay * 1000,
      limit: effectiveLimit(query.limit, access.historyMaxLimit),
    });
    const data = page.events.map(curateHistoryEvent);
    const meta: HistoryResponse['meta'] = { trace: consumer.trace, count: data.length, next_before: page.nextBefore, delay_seconds: delay };
    if (page.truncatedSecond !== undefined) meta.truncated_second = page.truncatedSecond;
    return { meta, data };
  }
}
