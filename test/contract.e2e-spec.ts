import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { SIMULATED_CHAINS } from '@app/simulator';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv, { type ValidateFunction } from 'ajv';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapitalFlowService } from '../apps/gateway/src/capital-flow/capital-flow.service';
import type { Quote } from '../apps/gateway/src/spreads/domain/quote';
import { SpreadsPipeline } from '../apps/gateway/src/spreads/spreads.pipeline';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { rawRequest } from './support/raw-http';
import { StreamClient, type Frame } from './support/ws-client';

type Json = Record<string, any>;

/** Every stream the issue names, with its single-stream path. */
const STREAMS: Record<string, string> = {
  'stablecoins.overall-market-snapshot': '/tzone_apis/services/stablecoins/overall-market-snapshot',
  'stablecoins.btc_dom': '/tzone_apis/services/stablecoins/btc_dom',
  'stablecoins.eth_dom': '/tzone_apis/services/stablecoins/eth_dom',
  'stablecoins.main_table': '/tzone_apis/services/stablecoins/ws/main_table',
  'stablecoins.marketcap_total_index': '/tzone_apis/services/stablecoins/ws/marketcap_total_index',
  'stablecoins.distribution_analysis': '/tzone_apis/services/stablecoins/ws/distribution_analysis',
  'stablecoins.24h_volume': '/tzone_apis/services/stablecoins/derivative/ws/24h_volume',
  'stablecoins.btc_open_interest': '/tzone_apis/services/stablecoins/derivative/ws/btc_open_interest',
  'stablecoins.comparative_price_timeseries': '/tzone_apis/services/stablecoins/ws/comparative_price_timeseries',
  'stablecoins.event_logs': '/tzone_apis/services/stablecoins/ws/event_logs',
  'spreads.live': '/v1/spreads/live',
  'dex-metrics.live': '/v1/dex-metrics/live',
  'capital-flow.snapshot': '/api/open/v1/trade/snapshot/live',
};

const SPREADS_KEY = 'contract-e2e-contract-tier-key-01';
const CF_STEP = 5 * 60_000;

function newAjv(): Ajv {
  // strict: an unknown keyword or a misplaced one is an error, not a silently ignored rule
  return new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
}

/** Every payload schema of the document, by `<channel>/<message>` (references to other channels' messages skipped). */
function payloads(document: Json): Array<[string, Json]> {
  const found: Array<[string, Json]> = [];
  for (const [channelId, channel] of Object.entries<Json>(document.channels)) {
    for (const [name, message] of Object.entries<Json>(channel.messages ?? {})) if (message.payload) found.push([`${channelId}/${name}`, message.payload]);
  }
  return found;
}

function keysFile(dir: string): string {
  const file = join(dir, 'keys.json');
  writeFileSync(file, JSON.stringify([{ key: SPREADS_KEY, secret: 'contract-secret', tier: 'contract', name: 'contract e2e', points: 1000 }]));
  return file;
}

/** Two quotes far enough apart to open a spot/spot spread (as in the spreads e2e). */
function divergingQuotes(now: number): Quote[] {
  return [
    { venue: 'BINANCE', kind: 'spot', symbol: 'AAA_USDT', price: 100, ts: now, volume24h: 2e6 },
    { venue: 'OKX', kind: 'spot', symbol: 'AAA_USDT', price: 103, ts: now, volume24h: 5e5 },
  ];
}

describe('the published contract: GET /asyncapi.json and /docs-json (e2e)', () => {
  let gateway: GatewayUnderTest;
  let document: Json;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contract-e2e-'));
    gateway = await startGateway({
      env: {
        API_KEYS_FILE: keysFile(dir),
        SPREADS_SOURCE: 'off',
        SPREADS_HISTORY_FLUSH_MS: '20',
        SPREADS_MAX_QUOTE_AGE_MS: '600000',
        CAPITAL_FLOW_TOKENS: 'BTC,ETH',
        CAPITAL_FLOW_INGEST: 'false',
        // one simulated pool, a short backfill: the first DEX message comes quickly
        DEX_POOLS: `${SIMULATED_CHAINS[0].name}:${SIMULATED_CHAINS[0].pools[0].address}:USD:token${SIMULATED_CHAINS[0].pools[0].quoteIndex}`,
        DEX_BATCH_DELAY_MS: '200',
        DEX_POLL_INTERVAL_MS: '300',
        DEX_BACKFILL_SECONDS: '600',
      },
    });
    const response = await fetch(`${gateway.httpUrl}/asyncapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as Json;
  });
  afterAll(async () => {
    await gateway?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('GET /asyncapi.json', () => {
    it('is a valid AsyncAPI 3.0.0 document: @asyncapi/parser reports no error', async () => {
      expect(document.asyncapi).toBe('3.0.0');
      const diagnostics = await new Parser().validate(JSON.stringify(document));
      const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
      expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    });

    it('has a channel for each of the 13 streams at its path, and the /v1/stream channel listing them all', () => {
      const channels = Object.values<Json>(document.channels).filter((channel) => typeof channel['x-stream-name'] === 'string');
      expect(Object.fromEntries(channels.map((channel) => [channel['x-stream-name'], channel.address]))).toEqual(STREAMS);
      for (const [name, path] of Object.entries(STREAMS)) {
        const channel = document.channels[name];
        expect([name, channel.address, channel['x-stream-kind'], typeof channel.title, typeof channel.description]).toEqual([
          name,
          path,
          name.startsWith('stablecoins.') ? 'view' : 'event',
          'string',
          'string',
        ]);
        expect(channel.bindings.ws.query).toMatchObject({ type: 'object', properties: expect.any(Object) });
        expect(Object.keys(channel.messages)).toEqual(expect.arrayContaining(['data', 'error', ...(name.startsWith('stablecoins.') ? [] : ['welcome', 'ping'])]));
      }
      expect(document.channels['spreads.live']['x-auth']).toBe('api_key');
      expect(document.channels['capital-flow.snapshot']['x-auth']).toBe('signed');
      expect(document.channels['stablecoins.btc_dom']['x-auth']).toBe('jwt');
      expect(document.channels.stream).toMatchObject({ address: '/v1/stream' });
      expect([...document.channels.stream['x-streams']].sort()).toEqual(Object.keys(STREAMS).sort());
      expect(Object.keys(document.channels.stream.messages)).toEqual(
        expect.arrayContaining(['subscribe', 'update', 'unsubscribe', 'ping', 'subscribed', 'unsubscribed', 'pong', 'error']),
      );
      expect(document.servers.gateway).toEqual({ host: new URL(gateway.httpUrl).host, protocol: 'ws', description: expect.any(String) });
    });

    it('derives params from the DTOs and the filter pipe: types, bounds, defaults, enums', () => {
      const query = (name: string) => document.channels[name].bindings.ws.query.properties;
      // a DTO's rules (class-validator), docs (@ApiPropertyOptional) and default (field initialiser)
      expect(query('stablecoins.comparative_price_timeseries').days).toMatchObject({ type: 'integer', minimum: 1, maximum: 365, default: 7, description: expect.any(String) });
      expect(query('stablecoins.marketcap_total_index').period).toMatchObject({ type: 'string', enum: ['1d', '7d', '30d', '90d', '1y'], default: '1d' });
      expect(query('stablecoins.event_logs').sort_order).toMatchObject({ enum: ['asc', 'desc'], default: 'desc' });
      // the filter pipe's params with their bounds
      expect(query('stablecoins.main_table').page_size).toMatchObject({ type: 'integer', minimum: 1 });
      expect(query('stablecoins.main_table').search).toMatchObject({ type: 'string', maxLength: 200 });
      expect(query('stablecoins.btc_dom').sort_by.description).toContain('Title');
      // event streams: resume_from; spreads' own filters and bounds; the capital-flow token as the REST body takes it
      for (const name of ['spreads.live', 'dex-metrics.live', 'capital-flow.snapshot']) expect(query(name).resume_from).toMatchObject({ type: 'integer', minimum: 0 });
      expect(query('spreads.live').spread_type.enum).toContain('spot/futures');
      expect(query('spreads.live').delay).toMatchObject({ type: 'integer', minimum: 0, maximum: 31_536_000 });
      expect(query('dex-metrics.live').ticker).toMatchObject({ type: 'string', maxLength: 128 });
      expect(query('capital-flow.snapshot').vsTokenId).toMatchObject({ type: 'integer', minimum: 1 });
      expect(document.channels['capital-flow.snapshot'].bindings.ws.query.required).toEqual(['vsTokenId']);
    });

    it('has a send operation for each message the gateway sends and a receive for each client message', () => {
      const operations = Object.values<Json>(document.operations);
      const refs = (action: string) => operations.filter((operation) => operation.action === action).flatMap((operation) => operation.messages.map((message: Json) => message.$ref));
      for (const name of Object.keys(STREAMS)) expect(refs('send')).toContain(`#/channels/${name}/messages/data`);
      for (const op of ['subscribe', 'update', 'unsubscribe', 'ping']) expect(refs('receive')).toContain(`#/channels/stream/messages/${op}`);
      for (const answer of ['subscribed', 'unsubscribed', 'pong', 'error']) expect(refs('send')).toContain(`#/channels/stream/messages/${answer}`);
    });

    it('names its server after the request Host only when that is a plain host[:port]', async () => {
      const named = await rawRequest(`${gateway.httpUrl}/asyncapi.json`, { headers: { host: 'gateway.example.com:8443' } });
      expect(JSON.parse(named.body).servers.gateway.host).toBe('gateway.example.com:8443');
      const hostile = await rawRequest(`${gateway.httpUrl}/asyncapi.json`, { headers: { host: `evil"/><script>${'x'.repeat(300)}` } });
      expect(hostile.status).toBe(200);
      expect(JSON.parse(hostile.body).servers.gateway.host).toBe(`localhost:${new URL(gateway.httpUrl).port}`);
      expect(hostile.body).not.toContain('evil');
    });

    it('ajv compiles every payload and params schema', () => {
      const ajv = newAjv();
      const schemas = [
        ...payloads(document),
        ...Object.entries<Json>(document.channels).flatMap(([id, channel]) => (channel.bindings ? [[`${id}/query`, channel.bindings.ws.query] as [string, Json]] : [])),
      ];
      expect(schemas.length).toBeGreaterThan(13 * 3);
      for (const [where, schema] of schemas) expect([where, typeof ajv.compile(schema)]).toEqual([where, 'function']);
    });
  });

  describe('GET /docs-json (OpenAPI)', () => {
    let openapi: Json;
    beforeAll(async () => {
      const response = await fetch(`${gateway.httpUrl}/docs-json`);
      expect(response.status).toBe(200);
      openapi = (await response.json()) as Json;
    });
    const parameters = (path: string) => Object.fromEntries((openapi.paths[path].get.parameters as Json[]).map((parameter) => [parameter.name, parameter]));
    const okSchema = (path: string, method: string) => openapi.paths[path][method].responses['200'].content['application/json'].schema;

    it('links the AsyncAPI document and the explorer', () => {
      expect(openapi.info.description).toContain('/asyncapi.json');
      expect(openapi.info.description).toContain('/explorer');
      expect(openapi.paths['/asyncapi.json'].get).toBeDefined();
    });

    it('declares the API-key and signed-header security schemes and applies them to their routes', () => {
      expect(openapi.components.securitySchemes).toEqual({
        api_key_header: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
        api_key_query: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'api_key' }),
        signed_key: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-KEY' }),
        signed_timestamp: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-TIMESTAMP' }),
        signed_sign: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-SIGN' }),
      });
      for (const path of ['/v1/spreads/recent', '/v1/spreads/history']) expect(openapi.paths[path].get.security).toEqual([{ api_key_header: [] }]);
      for (const path of ['/api/open/v1/trade/getCoinTradeSnapshot', '/api/open/v1/vs-token/list']) {
        expect(openapi.paths[path].post.security).toEqual([{ signed_key: [], signed_timestamp: [], signed_sign: [] }]);
      }
    });

    it('lists the spreads query params from their DTOs, with the bounds the validation enforces', () => {
      const recent = parameters('/v1/spreads/recent');
      expect(openapi.paths['/v1/spreads/recent'].get.parameters).toHaveLength(Object.keys(recent).length); // each once
      expect(Object.keys(recent).sort()).toEqual(
        ['allowed_exchanges', 'buy_exchange', 'delay', 'dex', 'events', 'exchange', 'exclude_symbol', 'limit', 'max_pct', 'min_dex_liquidity_usd', 'min_pct', 'min_volume_24h', 'sell_exchange', 'spread_type', 'symbol'].sort(),
      );
      expect(recent.min_pct).toMatchObject({ in: 'query', required: false, description: expect.any(String), schema: expect.objectContaining({ type: 'number', minimum: 0 }) });
      expect(recent.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1_000_000 });
      expect(recent.spread_type.schema.enum).toContain('dex/dex');
      expect(recent.symbol.schema).toMatchObject({ type: 'string', maxLength: 64 });
      expect(Object.keys(parameters('/v1/spreads/history'))).toEqual(expect.arrayContaining(['since', 'before', 'limit', 'min_pct']));
    });

    it('the global ValidationPipe checks the spreads DTOs and answers { code, message, details: [{ param, message }] }', async () => {
      const response = await fetch(`${gateway.httpUrl}/v1/spreads/recent?limit=0&colour=red&dex=maybe`, { headers: { 'x-api-key': SPREADS_KEY } });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Json;
      expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
      expect([body.code, body.message]).toEqual([400, expect.stringContaining('limit')]);
      expect(Object.fromEntries(body.details.map((detail: Json) => [detail.param, detail.message]))).toEqual({
        limit: 'limit must not be less than 1',
        colour: 'colour: unknown parameter',
        dex: 'dex must be true or false',
      });
    });

    it('has a response schema for every REST route', () => {
      expect(okSchema('/v1/spreads/recent', 'get').properties.data.items.properties).toHaveProperty('spread_percent');
      expect(okSchema('/v1/spreads/history', 'get').properties.data.items.properties).toHaveProperty('fired_at');
      expect(okSchema('/api/open/v1/trade/getCoinTradeSnapshot', 'post').properties).toMatchObject({
        code: expect.any(Object),
        requestId: expect.any(Object),
        data: expect.objectContaining({ nullable: true, properties: expect.objectContaining({ spotGoodsList: expect.any(Object) }) }),
      });
      expect(okSchema('/api/open/v1/vs-token/list', 'post').properties.data.items.properties).toHaveProperty('vsTokenId');
      expect(okSchema('/symbol_info', 'get').properties).toHaveProperty('ticker');
      for (const path of ['/health/live', '/health/ready']) expect(okSchema(path, 'get')).toMatchObject({ type: 'object' });
      expect(openapi.paths['/metrics'].get.responses['200'].content).toHaveProperty('text/plain');
      // every operation documents its 200
      for (const [path, item] of Object.entries<Json>(openapi.paths)) {
        for (const [method, operation] of Object.entries<Json>(item)) expect([method, path, Object.keys(operation.responses ?? {})]).toEqual([method, path, expect.arrayContaining(['200'])]);
      }
    });
  });

  describe('real frames match their channel schemas', () => {
    let validators: Map<string, ValidateFunction>;
    let ajv: Ajv;
    const seen = new Map<string, Frame>();

    beforeAll(() => {
      ajv = newAjv();
      validators = new Map(Object.keys(STREAMS).map((name) => [name, ajv.compile(document.channels[name].messages.data.payload as Json)]));
    });

    /** Validates `frame` against the stream's data schema (`type` and `seq` included). */
    function expectValid(name: string, frame: Frame): void {
      const validate = validators.get(name)!;
      const valid = validate(frame);
      expect({ name, errors: valid ? [] : validate.errors }).toEqual({ name, errors: [] });
      seen.set(name, frame);
    }

    const isData = (frame: Frame) => !['error', 'welcome', 'ping'].includes(frame.type);

    /** An event stream's welcome against its channel's `welcome` message. */
    function expectValidWelcome(name: string, frame: Frame): void {
      const validate = ajv.compile(document.channels[name].messages.welcome.payload as Json);
      const valid = validate(frame);
      expect({ name, errors: valid ? [] : validate.errors }).toEqual({ name, errors: [] });
    }

    it.each(Object.keys(STREAMS).filter((name) => name.startsWith('stablecoins.')))('%s: the first data frame', async (name) => {
      const client = StreamClient.connect(gateway.wsUrl(STREAMS[name]));
      try {
        const frame = await client.next(() => true, 30_000);
        expect(frame.type).not.toBe('error');
        expectValid(name, frame);
      } finally {
        await client.close();
      }
    });

    it('spreads.live: the first event frame (API key in the query)', async () => {
      const client = StreamClient.connect(gateway.wsUrl(STREAMS['spreads.live'], { api_key: SPREADS_KEY }));
      try {
        expectValidWelcome('spreads.live', await client.next((frame) => frame.type === 'welcome', 10_000));
        gateway.app.get(SpreadsPipeline).ingest(divergingQuotes(Date.now()));
        expectValid('spreads.live', await client.next(isData, 10_000));
      } finally {
        await client.close();
      }
    });

    it('dex-metrics.live: the first message frame', async () => {
      const client = StreamClient.connect(gateway.wsUrl(STREAMS['dex-metrics.live']));
      try {
        expectValidWelcome('dex-metrics.live', await client.next((frame) => frame.type === 'welcome', 10_000));
        expectValid('dex-metrics.live', await client.next(isData, 90_000));
      } finally {
        await client.close();
      }
    });

    it('capital-flow.snapshot: the first snapshot frame (signed upgrade)', async () => {
      gateway.simulator.clock.freeze(Math.floor(Date.now() / CF_STEP) * CF_STEP - 2 * CF_STEP);
      await gateway.app.get(CapitalFlowService).sync();
      const key = { key: `contract-e2e-cf-${process.pid}`, secret: 'contract-cf-secret' };
      await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'builder', name: 'contract e2e', points: 100 });
      const path = STREAMS['capital-flow.snapshot'];
      const timestamp = String(Date.now());
      const client = StreamClient.connect(gateway.wsUrl(path, { vsTokenId: 1 }), {
        'x-api-key': key.key,
        'x-timestamp': timestamp,
        'x-sign': signRequest(key.secret, { timestamp, method: 'GET', path: `${path}?vsTokenId=1`, body: '' }),
      });
      try {
        expectValid('capital-flow.snapshot', await client.next(isData, 10_000));
      } finally {
        await client.close();
      }
    });

    it('covered every stream', () => {
      expect([...seen.keys()].sort()).toEqual(Object.keys(STREAMS).sort());
    });
  });
});
