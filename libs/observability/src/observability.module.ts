import { Global, Module } from '@nestjs/common';
import { UPSTREAM_OBSERVERS, circuitStateValue, type UpstreamObservers } from '@app/upstream';
import { MetricsService } from './metrics.service';

/** Feeds upstream call and cache outcomes into Prometheus. */
function upstreamObservers(metrics: MetricsService): UpstreamObservers {
  return {
    onCall: (upstream, status, durationMs) => {
      metrics.upstreamCalls.inc({ upstream, status: String(status) });
      if (status !== 'budget' && status !== 'circuit_open') metrics.upstreamLatency.observe({ upstream }, durationMs / 1000);
    },
    onCircuitState: (upstream, state) => metrics.upstreamCircuitState.set({ upstream }, circuitStateValue(state)),
    onCache: (event) => metrics.cacheEvents.inc({ event }),
  };
}

@Global()
@Module({
  providers: [MetricsService, { provide: UPSTREAM_OBSERVERS, inject: [MetricsService], useFactory: upstreamObservers }],
  exports: [MetricsService, UPSTREAM_OBSERVERS],
})
export class ObservabilityModule {}
