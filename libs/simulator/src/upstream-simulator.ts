import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { SimulatorClock } from './clock';
import { FaultInjector } from './faults';
import { FixtureStore } from './fixtures';
import { DriftModel } from './random';
import { RequestLog } from './request-log';
import { SimulatorRequestHandler } from './request-handler';
import { SimulatorRouteModule } from './route-module';
import { SimulatorRouter } from './router';
import { DEFAULT_ROUTE_MODULES, exchangeRoutes } from './routes';
import { ExchangeStreams } from './routes/exchanges/exchange-streams';
import { UPSTREAM_API_ROOTS, UPSTREAM_NAMES, UpstreamName, isUpstreamName } from './upstreams';
import type { FaultOptions, SimulatedFault } from './faults';

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
  /**
   * serve the control API under `/__simulator/` (request counts, faults, clock) for tests that run the gateways as
   * other processes: `GET /__simulator/requests?upstream=coingecko&path=/global` → `{ count }`, see `handleControl`
   */
  control?: boolean;
  /** the spreads venues' tick (SPREADS_SIM_TICK_MS): their simulated prices change once per tick (default 1 s) */
  venueTickMs?: number;
  /** the venues' WebSocket pushes send every symbol's frame back to back (one read for the client), not spaced out */
  venueStreamBursts?: boolean;
}

/** Where the control API lives (no upstream is mounted there). */
export const SIMULATOR_CONTROL_PATH = '/__simulator';

/** Each upstream's base URL on a simulator at `origin` (e.g. `http://127.0.0.1:8090`), in-process or not. */
export function simulatorBaseUrls(origin: string): Record<UpstreamName, string> {
  const root = origin.replace(/\/+$/, '');
  return Object.fromEntries(UPSTREAM_NAMES.map((name) => [name, `${root}/${name}${UPSTREAM_API_ROOTS[name]}`])) as Record<UpstreamName, string>;
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
  const modules = options.routeModules ?? DEFAULT_ROUTE_MODULES.map((module) => (module.upstream === 'exchanges' ? exchangeRoutes({ tickMs: options.venueTickMs }) : module));
  for (const module of modules) router.register(module);
  const faults = new FaultInjector();
  const clock = new SimulatorClock();
  const log = new RequestLog();
  const fixtures = new FixtureStore(options.fixturesDir);
  const handler = new SimulatorRequestHandler(router, faults, log, clock, fixtures, new DriftModel(seed, stepMs));
  const streams = new ExchangeStreams({ seed, tickMs: options.venueTickMs, burst: options.venueStreamBursts, fixtures, clock, log });

  const server = createServer((req, res) => {
    const answered = options.control && req.url?.startsWith(`${SIMULATOR_CONTROL_PATH}/`) ? handleControl(req, res, { log, faults, clock }) : handler.handle(req, res);
    answered.catch((error: Error) => {
      // a simulator bug must fail the request, never the process hosting it
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${error.message}`);
    });
  });
  // the venues' WebSocket channels (ccxt.pro through `urls.api.ws`): `ws://<origin>/exchanges/<host>/<path>`
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://simulator.local').pathname;
    if (!(path.startsWith('/exchanges/') && streams.upgrade(path.slice('/exchanges'.length), req, socket, head))) socket.destroy();
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const baseUrls = simulatorBaseUrls(origin);

  let closing: Promise<void> | undefined;
  return {
    origin,
    baseUrls,
    faults,
    clock,
    log,
    requests: (upstream, path) => log.count(upstream, path),
    close: () => (closing ??= shutDown(server, handler, streams)),
  };
}

/**
 * The control API (with `control: true`):
 * - `GET /__simulator/requests[?upstream=<name>[&path=<path>]]` → `{ count }` (every upstream's counts without `upstream`)
 * - `GET /__simulator/requests/recent` → the most recent requests `[{ upstream, method, path, query, atMs }]`
 * - `DELETE /__simulator/requests` → counts reset
 * - `PUT /__simulator/faults/<upstream>` with `{ "fault": SimulatedFault, "options"?: FaultOptions }`; `DELETE /__simulator/faults[/<upstream>]`
 * - `POST /__simulator/clock/advance` with `{ "ms": number }`
 */
async function handleControl(req: IncomingMessage, res: ServerResponse, parts: { log: RequestLog; faults: FaultInjector; clock: SimulatorClock }): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const route = url.pathname.slice(SIMULATOR_CONTROL_PATH.length);
  const method = req.method ?? 'GET';
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  if (route === '/requests' && method === 'GET') {
    const upstream = url.searchParams.get('upstream');
    if (upstream === null) return reply(200, { counts: Object.fromEntries(UPSTREAM_NAMES.map((name) => [name, parts.log.count(name)])) });
    if (!isUpstreamName(upstream)) return reply(400, { message: `unknown upstream ${upstream}` });
    return reply(200, { upstream, path: url.searchParams.get('path'), count: parts.log.count(upstream, url.searchParams.get('path') ?? undefined) });
  }
  if (route === '/requests/recent' && method === 'GET') {
    return reply(200, parts.log.recent().map(({ upstream, method: verb, path, query, atMs }) => ({ upstream, method: verb, path, query, atMs })));
  }
  if (route === '/requests' && method === 'DELETE') {
    parts.log.reset();
    return reply(204);
  }
  const fault = /^\/faults(?:\/([a-z]+))?$/.exec(route);
  if (fault && method === 'DELETE') {
    if (fault[1] !== undefined && !isUpstreamName(fault[1])) return reply(400, { message: `unknown upstream ${fault[1]}` });
    parts.faults.clear(fault[1] as UpstreamName | undefined);
    return reply(204);
  }
  if (fault?.[1] && method === 'PUT') {
    if (!isUpstreamName(fault[1])) return reply(400, { message: `unknown upstream ${fault[1]}` });
    const body = (await readJson(req)) as { fault?: SimulatedFault; options?: FaultOptions } | undefined;
    if (!body?.fault || typeof body.fault.kind !== 'string') return reply(400, { message: 'body must be { fault: { kind, ... }, options? }' });
    parts.faults.set(fault[1], body.fault, body.options);
    return reply(204);
  }
  if (route === '/clock/advance' && method === 'POST') {
    const body = (await readJson(req)) as { ms?: unknown } | undefined;
    if (typeof body?.ms !== 'number' || !(body.ms >= 0)) return reply(400, { message: 'body must be { ms: number >= 0 }' });
    parts.clock.advance(body.ms);
    return reply(204);
  }
  return reply(404, { message: `no control route ${method} ${route}` });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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

function shutDown(server: Server, handler: SimulatorRequestHandler, streams: ExchangeStreams): Promise<void> {
  return new Promise((resolve) => {
    handler.dispose();
    streams.close();
    server.close(() => resolve());
    // keep-alive sockets and requests held by a 'timeout' fault would otherwise keep close() waiting
    server.closeAllConnections();
  });
}
