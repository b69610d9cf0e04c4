import { Inject, Injectable } from '@nestjs/common';
import { MetricsService } from '@app/observability';
import { Gauge } from 'prom-client';
import { LEADER_ROLES, LEADERSHIP, type Leadership } from '@app/cluster';

/**
 * `gateway_leader{role}`: 1 for each role this replica leads at scrape time, 0 for the others (every role present).
 * Wired here, where the app meets both libs, so libs/cluster and libs/observability stay independent of each other.
 */
@Injectable()
export class LeaderGauge {
  constructor(metrics: MetricsService, @Inject(LEADERSHIP) leadership: Leadership) {
    new Gauge({
      name: 'gateway_leader',
      help: 'Whether this replica leads the singleton role now (1) or not (0)',
      labelNames: ['role'],
      registers: [metrics.registry],
      collect() {
        const led = new Set(leadership.roles());
        for (const role of LEADER_ROLES) this.set({ role }, led.has(role) ? 1 : 0);
      },
    });
  }
}
