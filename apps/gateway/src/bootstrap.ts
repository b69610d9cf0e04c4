import { Logger as NestLogger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import type { DestinationStream } from 'pino';
import { MetricsService } from '@app/observability';
import { BODY_LIMIT_BYTES, JSON_MAX_DEPTH, JSON_MAX_KEYS, compileTrustedProxies, OriginPolicy, captureRawBody, corsOptions, declaredBodyLimit, refuseForeignOrigins } from '@app/http-security';
import { SECURITY, validationPipes } from '@app/contract';
import { ConnectionRegistry, GatewayWsAdapter, REALTIME_OPTIONS, StreamCatalog, type RealtimeOptions } from '@app/realtime';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/http-exception.filter';
import { CONTRACT_VERSION } from './contract/asyncapi.controller';
import type { GatewayConfig } from './gateway-config';

export interface GatewayAppOptions {
  /** hub timing overrides (tests shorten backoffs and linger) */
  realtime?: Partial<RealtimeOptions>;
  /** where log lines go instead of stdout (tests read them) */
  logDestination?: DestinationStream;
}

/** Builds the whole gateway (HTTP + every WebSocket stream on one server). Used by main.ts, the e2e tests and the benchmarks. */
export async function createGatewayApp(config: GatewayConfig, options: GatewayAppOptions = {}): Promise<INestApplication> {
  // the body parsers are ours (below): size and depth bounds, and the raw bytes kept for signed requests
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logDestination: options.logDestination }), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // behind a load balancer: req.ip (REST rate limits per IP, logs) is the client named by X-Forwarded-For, as for
  // the WebSocket per-IP cap (ConnectionRegistry)
  if (config.http.trustedProxies.length > 0) app.set('trust proxy', compileTrustedProxies(config.http.trustedProxies));
  if (options.realtime) Object.assign(app.get<RealtimeOptions>(REALTIME_OPTIONS), options.realtime);
  const origins = new OriginPolicy(config.http.allowedOrigins);
  const metrics = app.get(MetricsService);
  app.useWebSocketAdapter(
    new GatewayWsAdapter(app, {
      maxPayloadBytes: config.ws.maxPayloadBytes,
      admitOrigin: (request) => origins.check(request.headers) !== 'refused',
      admission: app.get(ConnectionRegistry),
      onClientError: (code) => metrics.wsClientErrors.inc({ code }),
      // every declared stream's path and /v1/stream: served by the realtime layer, no gateway class per path
      router: app.get(StreamCatalog),
    }),
  );
  installHttpHygiene(app, origins);
  app.useGlobalFilters(new HttpErrorFilter());
  // DTO errors in the app's shape: { code: 400, message, details: [{ param, message }] }
  app.useGlobalPipes(...validationPipes());

  // nestjs-zod's DTOs leave markers in the document that its cleanup turns into plain OpenAPI 3.0
  SwaggerModule.setup('docs', app, cleanupOpenApiDoc(SwaggerModule.createDocument(app, openApiConfig())));
  return app;
}

/** The OpenAPI document's frame: where the streams are described, and the security schemes the routes apply. */
function openApiConfig() {
  return new DocumentBuilder()
    .setTitle('market-gateway')
    .setDescription(
      'Crypto market data over REST and WebSocket. This document covers the REST routes. The WebSocket streams (every single-stream path and ' +
        'the multiplexed `/v1/stream`) are described by the AsyncAPI 3.0 document at [/asyncapi.json](/asyncapi.json); try them live in the ' +
        'stream explorer at [/explorer](/explorer). Errors: `{ code, message, details: [{ param, message }] }`; the capital-flow open API keeps ' +
        'its seed envelope `{ code, message, data, requestId }`.',
    )
    .setVersion(CONTRACT_VERSION)
    .setExternalDoc('AsyncAPI document of the WebSocket streams', '/asyncapi.json')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Spreads API key (tiers: machine-dev, builder, contract).' }, SECURITY.apiKeyHeader)
    .addApiKey({ type: 'apiKey', in: 'query', name: 'api_key', description: 'The spreads API key as a query param: WebSocket upgrades of /v1/spreads/live, where browsers cannot set headers.' }, SECURITY.apiKeyQuery)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-KEY', description: 'Capital-flow open API key; signed requests carry X-TIMESTAMP and X-SIGN too.' }, SECURITY.signedKey)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-TIMESTAMP', description: 'Epoch ms of the request, within ±30 s of the server clock (each timestamp+signature is accepted once).' }, SECURITY.signedTimestamp)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-SIGN', description: 'Hex HMAC-SHA256(secret, timestamp + method + path + body); on a WebSocket upgrade: method GET, the path with its query, an empty body.' }, SECURITY.signedSign)
    .build();
}

/**
 * Express middleware ahead of every route, in this order: security headers, the origin check (403 before a body
 * byte is read), CORS for allowed origins, then the body size bound and parsers (JSON nesting bounded in linear time).
 */
function installHttpHygiene(app: NestExpressApplication, origins: OriginPolicy): void {
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        // the defaults fit Swagger UI at /docs (its scripts and styles are same-origin, images data:), except that
        // upgrade-insecure-requests would send its assets to https:// on a plain-http deployment
        directives: { upgradeInsecureRequests: null },
      },
    }),
  );
  app.use(refuseForeignOrigins(origins));
  app.enableCors(corsOptions(origins));
  app.use(declaredBodyLimit(BODY_LIMIT_BYTES));
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, verify: captureRawBody({ maxDepth: JSON_MAX_DEPTH, maxKeys: JSON_MAX_KEYS }) });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: true, verify: captureRawBody() });
  new NestLogger('HttpSecurity').log(origins.describe());
}
