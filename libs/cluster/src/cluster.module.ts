import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type Redis from 'ioredis';
import { ClusterStatus } from './cluster-status';
import { CLUSTER_REDIS, ClusterRedisCloser, clusterRedisProvider } from './cluster-redis';
import { LEADERSHIP, type Leadership } from './leadership';
import { LocalLeadership } from './local-leadership';
import { RedisLeadership } from './redis-leadership';
import { REPLICA_ID } from './replica-id';

/** Ends the terms on shutdown, after the features stopped taking work and before the stores close. */
@Injectable()
class LeadershipCloser implements OnApplicationShutdown {
  constructor(@Inject(LEADERSHIP) private readonly leadership: Leadership & { close?: () => Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.leadership.close?.();
  }
}

/** Redis leases when `REDIS_URL` is set (on a connection of their own), else this process leads every role. */
const leadershipProvider: Provider = {
  provide: LEADERSHIP,
  inject: [REPLICA_ID, CLUSTER_REDIS, APP_CONFIG],
  useFactory: (replicaId: string, redis: Redis | undefined, config: AppConfig): Leadership => {
    const logger = new Logger('Leadership');
    if (!redis) {
      logger.log(`local leadership: this process leads every singleton role (no REDIS_URL); replica ${replicaId}`);
      return new LocalLeadership(replicaId);
    }
    const { leaderLeaseMs: leaseMs, keyPrefix } = config.cluster;
    logger.log(`Redis leadership: singleton roles go to one replica at a time (lease ${leaseMs} ms); replica ${replicaId}`);
    const connection = redis.duplicate();
    connection.on('error', () => undefined); // the campaign logs what fails; the shared connection warns about outages
    return new RedisLeadership(connection, replicaId, { leaseMs, keyPrefix });
  },
};

/**
 * What a replica needs to be one of many (issue 11): its id, the shared Redis connection and the leadership of the
 * singletons. Global: import once in the app module.
 */
@Global()
@Module({
  providers: [
    { provide: REPLICA_ID, inject: [APP_CONFIG], useFactory: (config: AppConfig) => config.cluster.replicaId },
    clusterRedisProvider,
    ClusterRedisCloser,
    leadershipProvider,
    LeadershipCloser,
    ClusterStatus,
  ],
  exports: [REPLICA_ID, CLUSTER_REDIS, LEADERSHIP, ClusterStatus],
})
export class ClusterModule {}
