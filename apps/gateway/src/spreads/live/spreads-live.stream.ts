import { API_KEY_HEADER, ApiKeyAccessError, ApiKeyAuthenticator, type ApiConsumer } from '@app/api-keys';
import { Injectable } from '@nestjs/common';
import {
  CloseCode,
  eventGatewayFor,
  objectBody,
  refusal,
  type EventSelection,
  type EventSource,
  type EventStreamContext,
  type EventStreamDefinition,
  type RawParams,
  type StreamEvent,
  type Verdict,
} from '@app/realtime';
import { effectiveDelay, LIVE_TIERS, TIER_ACCESS } from '../api/access-policy';
import { publish, type PublishedEvent } from '../api/recent-events';
import { matchesFilters, parseSpreadQuery, SpreadQueryError, type SpreadFilters } from '../api/spread-filters';
import { SpreadsPipeline } from '../spreads.pipeline';

export const SPREADS_LIVE_PATH = '/v1/spreads/live';
export const SPREADS_LIVE_STREAM = 'spreads.live';

interface SpreadsLiveParams {
  filters: SpreadFilters;
  delay?: number;
  apiKey?: string;
}

interface SpreadsLivePrincipal {
  consumer: ApiConsumer;
  /** per event type, ms: the tier's minimum raised to the client's `delay` */
  openDelayMs: number;
  closeDelayMs: number;
}

/**
 * `WS /v1/spreads/live` (and `spreads.live` on `/v1/stream`, key in `params.api_key`): authenticates (X-API-Key or
 * `api_key`), then pushes matching events once they are in the history (their row id is the `seq`), at once or after
 * the connection's delay (the tier raises it: builder holds opens >= 60 s). A resuming client is replayed from the
 * history, delays included.
 */
@Injectable()
export class SpreadsLiveStream implements EventStreamDefinition<PublishedEvent, SpreadsLiveParams, SpreadsLivePrincipal> {
  readonly name = SPREADS_LIVE_STREAM;
  readonly path = SPREADS_LIVE_PATH;
  readonly metricsLabel = 'spreads-live';
  readonly source: EventSource<PublishedEvent, SpreadsLiveParams>;

  constructor(
    private readonly pipeline: SpreadsPipeline,
    private readonly auth: ApiKeyAuthenticator,
  ) {
    this.source = {
      subscribe: (listener) => pipeline.subscribeStored(listener),
      head: () => Promise.resolve(pipeline.lastStoredId),
      // the history keeps every event: a replay from it is always complete (bounded by EventStreamOptions.maxReplay)
      since: async (after, limit, params) => ({
        events: (await pipeline.history.afterId(after, params.filters, limit)).map(({ id, event }) => ({ seq: id, payload: publish(event) })),
        complete: true,
      }),
    };
  }

  parse(raw: RawParams): Verdict<SpreadsLiveParams> {
    try {
      const query = parseSpreadQuery(raw, 'live');
      const key = Object.prototype.hasOwnProperty.call(raw, 'api_key') && typeof raw.api_key === 'string' ? raw.api_key.trim() : undefined;
      return { ok: true, value: { filters: query.filters, delay: query.delay, apiKey: key || undefined } };
    } catch (error) {
      if (error instanceof SpreadQueryError) return refusal('invalid_params', error.message, CloseCode.PolicyViolation, error.details);
      throw error;
    }
  }

  /** The X-API-Key header of the upgrade, else `api_key`; only tiers with live access. */
  async authenticate(params: SpreadsLiveParams, context: EventStreamContext): Promise<Verdict<SpreadsLivePrincipal>> {
    const header = context.request.headers[API_KEY_HEADER];
    const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim();
    let consumer: ApiConsumer;
    try {
      consumer = await this.auth.authenticate(fromHeader || params.apiKey, LIVE_TIERS);
    } catch (error) {
      if (error instanceof ApiKeyAccessError) return refusal(error.code, error.message, error.status === 401 ? CloseCode.Unauthorized : CloseCode.Forbidden);
      throw error;
    }
    const live = TIER_ACCESS[consumer.tier].live!;
    return {
      ok: true,
      value: {
        consumer,
        openDelayMs: effectiveDelay(params.delay, live.openMinDelaySeconds) * 1000,
        closeDelayMs: effectiveDelay(params.delay, live.closeMinDelaySeconds) * 1000,
      },
    };
  }

  select(principal: SpreadsLivePrincipal, params: SpreadsLiveParams): EventSelection<PublishedEvent> {
    const { openDelayMs, closeDelayMs } = principal;
    return {
      accepts: (item) => matchesFilters(item.event, params.filters),
      dueAt: (item) => {
        const delayMs = item.event.event === 'open' ? openDelayMs : closeDelayMs;
        return delayMs === 0 ? 0 : item.event.fired_at_ms + delayMs;
      },
      // one spread lifecycle: a close never goes out before the open it closes (B19)
      key: (item) => `${item.event.symbol}|${item.event.buy_leg}|${item.event.sell_leg}`,
    };
  }

  welcome(principal: SpreadsLivePrincipal, params: SpreadsLiveParams): Record<string, unknown> {
    return { family: 'spreads', delay_seconds: principal.openDelayMs / 1000, filters: params.filters, trace: principal.consumer.trace };
  }

  /** The history holds what the stream missed: from the second the first missed event fired. */
  async gapFill(from: number): Promise<string> {
    const firedAt = await this.pipeline.history.firedAfterId(from - 1);
    return `GET /v1/spreads/history?since=${Math.floor((firedAt ?? Date.now()) / 1000)}`;
  }

  /** `{type:"event", seq, family, received_at, data}` without its opening brace. */
  render(event: StreamEvent<PublishedEvent>): Buffer {
    const { curated } = event.payload;
    return objectBody(JSON.stringify({ type: 'event', seq: event.seq, family: 'spreads', received_at: curated.received_at, data: curated }));
  }
}

/** Binds the path to the realtime layer. */
export class SpreadsLiveGateway extends eventGatewayFor(SPREADS_LIVE_PATH, SpreadsLiveStream) {}
