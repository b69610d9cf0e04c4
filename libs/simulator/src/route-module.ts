import { IncomingHttpHeaders } from 'node:http';
import { FixtureStore } from './fixtures';
import { DriftModel } from './random';
import { UpstreamName } from './upstreams';

export interface SimulatorRequest {
  method: string;
  /** path relative to the upstream's base URL, e.g. `/coins/bitcoin` */
  path: string;
  /** values of `:name` segments of the matched route */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** a POST body: parsed JSON, or the raw text when it is not JSON (e.g. JSON-RPC, where a parse error is the route's answer) */
  body?: unknown;
}

export interface SimulatorResponse {
  status: number;
  /** serialized as JSON */
  body: unknown;
  headers?: Record<string, string>;
}

/** What a route handler may use: recorded payloads, the seeded drift and the simulated time. */
export interface SimulatorContext {
  nowMs: number;
  fixtures: FixtureStore;
  drift: DriftModel;
}

export interface SimulatorRoute {
  method?: 'GET' | 'POST';
  /** relative to the upstream's base URL; `:name` matches one segment, e.g. `/coins/:id` */
  path: string;
  handle(request: SimulatorRequest, context: SimulatorContext): SimulatorResponse;
}

/** One upstream's routes. Adding an upstream to the simulator = one more of these in `routes/index.ts`. */
export interface SimulatorRouteModule {
  upstream: UpstreamName;
  routes: readonly SimulatorRoute[];
  /** the upstream's own answer for an unknown path (default: a generic simulator 404) */
  notFound?(request: SimulatorRequest): SimulatorResponse;
}

export function json(body: unknown, status = 200, headers?: Record<string, string>): SimulatorResponse {
  return { status, body, headers };
}
