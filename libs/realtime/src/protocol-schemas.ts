/**
 * JSON Schemas of the stream protocol shared by every stream (PRODUCT.md "The stream protocol"): the `type`/`seq`
 * fields every frame carries, the frames around the data (error, welcome, ping) and the `/v1/stream` messages.
 * Features compose their frame schemas from these; the AsyncAPI document publishes them.
 */
import type { JsonSchema, StreamMessage } from './stream-descriptor';

/** `/v1/stream` subscription ids: 1-64 of `[A-Za-z0-9_.:-]` (design: issue 10). */
export const SUBSCRIPTION_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';

const SEQ: JsonSchema = { type: 'integer', minimum: 0, description: 'Sequence number (see the stream kind).' };
const VIEW_SEQ: JsonSchema = { type: 'integer', minimum: 1, description: 'Frames sent on this connection (per subscription on /v1/stream), from 1, +1 for every frame.' };
const EVENT_SEQ: JsonSchema = { type: 'integer', minimum: 0, description: "The event's position in the stream: the same event has the same seq for every client, strictly increasing." };
const SUB: JsonSchema = { type: 'string', pattern: SUBSCRIPTION_ID_PATTERN, description: 'On /v1/stream only: the id of the subscription this frame belongs to.' };
const EPOCH_SECONDS: JsonSchema = { type: 'number', description: 'Unix time in seconds.' };

function object(properties: Record<string, JsonSchema>, required: string[], description?: string, additionalProperties = false): JsonSchema {
  return { type: 'object', ...(description ? { description } : {}), properties, required, additionalProperties };
}

/**
 * A seed-000 view frame: the seed's body plus what the hub adds (`type`, `seq`, `adaptive_interval`, `timestamp`,
 * the staleness and partial-load fields). `body` is an object schema of the seed fields.
 */
export function viewFrameSchema(body: JsonSchema, description: string): JsonSchema {
  return object(
    {
      type: { const: 'view', description: 'Frame type.' },
      seq: VIEW_SEQ,
      sub: SUB,
      ...body.properties,
      adaptive_interval: { type: 'integer', minimum: 0, description: 'Seconds until the next refresh (adapts to the upstream budget).' },
      timestamp: { ...EPOCH_SECONDS, description: 'When this view was rendered, unix seconds.' },
      stale: { const: true, description: 'Present when some data is older than its refresh interval (the upstream is failing or slow).' },
      stale_age_seconds: { type: 'integer', minimum: 0, description: 'Age of the oldest data in the frame, with stale.' },
      stale_reason: { type: 'string', description: 'The last upstream error, with stale.' },
      partial: { const: true, description: 'Present when some sources could not be loaded: see missing.' },
      missing: {
        type: 'array',
        description: 'The sources missing from a partial frame.',
        items: object({ source: { type: 'string' }, reason: { type: 'string' } }, ['source', 'reason']),
      },
    },
    ['type', 'seq', ...(body.required ?? []), 'adaptive_interval', 'timestamp'],
    description,
  );
}

/** An event stream's data frame: `{type: <type>, seq, ...fields}`. */
export function eventFrameSchema(type: string, fields: Record<string, JsonSchema>, required: string[], description: string): JsonSchema {
  return object({ type: { const: type, description: 'Frame type.' }, seq: EVENT_SEQ, sub: SUB, ...fields }, ['type', 'seq', ...required], description);
}

/** Error details: one per bad parameter. */
const ERROR_DETAILS: JsonSchema = {
  type: 'array',
  items: object({ param: { type: 'string' }, message: { type: 'string' } }, ['param', 'message']),
};

/** `{type:"error", code, message, details, seq}` on every stream. */
export const ERROR_FRAME: StreamMessage = {
  summary: 'A refused connection, message or subscription: invalid query at connect (then close 1008), invalid update (the previous view stays), unauthorized (close 4401), forbidden (4403), overloaded (1013).',
  payload: object(
    {
      type: { const: 'error' },
      code: { type: 'string', description: 'invalid_params, invalid_message, unauthorized, forbidden, overloaded, rate_limited, upstream_unavailable, ...', examples: ['invalid_params'] },
      message: { type: 'string' },
      details: ERROR_DETAILS,
      seq: SEQ,
      id: { type: 'string', description: 'On /v1/stream: the subscription id the error is about, when it is about one.' },
      sub: SUB,
    },
    ['type', 'code', 'message'],
  ),
};

/** `{type:"ping", seq}`: the heartbeat of event streams, visible to browsers. */
export const PING_FRAME: StreamMessage = {
  summary: 'Heartbeat, every heartbeat interval; seq is the last event seq this client was sent.',
  payload: object({ type: { const: 'ping' }, seq: SEQ, sub: SUB }, ['type']),
};

/** `{type:"welcome", stream, seq, resumed, gap?, heartbeat_ms, ...extras}`: the first frame of an event stream. */
export function welcomeFrame(extras: Record<string, JsonSchema> = {}, description = ''): StreamMessage {
  return {
    summary: `First frame of the stream: where it starts and whether the resume from resume_from was complete.${description ? ` ${description}` : ''}`,
    payload: object(
      {
        type: { const: 'welcome' },
        stream: { type: 'string', description: 'The stream name.' },
        seq: { ...SEQ, description: 'The stream head at welcome, or the last seq replayed.' },
        resumed: { type: 'boolean', description: 'true when every event after resume_from was replayed.' },
        gap: object(
          {
            from: { type: 'integer', description: 'First missing seq.' },
            to: { type: 'integer', description: 'Last missing seq.' },
            reason: { type: 'string' },
            fill: { type: 'string', description: 'How to fill the gap (a REST call, or re-reading the current state).' },
          },
          ['from', 'to', 'reason', 'fill'],
          'With resumed:false, the events that could not be replayed.',
        ),
        heartbeat_ms: { type: 'integer', minimum: 1, description: 'Interval of the ping frames.' },
        sub: SUB,
        ...extras,
      },
      ['type', 'stream', 'seq', 'resumed'],
      undefined,
      true,
    ),
  };
}

/** The multiplexed socket `/v1/stream`: what a client sends and what it gets back besides the subscriptions' frames. */
export function multiplexMessages(streamNames: readonly string[]): { client: Record<string, StreamMessage>; server: Record<string, StreamMessage> } {
  const id: JsonSchema = { type: 'string', pattern: SUBSCRIPTION_ID_PATTERN, description: "The client's id for the subscription: 1-64 of A-Z a-z 0-9 _ . : -" };
  const stream: JsonSchema = { type: 'string', enum: [...streamNames], description: 'A stream name (a channel with x-stream-name).' };
  const params: JsonSchema = { type: 'object', description: "The stream's params, as in its channel's bindings.ws.query (event streams: resume_from too)." };
  return {
    client: {
      subscribe: {
        summary: 'Subscribe to a stream with params; every frame of it then carries "sub": id.',
        payload: object({ op: { const: 'subscribe' }, id, stream, params }, ['op', 'id', 'stream']),
      },
      update: {
        summary: "Change a subscription's params (the given keys replace, null removes one); answered by the new view or an error (the previous view stays).",
        payload: object({ op: { const: 'update' }, id, params }, ['op', 'id', 'params']),
      },
      unsubscribe: {
        summary: 'End a subscription.',
        payload: object({ op: { const: 'unsubscribe' }, id }, ['op', 'id']),
      },
      ping: {
        summary: 'Application-level ping; answered by pong.',
        payload: object({ op: { const: 'ping' } }, ['op']),
      },
    },
    server: {
      subscribed: {
        summary: 'The subscription is open; its frames follow.',
        payload: object({ type: { const: 'subscribed' }, id, stream: { type: 'string' }, seq: SEQ }, ['type', 'id', 'stream', 'seq']),
      },
      unsubscribed: {
        summary: 'The subscription is closed.',
        payload: object({ type: { const: 'unsubscribed' }, id }, ['type', 'id']),
      },
      pong: {
        summary: 'Answer to ping.',
        payload: object({ type: { const: 'pong' } }, ['type']),
      },
      error: ERROR_FRAME,
    },
  };
}
