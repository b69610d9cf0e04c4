import { Global, Module } from '@nestjs/common';
import { WsAuthenticator } from '@app/auth';
import { CLUSTER_REDIS, REPLICA_ID } from '@app/cluster';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type Redis from 'ioredis';
import { FEED_LEASES, FeedLeases } from './feed-leases';
import { DEFAULT_REALTIME_OPTIONS, REALTIME_OPTIONS, STREAM_AUTHENTICATOR, type RealtimeOptions } from './realtime.options';
import { ConnectionRegistry } from './connection-registry';
import { EVENT_LOG, InMemoryEventLog } from './event-log';
import { DEFAULT_EVENT_STREAM_OPTIONS, EVENT_STREAM_OPTIONS, EventStreams } from './event-streams';
import { StreamCatalog } from './stream-catalog';
import { StreamHub } from './stream-hub';
import { EVENT_STREAM_PORT, StreamMultiplexer } from './stream-multiplexer';

export function realtimeOptionsFromConfig(config: AppConfig, overrides: Partial<RealtimeOptions> = {}): RealtimeOptions {
  return {
    ...DEFAULT_REALTIME_OPTIONS,
    maxConnections: config.ws.maxConnections,
    maxPayloadBytes: config.ws.maxPayloadBytes,
    heartbeatMs: config.ws.heartbeatMs,
    maxConnectionsPerIp: config.ws.maxConnectionsPerIp,
    maxSubscriptionsPerSocket: config.ws.maxSubscriptionsPerSocket,
    feedLeaseTtlMs: config.redis.feedLeaseTtlMs,
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
    // with Redis, one replica refreshes each feed for the cluster (see StreamHub)
    {
      provide: FEED_LEASES,
      inject: [{ token: CLUSTER_REDIS, optional: true }, { token: REPLICA_ID, optional: true }, APP_CONFIG, REALTIME_OPTIONS],
      useFactory: (redis: Redis | undefined, replicaId: string | undefined, config: AppConfig, options: RealtimeOptions) =>
        redis && replicaId ? new FeedLeases(redis, replicaId, options, config.redis.keyPrefix) : undefined,
    },
    StreamHub,
    { provide: EVENT_STREAM_OPTIONS, useFactory: () => ({ ...DEFAULT_EVENT_STREAM_OPTIONS }) },
    // the resume buffer of DEX messages and capital-flow snapshots; the cluster issue swaps in Redis Streams here
    {
      provide: EVENT_LOG,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new InMemoryEventLog({ retentionMs: config.resume.retentionSeconds * 1000, maxEvents: config.resume.maxEvents }),
    },
    EventStreams,
    // /v1/stream subscribes to event streams through this port
    { provide: EVENT_STREAM_PORT, useExisting: EventStreams },
    // every declared stream's path and `/v1/stream` are served by the layer (GatewayWsAdapter routes to it)
    StreamCatalog,
    StreamMultiplexer,
  ],
  exports: [StreamHub, StreamCatalog, ConnectionRegistry, REALTIME_OPTIONS, EventStreams, EVENT_LOG, EVENT_STREAM_OPTIONS],
})
export class RealtimeModule {}
