import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric of the service, on one registry per app instance
 * (a registry per instance keeps parallel test apps from sharing counters).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly wsConnections = new Gauge({ name: 'ws_connections', help: 'Open WebSocket connections', labelNames: ['stream'], registers: [this.registry] });
  readonly wsConnectionsRejected = new Counter({
    name: 'ws_connections_rejected_total',
    help: 'WebSocket connections refused or closed at connect (invalid params, auth, overload)',
    labelNames: ['stream', 'reason'],
    registers: [this.registry],
  });
  readonly wsFramesSent = new Counter({ name: 'ws_frames_sent_total', help: 'Frames written to sockets', labelNames: ['stream'], registers: [this.registry] });
  readonly wsFramesSkipped = new Counter({
    name: 'ws_frames_skipped_total',
    help: 'Frames not written because the socket send buffer was over its bound (latest frame wins later)',
    labelNames: ['stream'],
    registers: [this.registry],
  });
  readonly wsClientErrors = new Counter({
    name: 'ws_client_errors_total',
    help: 'WebSocket errors caused by clients (oversized or malformed frames, resets), by ws error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly wsSocketsTerminated = new Counter({
    name: 'ws_sockets_terminated_total',
    help: 'Sockets terminated by the server (dead heartbeat or stuck send buffer)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'upstream_calls_total',
    help: 'HTTP calls to upstream APIs by upstream and status (HTTP code, timeout or error)',
    labelNames: ['upstream', 'status'],
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'upstream_call_duration_seconds',
    help: 'Upstream HTTP call latency',
    labelNames: ['upstream'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamCircuitState = new Gauge({
    name: 'upstream_circuit_state',
    help: 'Circuit breaker of each upstream: 0 closed, 1 half-open (one probe call), 2 open (calls fail fast)',
    labelNames: ['upstream'],
    registers: [this.registry],
  });
  readonly cacheEvents = new Counter({
    name: 'cache_events_total',
    help: 'Upstream cache lookups by outcome (hit, stale, miss, fallback, error, refresh_error, store_error)',
    labelNames: ['event'],
    registers: [this.registry],
  });
  readonly refreshDuration = new Histogram({
    name: 'stream_refresh_duration_seconds',
    help: 'Time to load upstream data and publish all views of one stream refresh',
    labelNames: ['stream', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly renderDuration = new Histogram({
    name: 'stream_render_duration_seconds',
    help: 'Event-loop time to render and serialise every view of one stream refresh, before its frames are sent',
    labelNames: ['stream'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly dexMessages = new Counter({
    name: 'dex_metrics_messages_total',
    help: 'DEX metrics messages by sink (ws, kafka) and kind (metrics, tombstone)',
    labelNames: ['sink', 'kind'],
    registers: [this.registry],
  });
  readonly dexInvariantViolations = new Counter({
    name: 'dex_metrics_invariant_violations_total',
    help: 'DEX metrics messages held back because they broke an invariant of seed 004 (a bug: never sent)',
    registers: [this.registry],
  });
  readonly dexSwaps = new Counter({
    name: 'dex_metrics_swaps_total',
    help: 'Swap logs by chain and outcome (added, retracted, not_a_trade, no_usd_price, unknown_pool)',
    labelNames: ['chain', 'outcome'],
    registers: [this.registry],
  });
  readonly dexKafkaPending = new Gauge({ name: 'dex_metrics_kafka_pending', help: 'DEX metrics messages waiting for Kafka (latest per key)', registers: [this.registry] });
  readonly dexKafkaErrors = new Counter({ name: 'dex_metrics_kafka_errors_total', help: 'Failed Kafka produce requests (retried)', registers: [this.registry] });
  readonly depegCurrent = new Gauge({
    name: 'depeg_events_current',
    help: 'Stablecoins in a live depeg episode (beyond 1 %) at the last event_logs refresh, per peg type',
    labelNames: ['peg_type'],
    registers: [this.registry],
  });

  readonly scheduledJobRuns = new Counter({
    name: 'scheduled_job_runs_total',
    help: 'Runs of scheduled jobs (@nestjs/schedule registry) by job and outcome (ok, error, skipped: the previous run was still going)',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });
  readonly scheduledJobDuration = new Histogram({
    name: 'scheduled_job_duration_seconds',
    help: 'Duration of scheduled job runs',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
