import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { delay } from '@app/scheduling/deadlines';
import { LEADER_ROLES, type Leadership, type LeadershipTerm, type LeaderRole, type RoleHandlers } from './leadership';

export interface RedisLeadershipOptions {
  /** lease length (`LEADER_LEASE_MS`): a dead leader's role is free again after at most this long */
  leaseMs: number;
  /** how often a replica that does not lead asks for the lease (default: 1 s, at most leaseMs / 3) */
  campaignMs?: number;
  /** key prefix (tests use one per test) */
  keyPrefix?: string;
}

/**
 * One script: take the lease when it is free (or already ours, after a local step-down) and, in the same step, the
 * term's fencing token, so no two terms of a role can ever hold the same token.
 */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current ~= false and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])`;

/** Compare-and-extend: only the holder renews. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Compare-and-delete: only the holder releases (a restart hands over at once instead of after the lease). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface LeaseCommands {
  clusterLeaderAcquire(lease: string, counter: string, owner: string, leaseMs: number): Promise<number>;
  clusterLeaderRenew(lease: string, owner: string, leaseMs: number): Promise<number>;
  clusterLeaderRelease(lease: string, owner: string): Promise<number>;
}

type EndReason = 'lost' | 'expired' | 'shutdown';

/** A bounded wait for Redis while stepping down or closing: a dead Redis must not hold up the shutdown. */
const REDIS_GIVE_UP_MS = 1_000;

/**
 * Leadership over Redis leases, one per role (issue 11): `SET key owner PX lease` when free, taken together with an
 * `INCR`ed fencing token; the leader renews every lease/3 by compare-and-extend. A leader that could not renew steps
 * down (aborts the term, awaits the work's stop) when its lease may have less than a fifth of its length left,
 * i.e. before another replica can take it; a replica not leading campaigns about every second, so a dead leader's
 * role moves within lease + 1 s. Uses its own connection (lease traffic never waits behind bulk traffic) and closes it.
 */
export class RedisLeadership implements Leadership {
  private readonly logger = new Logger('Leadership');
  private readonly campaigns = new Map<LeaderRole, RoleCampaign>();
  /** this instance's lease value: the replica id plus a nonce (two instances never share a lease by accident) */
  private readonly owner: string;
  private readonly redis: Redis & LeaseCommands;
  private closed = false;

  constructor(
    redis: Redis,
    readonly replicaId: string,
    private readonly options: RedisLeadershipOptions,
  ) {
    this.owner = `${replicaId}#${randomBytes(4).toString('hex')}`;
    redis.defineCommand('clusterLeaderAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('clusterLeaderRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('clusterLeaderRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & LeaseCommands;
  }

  register(role: LeaderRole, handlers: RoleHandlers): void {
    if (this.campaigns.has(role)) throw new Error(`leadership of ${role} is already registered`);
    if (this.closed) throw new Error('leadership is closed');
    const prefix = this.options.keyPrefix ?? 'cluster:';
    const campaign = new RoleCampaign(role, handlers, {
      redis: this.redis,
      owner: this.owner,
      leaseKey: `${prefix}leader:${role}`,
      tokenKey: `${prefix}leader:${role}:token`,
      leaseMs: this.options.leaseMs,
      campaignMs: this.options.campaignMs ?? Math.min(1_000, Math.floor(this.options.leaseMs / 3)),
      logger: this.logger,
    });
    this.campaigns.set(role, campaign);
    campaign.start();
  }

  term(role: LeaderRole): LeadershipTerm | undefined {
    return this.campaigns.get(role)?.term;
  }

  roles(): LeaderRole[] {
    return LEADER_ROLES.filter((role) => this.campaigns.get(role)?.term !== undefined);
  }

  /** Ends every term (stop fns awaited), releases the leases so the others take over at once, closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.campaigns.values()].map((campaign) => campaign.close()));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

interface CampaignContext {
  redis: Redis & LeaseCommands;
  owner: string;
  leaseKey: string;
  tokenKey: string;
  leaseMs: number;
  campaignMs: number;
  logger: Logger;
}

/** One role's loop: campaign → lead one term → step down → campaign again. Terms run one after the other. */
class RoleCampaign {
  private current?: { term: LeadershipTerm; deadline: number };
  private readonly closing = new AbortController();
  /** ends the term being held (lost, expired, shutdown) */
  private holding?: AbortController;
  private loop?: Promise<void>;
  private lastError?: string;

  constructor(
    private readonly role: LeaderRole,
    private readonly handlers: RoleHandlers,
    private readonly context: CampaignContext,
  ) {}

  /** the term held now; none once its deadline passed, even before the timer ran (a blocked event loop) */
  get term(): LeadershipTerm | undefined {
    const current = this.current;
    return current && performance.now() < current.deadline ? current.term : undefined;
  }

  start(): void {
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.holding?.abort('shutdown' satisfies EndReason);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closing.signal.aborted) {
      const acquired = await this.tryAcquire();
      if (acquired) await this.serve(acquired.token, acquired.deadline);
      // jitter, so replicas that lost the same leader do not ask in lockstep
      const pause = this.context.campaignMs * (0.75 + Math.random() * 0.5);
      await delay(pause, { signal: this.closing.signal });
    }
  }

  private async tryAcquire(): Promise<{ token: number; deadline: number } | undefined> {
    const { redis, leaseKey, tokenKey, owner, leaseMs } = this.context;
    const sentAt = performance.now();
    const acquiring = redis.clusterLeaderAcquire(leaseKey, tokenKey, owner, leaseMs);
    try {
      // shutdown does not wait for a Redis that does not answer; a lease taken meanwhile is given back when it does
      const token = Number(await this.untilClosing(acquiring));
      this.reportRecovered();
      if (!(token > 0)) return undefined;
      if (this.closing.signal.aborted) {
        await this.release();
        return undefined;
      }
      return { token, deadline: sentAt + this.safeLeaseMs() };
    } catch (error) {
      if (this.closing.signal.aborted) void acquiring.then((token) => (token > 0 ? this.release() : undefined), () => undefined);
      else this.reportError('campaigning', error);
      return undefined;
    }
  }

  /** Leads one term: starts the work, renews until the lease is lost, cannot be renewed in time, or shutdown. */
  private async serve(token: number, firstDeadline: number): Promise<void> {
    const { logger, leaseMs } = this.context;
    const controller = new AbortController();
    const holding = new AbortController();
    this.holding = holding;
    if (this.closing.signal.aborted) holding.abort('shutdown' satisfies EndReason);
    const term: LeadershipTerm = { role: this.role, token, signal: controller.signal };
    const current = { term, deadline: firstDeadline };
    this.current = current;
    logger.log(`${this.role}: leading (fencing token ${token})`);
    const started = this.handlers.lead(term).catch((error: Error) => {
      logger.error(`${this.role}: starting the leader's work failed: ${error.message}`);
      holding.abort('shutdown' satisfies EndReason); // give the role back at once; campaign again later
      return undefined;
    });

    // the lease's own deadline, re-armed at each renewal: a cancellation deadline, not a job
    let deadline: AbortController | undefined;
    const armDeadline = () => {
      deadline?.abort();
      const armed = (deadline = new AbortController());
      void delay(Math.max(0, current.deadline - performance.now()), { signal: armed.signal }).then(() => {
        if (!armed.signal.aborted) holding.abort('expired' satisfies EndReason);
      });
    };
    armDeadline();
    void this.renewWhileHolding(holding.signal, (sentAt) => {
      current.deadline = sentAt + this.safeLeaseMs();
      armDeadline();
    });

    if (!holding.signal.aborted) await new Promise((resolve) => holding.signal.addEventListener('abort', resolve, { once: true }));
    deadline?.abort();
    const reason = holding.signal.reason as EndReason;
    // not leading from here on: the work is told at once, and the next term waits until it has stopped
    this.current = undefined;
    controller.abort(new Error(`${this.role}: leadership term ${token} ended (${reason})`));
    if (reason !== 'shutdown') logger.warn(`${this.role}: stepping down (${reason === 'lost' ? 'another replica holds the lease' : `lease not renewed within ${leaseMs} ms`})`);
    try {
      const stop = await started;
      await stop?.();
    } catch (error) {
      logger.error(`${this.role}: stopping the leader's work failed: ${(error as Error).message}`);
    }
    if (reason !== 'lost') await this.release();
    if (reason === 'shutdown') logger.log(`${this.role}: released the lease (term ${token})`);
  }

  private async renewWhileHolding(signal: AbortSignal, renewed: (sentAt: number) => void): Promise<void> {
    const { redis, leaseKey, owner, leaseMs } = this.context;
    const everyMs = Math.max(50, Math.floor(leaseMs / 3));
    while (!signal.aborted) {
      await delay(everyMs, { signal });
      if (signal.aborted) return;
      const sentAt = performance.now();
      try {
        const kept = Number(await redis.clusterLeaderRenew(leaseKey, owner, leaseMs)) === 1;
        this.reportRecovered();
        if (signal.aborted) return;
        if (!kept) {
          this.holding?.abort('lost' satisfies EndReason);
          return;
        }
        renewed(sentAt);
      } catch (error) {
        // the deadline timer decides: a short blip is survived, a longer one steps the leader down in time
        this.reportError('renewing', error);
      }
    }
  }

  /**
   * How long after sending a successful acquire/renew this replica may still consider itself the leader: the lease
   * minus a fifth (at least 200 ms) kept for aborting the work and for clock-rate differences.
   */
  private safeLeaseMs(): number {
    const { leaseMs } = this.context;
    return leaseMs - Math.max(200, Math.floor(leaseMs / 5));
  }

  private async release(): Promise<void> {
    const { redis, leaseKey, owner } = this.context;
    const releasing = redis.clusterLeaderRelease(leaseKey, owner).catch(() => 0);
    await Promise.race([releasing, delay(REDIS_GIVE_UP_MS)]);
  }

  /** `work`, or a rejection as soon as the campaign closes */
  private untilClosing<T>(work: Promise<T>): Promise<T> {
    const { signal } = this.closing;
    if (signal.aborted) return Promise.reject(new Error('closing'));
    return new Promise<T>((resolve, reject) => {
      const onClose = () => reject(new Error('closing'));
      signal.addEventListener('abort', onClose, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onClose));
    });
  }

  private reportError(doing: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastError) return; // once per distinct error until it recovers
    this.lastError = message;
    this.context.logger.warn(`${this.role}: ${doing} failed: ${message}`);
  }

  private reportRecovered(): void {
    this.lastError = undefined;
  }
}

