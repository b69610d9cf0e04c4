import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipRateLimits } from '@app/http-security';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DATABASE, checkDatabase, type Database } from '@app/storage';
import { UpstreamCache } from '@app/upstream';
import { StreamHub } from '@app/realtime';
import { Readiness } from './readiness';

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
  ) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicator.check('realtime').up(this.hub.stats())]);
  }

  /** Not shutting down, and the stores in use answer: the database (Postgres or embedded PGlite) and the cache (Redis when configured). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const check = this.indicator.check('shutdown');
        return this.readiness.draining ? check.down({ draining: true }) : check.up();
      },
      () => checkDatabase(this.database),
      async () => {
        const check = this.indicator.check('cache');
        return (await this.cache.isHealthy()) ? check.up({ store: this.cache.storeKind }) : check.down({ store: this.cache.storeKind });
      },
    ]);
  }
}
