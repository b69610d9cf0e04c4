import { dtoSchema, S } from '@app/contract';
import { describeStreams, ERROR_FRAME, eventFrameSchema, PING_FRAME, welcomeFrame, type JsonSchema } from '@app/realtime';
import { SpreadsLiveParams } from './api/spread-query.dto';
import { SPREAD_TYPES } from './domain/spread-event';
import { SPREADS_LIVE_PATH } from './live/spreads-live.stream';

const LEG_KIND = { type: 'string', enum: ['spot', 'futures', 'dex'] };
const DEX_LEG = S.object({ chain: S.string(), dex: S.string(), pool_address: S.string(), liquidity_usd: S.nullable(S.number('USD.')) });

/** The documented event fields (seed 003 "Event fields"), common to recent, live and history. */
const EVENT_FIELDS: Record<string, JsonSchema> = {
  event: { type: 'string', enum: ['open', 'close'], description: 'The lifecycle discriminator.' },
  symbol: S.string('Canonical symbol, e.g. BTC_USDT.'),
  spread_type: { type: 'string', enum: [...SPREAD_TYPES] },
  buy_exchange: S.string('Uppercase exchange of the cheaper leg.'),
  sell_exchange: S.string('Uppercase exchange of the dearer leg.'),
  buy_kind: LEG_KIND,
  sell_kind: LEG_KIND,
  buy_price: S.number(),
  sell_price: S.number(),
  spread_percent: S.number('|p_a − p_b| / min(p_a, p_b) × 100.'),
  volume_24h: S.nullable(S.number('Smallest 24 h quote volume of the CEX legs.')),
  buy_mark_price: S.nullable(S.number('Open events only.')),
  sell_mark_price: S.nullable(S.number('Open events only.')),
  stale_since_ms: S.integer('Close events only: when the spread fell below threshold.'),
  dex_metadata: S.object({ buy: DEX_LEG, sell: DEX_LEG }, []),
};
const EVENT_REQUIRED = ['event', 'symbol', 'spread_type', 'buy_exchange', 'sell_exchange', 'buy_kind', 'sell_kind', 'buy_price', 'sell_price', 'spread_percent', 'volume_24h'];

/** A spread event of recent and live. */
export const SPREAD_EVENT_SCHEMA = S.object({ received_at: S.number('Server receive time, unix seconds.'), ...EVENT_FIELDS }, ['received_at', ...EVENT_REQUIRED]);
/** A spread event of history. */
export const SPREAD_HISTORY_EVENT_SCHEMA = S.object(
  { ...EVENT_FIELDS, fired_at: S.integer('Detection time, unix seconds (the keyset cursor).'), is_stale: S.boolean('Closed because a leg went stale.') },
  [...EVENT_REQUIRED, 'fired_at', 'is_stale'],
);

/** `GET /v1/spreads/recent` */
export const SPREADS_RECENT_RESPONSE = S.object({
  meta: S.object({ trace: S.string('Per-consumer trace watermark.'), as_of: S.number('Unix seconds.'), count: S.integer(), delay_seconds: S.integer() }),
  data: S.array(SPREAD_EVENT_SCHEMA),
});
/** `GET /v1/spreads/history` */
export const SPREADS_HISTORY_RESPONSE = S.object({
  meta: S.object(
    {
      trace: S.string('Per-consumer trace watermark.'),
      count: S.integer(),
      next_before: S.nullable(S.number('Pass back as before for the next (older) page; null at the end.')),
      delay_seconds: S.integer(),
      truncated_second: S.integer('When a page ends inside one second with more events in it: that second.'),
    },
    ['trace', 'count', 'next_before', 'delay_seconds'],
  ),
  data: S.array(SPREAD_HISTORY_EVENT_SCHEMA),
});

/** The contract of `WS /v1/spreads/live` (seed 003). */
export const SpreadsContract = describeStreams(() => [
  {
    name: 'spreads.live',
    path: SPREADS_LIVE_PATH,
    kind: 'event',
    auth: 'api_key',
    title: 'Spread events, live',
    description:
      'Cross-venue spread open/close events as they fire, filtered like GET /v1/spreads/recent. Tiers: builder and up (builder holds open events at least 60 s). seq is the durable history id: resume_from replays from history.',
    params: dtoSchema(SpreadsLiveParams),
    frame: eventFrameSchema(
      'event',
      { family: { const: 'spreads' }, received_at: S.number('Server receive time, unix seconds.'), data: SPREAD_EVENT_SCHEMA },
      ['family', 'received_at', 'data'],
      'One spread event, the curated fields under data.',
    ),
    extraMessages: {
      welcome: welcomeFrame(
        {
          family: { const: 'spreads' },
          delay_seconds: S.integer('The delay applied to open events (the tier raises it).'),
          filters: S.object({}, [], true),
          trace: S.string('Per-consumer trace watermark.'),
        },
        'gap.fill names GET /v1/spreads/history?since=<unix s>.',
      ),
      ping: PING_FRAME,
      error: ERROR_FRAME,
    },
  },
]);
