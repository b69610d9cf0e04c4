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

/**
 * The protocol fields the realtime layer adds to every frame (issue 10 §2). Until it lands, a frame that has no
 * `seq` is validated with these not required (their schemas still apply when present, e.g. `type` on event frames).
 */
const pendingProtocolFields = ['type', 'seq'] as const;

function withoutRequired(schema: Json, names: readonly string[]): Json {
  return { ...schema, required: (schema.required ?? []).filter((name: string) => !names.includes(name)) };
}

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

  describe('real frames match their channel schemas', () => {
    let validators: Map<string, { strict: ValidateFunction; pending: ValidateFunction }>;
    const seen = new Map<string, Frame>();

    beforeAll(() => {
      const ajv = newAjv();
      validators = new Map(
        Object.keys(STREAMS).map((name) => {
          const payload = document.channels[name].messages.data.payload as Json;
          return [name, { strict: ajv.compile(payload), pending: ajv.compile(withoutRequired(payload, pendingProtocolFields)) }];
        }),
      );
    });

    /** Validates `frame` against the stream's data schema; a frame without `seq` predates the protocol fields. */
    function expectValid(name: string, frame: Frame): void {
      const { strict, pending } = validators.get(name)!;
      const validate = typeof frame.seq === 'number' ? strict : pending;
      const valid = validate(frame);
      expect({ name, errors: valid ? [] : validate.errors }).toEqual({ name, errors: [] });
      seen.set(name, frame);
    }

    const isData = (frame: Frame) => !['error', 'welcome', 'ping'].includes(frame.type);

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
        await client.next((frame) => frame.type === 'welcome', 10_000);
        gateway.app.get(SpreadsPipeline).ingest(divergingQuotes(Date.now()));
        expectValid('spreads.live', await client.next(isData, 10_000));
      } finally {
        await client.close();
      }
    });

    it('dex-metrics.live: the first message frame', async () => {
      const client = StreamClient.connect(gateway.wsUrl(STREAMS['dex-metrics.live']));
      try {
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
