import { Logger as NestLogger, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { BODY_LIMIT_BYTES, JSON_MAX_DEPTH, OriginPolicy, captureRawBody, corsOptions, declaredBodyLimit, refuseForeignOrigins } from '@app/http-security';
import { ConnectionRegistry, GatewayWsAdapter, REALTIME_OPTIONS, StreamCatalog, type RealtimeOptions } from '@app/realtime';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/http-exception.filter';

export interface GatewayAppOptions {
  /** hub timing overrides (tests shorten backoffs and linger) */
  realtime?: Partial<RealtimeOptions>;
  /** where log lines go instead of stdout (tests read them) */
  logDestination?: DestinationStream;
}

/** Builds the whole gateway (HTTP + every WebSocket stream on one server). Used by main.ts, the e2e tests and the benchmarks. */
export async function createGatewayApp(config: AppConfig, options: GatewayAppOptions = {}): Promise<INestApplication> {
  // the body parsers are ours (below): size and depth bounds, and the raw bytes kept for signed requests
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logDestination: options.logDestination }), { bufferLogs: true });
  app.useLogger(app.get(Logger));
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
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('market-gateway')
      .setDescription('Crypto market data over REST and WebSocket. WebSocket streams are listed in the README (OpenAPI cannot describe them).')
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
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
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, verify: captureRawBody({ maxDepth: JSON_MAX_DEPTH }) });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: true, verify: captureRawBody() });
  new NestLogger('HttpSecurity').log(origins.describe());
}
