/**
 * The gateway side of the fan-out benchmark: a Nest app with the real realtime stack
 * (GatewayWsAdapter routing to the realtime layer: StreamCatalog, StreamHub, StreamMultiplexer) serving one
 * synthetic view stream, declared like a feature's, on its own path and as `bench.fanout` on /v1/stream; its views
 * go through the real filter pipe. Each tick is `hub.refreshNow()`: load a fresh 2,000-row
 * snapshot, render the 50 views, serialise each once and send it to its subscribers.
 * Started by run.ts as a child process (IPC).
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { MetricsService } from '@app/observability';
import { compileQuery, QueryMemo, rowFields, type CompiledQuery } from '@app/query';
import {
  ConnectionRegistry,
  DEFAULT_REALTIME_OPTIONS,
  GatewayWsAdapter,
  REALTIME_OPTIONS,
  RowJsonMemo,
  StreamCatalog,
  StreamHub,
  StreamMultiplexer,
  declareViewStreams,
  filteredList,
  type RealtimeOptions,
  type RenderContext,
  type StreamDefinition,
} from '@app/realtime';
import { STREAM_GROUP, STREAM_NAME, STREAM_PATH, filterSets } from './scenario';
import { serveCommands } from './server-runner';
import { SyntheticMarket, type MarketTick } from './synthetic-market';

const MAX_PAYLOAD_BYTES = 16 * 1024;

@Injectable()
class FanoutBenchStream implements StreamDefinition<object, MarketTick> {
  readonly name = STREAM_NAME;
  readonly path = STREAM_PATH;
  readonly requiresAuth = false;
  readonly rowFields = rowFields<MarketTick['rows'][number]>({
    rank: true, name: true, symbol: true, price: true, market_cap: true, volume_24h: true, change_24h: true, chain: true, category: true, last_updated: true,
  });
  // data "stays fresh" for an hour, so the hub schedules its next refresh at its 5-minute cap: it never fires
  // during a run, and every tick comes from refreshNow()
  readonly refresh = { freshMs: 3_600_000, callsPerRefresh: 0 };
  private readonly market = new SyntheticMarket();

  async load() {
    const tick = this.market.next();
    return { data: tick, fetchedAt: tick.t0 / 1000 };
  }

  render(tick: MarketTick, query: CompiledQuery, _params: object, context: RenderContext) {
    // t0 and tick first: the fixed-width frame header of scenario.ts (after the protocol's type/seq, and sub on /v1/stream)
    return { t0: tick.t0, tick: tick.seq, ...filteredList('data', tick.rows, query, context) };
  }
}

// every client comes from 127.0.0.1: the per-IP cap would refuse all but 500
const options: RealtimeOptions = { ...DEFAULT_REALTIME_OPTIONS, maxPayloadBytes: MAX_PAYLOAD_BYTES, jitterMs: 0, maxConnectionsPerIp: 1_000_000 };

@Module({
  providers: [
    { provide: REALTIME_OPTIONS, useValue: options },
    MetricsService,
    ConnectionRegistry,
    StreamHub,
    StreamCatalog,
    StreamMultiplexer,
    FanoutBenchStream,
    // a stream as a feature declares it: no gateway class, the layer serves its path and its /v1/stream name
    declareViewStreams(FanoutBenchStream, STREAM_GROUP, (stream) => [stream]),
  ],
})
class FanoutBenchModule {}

async function counterTotal(metric: MetricsService['wsFramesSent']): Promise<number> {
  return (await metric.get()).values.reduce((sum, sample) => sum + sample.value, 0);
}

/** A histogram's running sum (seconds), in ms. */
async function histogramSumMs(metric: MetricsService['renderDuration']): Promise<number> {
  return (await metric.get()).values.filter((sample) => sample.metricName?.endsWith('_sum')).reduce((sum, sample) => sum + sample.value * 1000, 0);
}

async function main(): Promise<void> {
  const app = await NestFactory.create(FanoutBenchModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new GatewayWsAdapter(app, { maxPayloadBytes: MAX_PAYLOAD_BYTES, router: app.get(StreamCatalog) }));
  await app.listen(0, '127.0.0.1');
  const hub = app.get(StreamHub);
  const metrics = app.get(MetricsService);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const stream = app.get(FanoutBenchStream);
  const queries = filterSets().map((set) => compileQuery(set));
  const probeMarket = new SyntheticMarket(); // its own ticks: the clients' sequence numbers stay gap-free
  serveCommands({
    port,
    connections: () => hub.stats().subscribers,
    tick: () => hub.refreshNow(STREAM_NAME),
    counters: async () => ({
      sent: await counterTotal(metrics.wsFramesSent),
      skipped: await counterTotal(metrics.wsFramesSkipped),
      renderMs: await histogramSumMs(metrics.renderDuration),
    }),
    probe: (ticks) => {
      // what publishAll does per refresh, minus the sends: render every view (sharing one QueryMemo and RowJsonMemo), serialise, frame buffer
      const before = process.cpuUsage();
      for (let t = 0; t < ticks; t++) {
        const tick = probeMarket.next();
        const context = { now: Date.now(), memo: new QueryMemo() };
        const json = new RowJsonMemo();
        for (const query of queries) Buffer.from(json.view(stream.render(tick, query, {}, context)));
      }
      const cpu = process.cpuUsage(before);
      return (cpu.user + cpu.system) / 1000 / ticks;
    },
    close: () => app.close(),
  });
}

void main().catch((error: Error) => {
  process.send?.({ type: 'error', message: error.stack ?? error.message });
  process.exit(1);
});
