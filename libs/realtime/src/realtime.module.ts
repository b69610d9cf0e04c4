import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { WsAuthenticator } from '@app/auth';
import { CLUSTER_REDIS, REPLICA_ID } from '@app/cluster';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { JobScheduler } from '@app/scheduling';
import { FEED_LEASES, FeedLeases } from './feed-leases';
import { DEFAULT_REALTIME_OPTIONS, REALTIME_OPTIONS, STREAM_AUTHENTICATOR, type RealtimeOptions } from './realtime.options';
import { ConnectionRegistry } from './connection-registry';
import { EVENT_LOG, InMemoryEventLog, type EventLog } from './event-log';
import { RedisStreamsEventLog } from './redis-event-log';
import { SharedConnectionCounts } from './shared-connection-counts';
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
    trustedProxies: config.http.trustedProxies,
    maxSubscriptionsPerSocket: config.ws.maxSubscriptionsPerSocket,
    feedLeaseTtlMs: config.redis.feedLeaseTtlMs,
    ...overrides,
  };
}

export function eventLogFor(config: AppConfig, redis: Redis | undefined): EventLog {
  const bounds = { retentionMs: config.resume.retentionSeconds * 1000, maxEvents: config.resume.maxEvents };
  return redis ? new RedisStreamsEventLog(redis, { ...bounds, keyPrefix: `${config.redis.keyPrefix}events:` }) : new InMemoryEventLog(bounds);
}

/** Stops the Redis log's reader and closes its connections on shutdown. */
@Injectable()
class EventLogCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_LOG) private readonly log: EventLog & { close?: () => Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.log.close?.();
  }
}

@Global()
@Module({
  providers: [
    { provide: REALTIME_OPTIONS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => realtimeOptionsFromConfig(config) },
    // the seed-000 streams authenticate with the app's JWT authenticator
    { provide: STREAM_AUTHENTICATOR, useExisting: WsAuthenticator },
    // WS_MAX_CONNECTIONS_PER_IP over the cluster when REDIS_URL is set (null: this process's count alone)
    {
      provide: SharedConnectionCounts,
      inject: [APP_CONFIG, CLUSTER_REDIS, REPLICA_ID, JobScheduler],
      useFactory: (config: AppConfig, redis: Redis | undefined, replicaId: string, jobs: JobScheduler) =>
        redis ? new SharedConnectionCounts(redis, { replicaId, keyPrefix: `${config.redis.keyPrefix}ws:` }, jobs) : null,
    },
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
    // the resume buffer and live feed of DEX messages and capital-flow snapshots: Redis Streams shared by the
    // replicas when REDIS_URL is set, else in this process
    { provide: EVENT_LOG, inject: [APP_CONFIG, CLUSTER_REDIS], useFactory: eventLogFor },
    EventLogCloser,
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
