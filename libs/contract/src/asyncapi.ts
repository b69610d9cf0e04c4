import { multiplexMessages, type JsonSchema, type StreamDescriptor, type StreamMessage } from '@app/realtime';

/** The multiplexed socket's channel id and address. */
export const MULTIPLEX_CHANNEL = 'stream';
export const MULTIPLEX_PATH = '/v1/stream';

export interface AsyncApiOptions {
  /** `host[:port]` clients connect to (the request's Host) */
  host: string;
  /** `ws` or `wss` */
  protocol: 'ws' | 'wss';
  version: string;
  title?: string;
}

type Json = Record<string, unknown>;

const ref = (...path: string[]): Json => ({ $ref: `#/${path.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` });

const AUTH_NOTES: Record<StreamDescriptor['auth'], string> = {
  jwt: 'Authenticates with the JWT of the site (access_token cookie or Authorization: Bearer) when the gateway requires auth.',
  api_key: 'Needs an API key: the X-API-Key header or the api_key query param (on /v1/stream: params.api_key).',
  signed: 'Needs a signed upgrade: X-API-KEY, X-TIMESTAMP and X-SIGN headers over timestamp + "GET" + path with query (see the OpenAPI document).',
  none: 'No authentication.',
};

function message(name: string, title: string, { summary, payload }: StreamMessage): Json {
  return { name, title, summary, contentType: 'application/json', payload };
}

/** The seed-000 update message: the stream's params, flat, with the query-string names (null removes one). */
function updateMessage(descriptor: StreamDescriptor): StreamMessage {
  return {
    summary: 'Change the params of this connection: the given keys replace, null removes one. Answered by the new view, or by an error frame (the previous view stays).',
    payload: { type: 'object', properties: descriptor.params.properties ?? {}, additionalProperties: false },
  };
}

function streamChannel(descriptor: StreamDescriptor): { channel: Json; sends: string[]; receives: string[] } {
  const messages: Json = { data: message('data', `${descriptor.title} frame`, { summary: descriptor.frame.description ?? `A frame of ${descriptor.name}.`, payload: descriptor.frame }) };
  const sends = ['data'];
  const receives: string[] = [];
  for (const [name, extra] of Object.entries(descriptor.extraMessages ?? {})) {
    messages[name] = message(name, name, extra);
    sends.push(name);
  }
  if (descriptor.kind === 'view') {
    messages.update = message('update', 'update params', updateMessage(descriptor));
    receives.push('update');
  }
  const channel: Json = {
    address: descriptor.path,
    title: descriptor.title,
    description: `${descriptor.description}\n\n${AUTH_NOTES[descriptor.auth]} Also on ${MULTIPLEX_PATH} as stream "${descriptor.name}".`,
    'x-stream-name': descriptor.name,
    'x-stream-kind': descriptor.kind,
    'x-auth': descriptor.auth,
    servers: [ref('servers', 'gateway')],
    messages,
    bindings: { ws: { method: 'GET', query: descriptor.params, bindingVersion: '0.1.0' } },
  };
  return { channel, sends, receives };
}

/**
 * The AsyncAPI 3.0.0 document of every stream, from the catalog's descriptors (pure: same input, same document).
 * One channel per single-stream path, keyed by stream name, plus the `stream` channel of `/v1/stream`; one `send`
 * operation per message the server sends, one `receive` per message a client sends.
 */
export function asyncApiDocument(descriptors: readonly StreamDescriptor[], options: AsyncApiOptions): Json {
  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const operation = (channelId: string, action: 'send' | 'receive', messageName: string, summary: string) => {
    operations[`${channelId}.${action}.${messageName}`] = {
      action,
      channel: ref('channels', channelId),
      summary,
      messages: [ref('channels', channelId, 'messages', messageName)],
    };
  };

  for (const descriptor of descriptors) {
    const { channel, sends, receives } = streamChannel(descriptor);
    channels[descriptor.name] = channel;
    for (const name of sends) operation(descriptor.name, 'send', name, `The gateway sends ${name} frames of ${descriptor.name}.`);
    for (const name of receives) operation(descriptor.name, 'receive', name, `The gateway takes ${name} messages on ${descriptor.path}.`);
  }

  const names = descriptors.map((descriptor) => descriptor.name);
  const multiplex = multiplexMessages(names);
  const multiplexMessagesById: Json = {};
  for (const [name, body] of Object.entries(multiplex.client)) multiplexMessagesById[name] = message(name, `op ${name}`, body);
  for (const [name, body] of Object.entries(multiplex.server)) multiplexMessagesById[name] = message(name, name, body);
  // the subscriptions' frames: each stream's own messages, tagged with "sub"
  const frameMessages: string[] = [];
  for (const descriptor of descriptors) {
    for (const name of Object.keys((channels[descriptor.name].messages as Json) ?? {})) {
      if (name === 'update') continue;
      const id = `${descriptor.name}.${name}`;
      multiplexMessagesById[id] = ref('channels', descriptor.name, 'messages', name);
      frameMessages.push(id);
    }
  }
  channels[MULTIPLEX_CHANNEL] = {
    address: MULTIPLEX_PATH,
    title: 'Many subscriptions on one socket',
    description:
      `Subscribe to any of the streams (x-streams) on one socket: send {"op":"subscribe","id","stream","params"}; every frame of the subscription ` +
      `carries "sub": id. Streams authenticate as on their own paths: the JWT of the upgrade, params.api_key for spreads.live, a signed upgrade ` +
      `(X-API-KEY, X-TIMESTAMP, X-SIGN) for capital-flow.snapshot. At most 32 subscriptions per socket.`,
    'x-streams': names,
    servers: [ref('servers', 'gateway')],
    messages: multiplexMessagesById,
  };
  for (const name of Object.keys(multiplex.client)) operation(MULTIPLEX_CHANNEL, 'receive', name, `A client sends {"op":"${name}"}.`);
  for (const name of Object.keys(multiplex.server)) operation(MULTIPLEX_CHANNEL, 'send', name, `The gateway answers with ${name}.`);
  operations[`${MULTIPLEX_CHANNEL}.send.frames`] = {
    action: 'send',
    channel: ref('channels', MULTIPLEX_CHANNEL),
    summary: 'The frames of every subscription, each with "sub": <subscription id>.',
    messages: frameMessages.map((id) => ref('channels', MULTIPLEX_CHANNEL, 'messages', id)),
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'market-gateway streams',
      version: options.version,
      description:
        'Every WebSocket stream of the gateway. Views (x-stream-kind: view) re-render the latest state; event streams (event) are ordered logs ' +
        'that start with a welcome frame and resume with resume_from. Every frame has type and seq. Try them in the stream explorer at /explorer; ' +
        'the REST API is described at /docs (OpenAPI JSON at /docs-json).',
      externalDocs: { description: 'Stream explorer', url: `${options.protocol === 'wss' ? 'https' : 'http'}://${options.host}/explorer` },
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: { host: options.host, protocol: options.protocol, description: 'This gateway (the host this document was fetched from).' },
    },
    channels,
    operations,
  };
}
