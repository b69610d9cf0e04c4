import type { SqlExecutor } from '@app/storage';
import { FencedOutError, type LeadershipTerm } from './leadership';

/**
 * Checks, inside the transaction of a durable write, that `term` is still the newest term of its role, and records
 * its token. Call it first in every leader-only write transaction: the row lock it takes orders the write after
 * any concurrent write of an older term, and a write of a term older than the recorded one throws
 * `FencedOutError` (the transaction rolls back, nothing of it lands).
 */
export async function assertFence(tx: SqlExecutor, term: Pick<LeadershipTerm, 'role' | 'token'>): Promise<void> {
  const { rows } = await tx.query(
    `insert into leader_fence (role, token) values ($1, $2)
     on conflict (role) do update set token = excluded.token, updated_at = now()
     where leader_fence.token <= excluded.token
     returning token`,
    [term.role, term.token],
  );
  if (rows.length !== 1) throw new FencedOutError(term.role, term.token);
}
