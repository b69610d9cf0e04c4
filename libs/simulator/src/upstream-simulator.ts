import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SimulatorClock } from './clock';
import { FaultInjector } from './faults';
import { FixtureStore } from './fixtures';
import { DriftModel } from './random';
import { RequestLog } from './request-log';
import { SimulatorRequestHandler } from './request-handler';
import { SimulatorRouteModule } from './route-module';
import { SimulatorRouter } from './router';
import { DEFAULT_ROUTE_MODULES } from './routes';
import { UPSTREAM_API_ROOTS, UPSTREAM_NAMES, UpstreamName } from './upstreams';

export interface UpstreamSimulatorOptions {
  /** seeds the simulated movement: same seed + same time = same payloads */
  seed: number;
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  /** length of one drift step in ms (default 15 s): values change once per step */
  stepMs?: number;
  /** default: found next to the sources or the build (see `locateFixturesDir`) */
  fixturesDir?: string;
  /** default: every upstream the simulator knows (`DEFAULT_ROUTE_MODULES`) */
  routeModules?: readonly SimulatorRouteModule[];
}

export interface UpstreamSimulator {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  /** what to configure as each upstream's base URL, e.g. `coingecko: http://127.0.0.1:41234/coingecko/api/v3` */
  readonly baseUrls: Readonly<Record<UpstreamName, string>>;
  readonly faults: FaultInjector;
  readonly clock: SimulatorClock;
  readonly log: RequestLog;
  /** requests received by `upstream` (faulted ones included), optionally only to exactly `path`, e.g. `/global` */
  requests(upstream: UpstreamName, path?: string): number;
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_STEP_MS = 15_000;

/**
 * Starts an HTTP server that answers like the real upstream APIs, from recorded payloads with seeded movement.
 * Used for `MARKET_DATA=sandbox` and by tests (real HTTP over loopback, no internet).
 */
export async function startUpstreamSimulator(options: UpstreamSimulatorOptions): Promise<UpstreamSimulator> {
  const { seed, port = 0, host = '127.0.0.1', stepMs = DEFAULT_SIMULATOR_STEP_MS } = options;
  const router = new SimulatorRouter();
  for (const module of options.routeModules ?? DEFAULT_ROUTE_MODULES) router.register(module);
  const faults = new FaultInjector();
  const clock = new SimulatorClock();
  const log = new RequestLog();
  const handler = new SimulatorRequestHandler(router, faults, log, clock, new FixtureStore(options.fixturesDir), new DriftModel(seed, stepMs));

  const server = createServer((req, res) => {
    handler.handle(req, res).catch((error: Error) => {
      // a simulator bug must fail the request, never the process hosting it
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${error.message}`);
    });
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const baseUrls = Object.fromEntries(UPSTREAM_NAMES.map((name) => [name, `${origin}/${name}${UPSTREAM_API_ROOTS[name]}`])) as Record<UpstreamName, string>;

  let closing: Promise<void> | undefined;
  return {
    origin,
    baseUrls,
    faults,
    clock,
    log,
    requests: (upstream, path) => log.count(upstream, path),
    close: () => (closing ??= shutDown(server, handler)),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shutDown(server: Server, handler: SimulatorRequestHandler): Promise<void> {
  return new Promise((resolve) => {
    handler.dispose();
    server.close(() => resolve());
    // keep-alive sockets and requests held by a 'timeout' fault would otherwise keep close() waiting
    server.closeAllConnections();
  });
}
