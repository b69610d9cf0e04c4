import { dtoSchema, S } from '@app/contract';
import { describeStreams, ERROR_FRAME, eventFrameSchema, PING_FRAME, welcomeFrame, type JsonSchema } from '@app/realtime';
import { DEX_LIVE_PATH } from './dex-live.stream';
import { DexLiveParams } from './dex-live.params';
import { SYMBOL_INFO_FIELDS } from './dex-pools';
import { METRICS_VALUE_KEYS } from './domain/metrics-message';

/** A message value (seed 004): every metric a number, per resolution and quasi-static. */
const METRICS_VALUE: JsonSchema = S.object(Object.fromEntries(METRICS_VALUE_KEYS.map((key) => [key, S.number()])));

/** `GET /symbol_info`: TradingView's columnar format, one array per field. */
export const SYMBOL_INFO_RESPONSE: JsonSchema = S.object({
  s: { const: 'ok' },
  ...Object.fromEntries(SYMBOL_INFO_FIELDS.map((field) => [field, S.array(field === 'minmovement' || field === 'pricescale' ? S.number() : S.string())])),
});

/** The contract of `WS /v1/dex-metrics/live` (seed 004 messages, as sent to Kafka). */
export const DexMetricsContract = describeStreams(() => [
  {
    name: 'dex-metrics.live',
    path: DEX_LIVE_PATH,
    kind: 'event',
    auth: 'none',
    title: 'DEX metrics messages, live',
    description:
      'The DEX spot metrics messages exactly as they go to Kafka (key = symbol_info ticker, value = metrics JSON, null = delisted), starting with the latest message of each symbol. seq is assigned as each message is logged: resume_from replays from a bounded buffer.',
    params: dtoSchema(DexLiveParams),
    frame: eventFrameSchema(
      'message',
      {
        key: S.string('The ticker (Kafka message key).'),
        value: { ...METRICS_VALUE, type: ['object', 'null'], description: 'The metrics; null when the symbol left /symbol_info.' },
        sent_at: S.integer('When the message was sent, unix seconds.'),
      },
      ['key', 'value', 'sent_at'],
      'One metrics message.',
    ),
    extraMessages: { welcome: welcomeFrame(), ping: PING_FRAME, error: ERROR_FRAME },
  },
]);
