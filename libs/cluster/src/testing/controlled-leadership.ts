import type { Leadership, LeadershipTerm, LeaderRole, RoleHandlers } from '../leadership';

/** Fencing tokens shared by the replicas of one test: every grant is newer than every earlier one, as in a cluster. */
export class TestTokens {
  private last = 0;
  next(): number {
    return ++this.last;
  }
}

/**
 * A Leadership a test drives: `grant` makes this replica lead a role (a new term with a newer token), `revoke` ends
 * the term (signal aborted, the work's stop awaited). Nothing stops two replicas from both thinking they lead: that
 * is how a test plays a paused old leader against its successor (the fence must sort it out).
 */
export class ControlledLeadership implements Leadership {
  private readonly handlers = new Map<LeaderRole, RoleHandlers>();
  private readonly terms = new Map<LeaderRole, { term: LeadershipTerm; controller: AbortController; stop?: () => Promise<void> }>();

  constructor(
    readonly replicaId: string,
    private readonly tokens: TestTokens = new TestTokens(),
  ) {}

  register(role: LeaderRole, handlers: RoleHandlers): void {
    if (this.handlers.has(role)) throw new Error(`leadership of ${role} is already registered`);
    this.handlers.set(role, handlers);
  }

  /** Starts a term of `role` here and resolves once its work started. */
  async grant(role: LeaderRole): Promise<LeadershipTerm> {
    const handlers = this.handlers.get(role);
    if (!handlers) throw new Error(`${role} is not registered`);
    await this.revoke(role);
    const controller = new AbortController();
    const term: LeadershipTerm = { role, token: this.tokens.next(), signal: controller.signal };
    const entry: { term: LeadershipTerm; controller: AbortController; stop?: () => Promise<void> } = { term, controller };
    this.terms.set(role, entry);
    const stop = await handlers.lead(term);
    if (stop) entry.stop = stop;
    return term;
  }

  /** Ends the term of `role` here (if any) and awaits its stop. */
  async revoke(role: LeaderRole): Promise<void> {
    const entry = this.terms.get(role);
    if (!entry) return;
    this.terms.delete(role);
    entry.controller.abort();
    await entry.stop?.();
  }

  term(role: LeaderRole): LeadershipTerm | undefined {
    return this.terms.get(role)?.term;
  }

  roles(): LeaderRole[] {
    return [...this.terms.keys()];
  }

  async close(): Promise<void> {
    for (const role of [...this.terms.keys()]) await this.revoke(role);
  }
}
