import { Global, Module } from '@nestjs/common';
import { WsAuthenticator } from '@app/auth';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DEFAULT_REALTIME_OPTIONS, REALTIME_OPTIONS, STREAM_AUTHENTICATOR, type RealtimeOptions } from './realtime.options';
import { ConnectionRegistry } from './connection-registry';
import { StreamCatalog } from './stream-catalog';
import { StreamHub } from './stream-hub';
import { StreamMultiplexer } from './stream-multiplexer';

export function realtimeOptionsFromConfig(config: AppConfig, overrides: Partial<RealtimeOptions> = {}): RealtimeOptions {
  return {
    ...DEFAULT_REALTIME_OPTIONS,
    maxConnections: config.ws.maxConnections,
    maxPayloadBytes: config.ws.maxPayloadBytes,
    heartbeatMs: config.ws.heartbeatMs,
    maxConnectionsPerIp: config.ws.maxConnectionsPerIp,
    maxSubscriptionsPerSocket: config.ws.maxSubscriptionsPerSocket,
    ...overrides,
  };
}

@Global()
@Module({
  providers: [
    { provide: REALTIME_OPTIONS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => realtimeOptionsFromConfig(config) },
    // the seed-000 streams authenticate with the app's JWT authenticator
    { provide: STREAM_AUTHENTICATOR, useExisting: WsAuthenticator },
    ConnectionRegistry,
    StreamHub,
    // every declared stream's path and `/v1/stream` are served by the layer (GatewayWsAdapter routes to it)
    StreamCatalog,
    StreamMultiplexer,
  ],
  exports: [StreamHub, StreamCatalog, ConnectionRegistry, REALTIME_OPTIONS],
})
export class RealtimeModule {}
