import { Injectable } from '@nestjs/common';
import { MetricsService } from '@app/observability';
import { Counter, Histogram } from 'prom-client';

/** The capital-flow feature's Prometheus metrics, on the app's registry. */
@Injectable()
export class CapitalFlowMetrics {
  readonly pointsIngested: Counter;
  readonly seriesFailed: Counter;
  readonly syncDuration: Histogram;
  readonly requests: Counter<'route' | 'code'>;
  readonly pointsCharged: Counter<'route'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.pointsIngested = new Counter({ name: 'capital_flow_points_ingested_total', help: 'Window points written (backfill and live)', registers });
    this.seriesFailed = new Counter({ name: 'capital_flow_series_failed_total', help: 'Series a sync pass could not bring up to date (retried)', registers });
    this.syncDuration = new Histogram({ name: 'capital_flow_sync_duration_seconds', help: 'One ingestion pass over every due series', buckets: [0.1, 0.5, 1, 5, 15, 60, 180], registers });
    this.requests = new Counter({ name: 'capital_flow_requests_total', help: 'Open API answers by route and envelope code', labelNames: ['route', 'code'], registers });
    this.pointsCharged = new Counter({ name: 'api_points_charged_total', help: 'API points charged by route', labelNames: ['route'], registers });
  }
}
