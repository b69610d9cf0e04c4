import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClusterStatus } from './cluster-status';
import { CLUSTER_REDIS, ClusterRedisCloser, clusterRedisProvider } from './cluster-redis';
import { LEADERSHIP, type Leadership } from './leadership';
import { LocalLeadership } from './local-leadership';
import { REPLICA_ID, resolveReplicaId } from './replica-id';

/** Ends the terms on shutdown, after the features stopped taking work and before the stores close. */
@Injectable()
class LeadershipCloser implements OnApplicationShutdown {
  constructor(@Inject(LEADERSHIP) private readonly leadership: Leadership & { close?: () => Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.leadership.close?.();
  }
}

/**
 * What a replica needs to be one of many (issue 11): its id, the shared Redis connection and the leadership of the
 * singletons. Global: import once in the app module.
 */
@Global()
@Module({
  providers: [
    { provide: REPLICA_ID, useFactory: () => resolveReplicaId() },
    clusterRedisProvider,
    ClusterRedisCloser,
    { provide: LEADERSHIP, inject: [REPLICA_ID], useFactory: (replicaId: string) => new LocalLeadership(replicaId) },
    LeadershipCloser,
    ClusterStatus,
  ],
  exports: [REPLICA_ID, CLUSTER_REDIS, LEADERSHIP, ClusterStatus],
})
export class ClusterModule {}
