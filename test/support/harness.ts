import type { INestApplication } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import type { RealtimeOptions } from '@app/realtime';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { createGatewayApp } from '../../apps/gateway/src/bootstrap';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway-config';
import { withSimulatedUpstreams } from '../../apps/gateway/src/sandbox';
import { createTestStore } from '../../libs/storage/src/testing/test-stores';

export interface GatewayUnderTest {
  app: INestApplication;
  simulator: UpstreamSimulator;
  httpUrl: string;
  wsUrl(path: string, query?: Record<string, string | number>): string;
  close(): Promise<void>;
}

/** Hub timings short enough for tests: quick retry after a failed refresh, short linger. */
export const FAST_REALTIME: Partial<RealtimeOptions> = { errorBackoffMs: 200, errorBackoffMaxMs: 1_000, lingerMs: 200, jitterMs: 0, minIntervalMs: 200 };

/**
 * The real app on an ephemeral loopback port, its upstreams served by the simulator.
 * Storage: a throw-away Postgres database when `DATABASE_URL` is set (CI), else a fresh embedded PGlite,
 * unless `env` names `DATA_DIR` or `DATABASE_URL` itself.
 * No Redis unless `env` asks for it, so parallel suites never share a cache.
 */
export async function startGateway(
  options: {
    env?: Record<string, string>;
    realtime?: Partial<RealtimeOptions>;
    seed?: number;
    logDestination?: DestinationStream;
    /** a simulator shared by several gateways (a cluster): the caller closes it */
    simulator?: UpstreamSimulator;
  } = {},
): Promise<GatewayUnderTest> {
  // the simulated spreads venues move once per SPREADS_SIM_TICK_MS, as the gateway polls them
  const venueTickMs = options.env?.SPREADS_SIM_TICK_MS ? Number(options.env.SPREADS_SIM_TICK_MS) : undefined;
  const simulator = options.simulator ?? (await startUpstreamSimulator({ seed: options.seed ?? 7, venueTickMs }));
  // A caller that names its storage owns it (e.g. to restart on the same data); otherwise a throw-away store.
  const ownsStorage = Boolean(options.env?.DATA_DIR || options.env?.DATABASE_URL);
  const store = ownsStorage ? undefined : await createTestStore(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  const storageEnv: Record<string, string> = !store ? {} : store.storage.databaseUrl ? { DATABASE_URL: store.storage.databaseUrl } : { DATA_DIR: store.storage.dataDir };
  const config = withSimulatedUpstreams(loadGatewayConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', ...storageEnv, ...options.env }), simulator.baseUrls);
  const app = await createGatewayApp(config, { realtime: { ...FAST_REALTIME, ...options.realtime }, logDestination: options.logDestination });
  await app.listen(0, '127.0.0.1');
  const httpUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    simulator,
    httpUrl,
    wsUrl: (path, query = {}) => {
      const url = new URL(path, httpUrl.replace(/^http/, 'ws'));
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
      return url.toString();
    },
    close: async () => {
      await app.close();
      if (!options.simulator) await simulator.close();
      await store?.destroy();
    },
  };
}
