import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '@app/config';
import { ConnectionRegistry, GatewayWsAdapter, REALTIME_OPTIONS, type RealtimeOptions } from '@app/realtime';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/http-exception.filter';

export interface GatewayAppOptions {
  /** hub timing overrides (tests shorten backoffs and linger) */
  realtime?: Partial<RealtimeOptions>;
}

/** Builds the whole gateway (HTTP + every WebSocket stream on one server). Used by main.ts, the e2e tests and the benchmarks. */
export async function createGatewayApp(config: AppConfig, options: GatewayAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true, rawBody: true }); // rawBody: signed requests (capital-flow X-SIGN) cover the body bytes as sent
  app.useLogger(app.get(Logger));
  if (options.realtime) Object.assign(app.get<RealtimeOptions>(REALTIME_OPTIONS), options.realtime);
  app.useWebSocketAdapter(new GatewayWsAdapter(app, { maxPayloadBytes: config.ws.maxPayloadBytes, admission: app.get(ConnectionRegistry) }));
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
