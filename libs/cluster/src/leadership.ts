/**
 * Leadership of the cluster's singletons: the work that must run on exactly one replica at a time (issue 11).
 * A replica leads a role for a *term*; each term has a fencing token, strictly larger than every earlier term's
 * token of that role, which every durable write of the role checks (`assertFence`), so a replica that lost its
 * term without noticing (a pause, a partition) cannot write over its successor.
 */
export const LEADER_ROLES = ['spreads', 'dex-metrics', 'capital-flow', 'depeg'] as const;
export type LeaderRole = (typeof LEADER_ROLES)[number];

export interface LeadershipTerm {
  readonly role: LeaderRole;
  /** the fencing token of this term: strictly increasing per role across the cluster */
  readonly token: number;
  /** aborted when the term ends (lost lease, shutdown): the leader's work must stop writing then */
  readonly signal: AbortSignal;
}

/** What a feature runs while it leads a role. */
export interface RoleHandlers {
  /**
   * This replica now leads: start the singleton work (resuming from durable state). Resolves once started; the
   * function it returns stops the work and is awaited when the term ends (before another term can start here).
   */
  lead(term: LeadershipTerm): Promise<(() => Promise<void>) | void>;
}

/**
 * Behind the `LEADERSHIP` token. Without Redis every role is led by the one process (`LocalLeadership`); with
 * `REDIS_URL` replicas compete for a lease per role.
 */
export interface Leadership {
  readonly replicaId: string;
  /** Registers the role's work; leadership is sought for it from now until shutdown. One registration per role. */
  register(role: LeaderRole, handlers: RoleHandlers): void;
  /** the current term when this replica leads `role` now */
  term(role: LeaderRole): LeadershipTerm | undefined;
  /** the roles this replica leads now */
  roles(): LeaderRole[];
}

export const LEADERSHIP = Symbol('LEADERSHIP');

/** A term ended while work still wanted to write: a newer leader exists, or this replica is stepping down. */
export class FencedOutError extends Error {
  override name = 'FencedOutError';
  constructor(role: LeaderRole, token: number) {
    super(`${role}: the leadership term with fencing token ${token} is over (a newer leader holds the role)`);
  }
}
