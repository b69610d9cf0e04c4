import { Logger } from '@nestjs/common';
import type { Leadership, LeadershipTerm, LeaderRole, RoleHandlers } from './leadership';

/**
 * One process, no Redis: it leads every role from registration to shutdown (the embedded default, as before the
 * cluster work). Its token is taken from the clock so that it is still newer than any token a previous run wrote.
 */
export class LocalLeadership implements Leadership {
  private readonly logger = new Logger('Leadership');
  private readonly terms = new Map<LeaderRole, { term: LeadershipTerm; controller: AbortController; stop?: () => Promise<void> }>();

  constructor(readonly replicaId: string) {}

  register(role: LeaderRole, handlers: RoleHandlers): void {
    if (this.terms.has(role)) throw new Error(`leadership of ${role} is already registered`);
    const controller = new AbortController();
    const term: LeadershipTerm = { role, token: Date.now(), signal: controller.signal };
    const entry: { term: LeadershipTerm; controller: AbortController; stop?: () => Promise<void> } = { term, controller };
    this.terms.set(role, entry);
    void handlers.lead(term).then(
      (stop) => {
        if (stop) entry.stop = stop;
      },
      (error: Error) => this.logger.error(`${role}: starting the leader's work failed: ${error.message}`),
    );
  }

  term(role: LeaderRole): LeadershipTerm | undefined {
    return this.terms.get(role)?.term;
  }

  roles(): LeaderRole[] {
    return [...this.terms.keys()];
  }

  /** Ends every term (app shutdown). */
  async close(): Promise<void> {
    const entries = [...this.terms.values()];
    this.terms.clear();
    for (const entry of entries) entry.controller.abort();
    await Promise.allSettled(entries.map((entry) => entry.stop?.()));
  }
}
