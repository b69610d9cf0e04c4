import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { LeaderGauge } from './leader-gauge';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController, MetricsController],
  providers: [Readiness, LeaderGauge],
  exports: [Readiness],
})
export class OperationsModule {}
