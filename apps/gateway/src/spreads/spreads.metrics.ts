import { MetricsService } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';

/** The spreads feature's Prometheus metrics, on the app's registry. */
@Injectable()
export class SpreadsMetrics {
  readonly quotes: Counter<'source'>;
  readonly sourceErrors: Counter<'source'>;
  readonly events: Counter<'event'>;
  readonly openSpreads: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.quotes = new Counter({ name: 'spreads_quotes_total', help: 'Quotes received by source', labelNames: ['source'], registers });
    this.sourceErrors = new Counter({ name: 'spreads_source_errors_total', help: 'Failed quote polls by source', labelNames: ['source'], registers });
    this.events = new Counter({ name: 'spreads_events_total', help: 'Spread events emitted', labelNames: ['event'], registers });
    this.openSpreads = new Gauge({ name: 'spreads_open', help: 'Spreads currently open', registers });
  }
}
