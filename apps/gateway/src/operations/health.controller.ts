import { Controller, Get, Inject, ServiceUnavailableException, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { withDeadline } from '@app/scheduling';
import { SkipRateLimits } from '@app/http-security';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { CLUSTER_REDIS, ClusterStatus } from '@app/cluster';
import { DATABASE, checkDatabase, type Database } from '@app/storage';
import { UpstreamCache, UpstreamPolicies } from '@app/upstream';
import { StreamHub } from '@app/realtime';
import { Readiness } from './readiness';

/** a probe answers fast: a Redis that does not answer within this is down */
const REDIS_PING_TIMEOUT_MS = 1_000;

@ApiTags('operations')
@SkipRateLimits() // probes and scrapers are never rate limited
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(DATABASE) private readonly database: Database,
    private readonly cache: UpstreamCache,
    private readonly hub: StreamHub,
    private readonly readiness: Readiness,
    private readonly cluster: ClusterStatus,
    @Inject(CLUSTER_REDIS) private readonly redis: Redis | undefined,
    private readonly upstreams: UpstreamPolicies,
  ) {}

  /** The process is up and its event loop turns (never depends on Redis or Postgres). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicator.check('realtime').up(this.hub.stats())]);
  }

  /**
   * Not shutting down, and the stores in use answer: the database (Postgres or embedded PGlite), the cache, and the
   * cluster's Redis when `REDIS_URL` is set. The body (200 or 503) is terminus' result plus `replica`: this replica's
   * id, the singleton roles it leads now and how many feed leases it holds. `upstreams` lists each upstream's circuit
   * (`closed`, `half_open`, `open`) as detail: it is always up.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) response: Response) {
    const checks: HealthIndicatorFunction[] = [
      () => {
        const check = this.indicator.check('shutdown');
        return this.readiness.draining ? check.down({ draining: true }) : check.up();
      },
      () => checkDatabase(this.database),
      async () => {
        const check = this.indicator.check('cache');
        return (await this.cache.isHealthy()) ? check.up({ store: this.cache.storeKind }) : check.down({ store: this.cache.storeKind });
      },
      // detail only: an upstream outage is served from cache (stale frames), it never makes the replica unready
      () => this.indicator.check('upstreams').up({ circuits: Object.fromEntries(this.upstreams.states().map(({ upstream, circuit }) => [upstream, circuit])) }),
    ];
    const redis = this.redis;
    if (redis) checks.push(() => this.checkClusterRedis(redis));
    const replica = this.cluster.snapshot();
    try {
      return { ...(await this.health.check(checks)), replica };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // terminus' own 503 body (which check is down), not the generic error envelope: probes and operators read it
      response.status(503);
      return { ...(error.getResponse() as object), replica };
    }
  }

  private async checkClusterRedis(redis: Redis) {
    const check = this.indicator.check('cluster_redis');
    if (redis.status !== 'ready') return check.down({ connection: redis.status });
    try {
      await withDeadline(redis.ping(), REDIS_PING_TIMEOUT_MS, () => new Error(`no answer within ${REDIS_PING_TIMEOUT_MS} ms`));
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
