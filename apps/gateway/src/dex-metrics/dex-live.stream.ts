import { Injectable } from '@nestjs/common';
import {
  CloseCode,
  eventGatewayFor,
  eventLogSource,
  objectBody,
  refusal,
  type EventSelection,
  type EventSource,
  type EventStreamDefinition,
  type RawParams,
  type StreamEvent,
  type Verdict,
} from '@app/realtime';
import { DexMetricsService } from './dex-metrics.service';
import type { DexMessage } from './flow/dex-message';
import { DEX_LIVE_STREAM, DexLiveFeed } from './publish/dex-live-feed';

export const DEX_LIVE_PATH = '/v1/dex-metrics/live';

interface DexLiveParams {
  ticker?: string;
}

/**
 * `WS /v1/dex-metrics/live[?ticker=<ticker>]` (and `dex-metrics.live` on `/v1/stream`): the DEX metrics messages as
 * they are sent to Kafka, starting with the latest message of each (matching) symbol. No auth.
 */
@Injectable()
export class DexLiveStream implements EventStreamDefinition<DexMessage, DexLiveParams, null> {
  readonly name = DEX_LIVE_STREAM;
  readonly path = DEX_LIVE_PATH;
  readonly metricsLabel = 'dex-metrics-live';
  readonly source: EventSource<DexMessage, DexLiveParams>;

  constructor(
    private readonly feed: DexLiveFeed,
    private readonly dex: DexMetricsService,
  ) {
    this.source = eventLogSource<DexMessage>(feed.log, DEX_LIVE_STREAM);
  }

  parse(raw: RawParams): Verdict<DexLiveParams> {
    const unknown = Object.keys(raw).filter((name) => name !== 'ticker');
    if (unknown.length > 0) {
      return refusal('invalid_params', 'invalid query', CloseCode.PolicyViolation, unknown.map((param) => ({ param, message: 'unknown parameter' })));
    }
    const value = Object.prototype.hasOwnProperty.call(raw, 'ticker') ? raw.ticker : undefined;
    if (value === undefined) return { ok: true, value: {} };
    const ticker = String(value);
    if (typeof value !== 'string' || !this.dex.isListed(ticker)) {
      return refusal('invalid_params', 'invalid query', CloseCode.PolicyViolation, [{ param: 'ticker', message: `not a listed ticker (see GET /symbol_info): ${ticker}` }]);
    }
    return { ok: true, value: { ticker } };
  }

  authenticate(): Promise<Verdict<null>> {
    return Promise.resolve({ ok: true, value: null });
  }

  select(_principal: null, params: DexLiveParams): EventSelection<DexMessage> {
    const ticker = params.ticker;
    return { accepts: (message) => ticker === undefined || message.key === ticker };
  }

  initial(_principal: null, params: DexLiveParams): StreamEvent<DexMessage>[] {
    return this.feed.latest(params.ticker);
  }

  /** `{ type: "message", seq, key, value | null, sent_at }` (PRODUCT.md), without its opening brace. */
  render(event: StreamEvent<DexMessage>): Buffer {
    const { key, value, sentAtMs } = event.payload;
    return objectBody(JSON.stringify({ type: 'message', seq: event.seq, key, value, sent_at: Math.floor(sentAtMs / 1000) }));
  }
}

/** Binds the path to the realtime layer. */
export class DexLiveGateway extends eventGatewayFor(DEX_LIVE_PATH, DexLiveStream) {}
