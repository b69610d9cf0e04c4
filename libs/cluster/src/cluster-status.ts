import { Inject, Injectable } from '@nestjs/common';
import { LEADERSHIP, type Leadership, type LeaderRole } from './leadership';
import { REPLICA_ID } from './replica-id';

/** What `/health/ready` says about this replica's place in the cluster. */
export interface ReplicaStatus {
  id: string;
  /** the singleton roles this replica leads now */
  roles: LeaderRole[];
  /** how many upstream feeds this replica refreshes for the cluster now (it holds their leases) */
  feed_leases: number;
}

/** Gathers the replica's roles and feed leases; the realtime layer registers its lease count here. */
@Injectable()
export class ClusterStatus {
  private feedLeases: () => number = () => 0;

  constructor(
    @Inject(REPLICA_ID) readonly replicaId: string,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
  ) {}

  /** The realtime hub tells how many feed leases it holds (counted when asked). */
  countFeedLeasesWith(count: () => number): void {
    this.feedLeases = count;
  }

  snapshot(): ReplicaStatus {
    return { id: this.replicaId, roles: this.leadership.roles(), feed_leases: this.feedLeases() };
  }
}
