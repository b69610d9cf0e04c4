import { setMaxListeners } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { delay } from '@app/scheduling/deadlines';
import { SimulatorClock } from './clock';
import { FaultInjector, SimulatedFault } from './faults';
import { FixtureStore } from './fixtures';
import { DriftModel, mulberry32 } from './random';
import { RequestLog } from './request-log';
import { SimulatorRequest, SimulatorResponse } from './route-module';
import { SimulatorRouter } from './router';
import { isUpstreamName, UPSTREAM_API_ROOTS, UpstreamName } from './upstreams';

const JSON_TYPE = 'application/json; charset=utf-8';

// Shaped like a CDN challenge page: the classic "200 but not JSON" answer in front of an API.
const HTML_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>' +
  '<body><h1>Checking your browser before accessing the API.</h1><p>Ray ID: 7f00000000000000</p></body></html>';

/** Turns one HTTP request into a routed, logged and possibly faulted answer. */
export class SimulatorRequestHandler {
  /** aborted (and replaced) by `dispose`: ends every pending latency delay at once */
  private pending = manyListeners(new AbortController());
  private garbageCount = 0;

  constructor(
    private readonly router: SimulatorRouter,
    private readonly faults: FaultInjector,
    private readonly log: RequestLog,
    private readonly clock: SimulatorClock,
    private readonly fixtures: FixtureStore,
    private readonly drift: DriftModel,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const target = this.resolveTarget(url.pathname);
    if (!target) {
      this.writeJson(res, { status: 404, body: { error: `simulator: no upstream mounted at ${url.pathname}` } });
      return;
    }
    const { upstream, path } = target;
    const method = req.method ?? 'GET';
    this.log.record({ upstream, method, path, query: Object.fromEntries(url.searchParams), headers: req.headers, atMs: this.clock.now() });

    const fault = this.faults.take(upstream, path, url.searchParams);
    if (fault?.kind === 'timeout') return; // hold the request open; close() tears the socket down
    if (fault?.kind === 'latency') await this.delay(fault.ms);
    if (res.destroyed) return;

    const body = method === 'POST' ? await readBody(req) : undefined;
    if (res.destroyed) return;
    const response = this.answer(upstream, { method, path, params: {}, query: url.searchParams, headers: req.headers, body });
    if (fault && fault.kind !== 'latency') this.writeFault(res, fault, response);
    else this.writeJson(res, response);
  }

  /** Ends pending latency delays at once (on close); their sockets are gone by then, so nothing is written. */
  dispose(): void {
    this.pending.abort();
    this.pending = manyListeners(new AbortController());
  }

  private resolveTarget(pathname: string): { upstream: UpstreamName; path: string } | undefined {
    const match = /^\/([^/]+)(\/.*)?$/.exec(pathname);
    if (!match || !isUpstreamName(match[1])) return undefined;
    const upstream = match[1];
    const root = UPSTREAM_API_ROOTS[upstream];
    const rest = match[2] ?? '/';
    if (root && rest !== root && !rest.startsWith(`${root}/`)) return undefined;
    return { upstream, path: rest.slice(root.length) || '/' };
  }

  private answer(upstream: UpstreamName, request: SimulatorRequest): SimulatorResponse {
    const match = this.router.match(upstream, request.method, request.path);
    if (!match) {
      const module = this.router.moduleFor(upstream);
      return module?.notFound?.(request) ?? { status: 404, body: { error: `simulator: no route for ${request.method} ${request.path}` } };
    }
    try {
      return match.route.handle({ ...request, params: match.params }, { nowMs: this.clock.now(), fixtures: this.fixtures, drift: this.drift });
    } catch (error) {
      return { status: 500, body: { error: `simulator route failed: ${(error as Error).message}` } };
    }
  }

  private writeFault(res: ServerResponse, fault: Exclude<SimulatedFault, { kind: 'latency' | 'timeout' }>, normal: SimulatorResponse): void {
    switch (fault.kind) {
      case '429': {
        const seconds = fault.retryAfterSeconds ?? 1;
        const retryAfter = fault.retryAfterFormat === 'http-date' ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds);
        // CoinGecko's rate-limit body shape
        const body = { status: { error_code: 429, error_message: "You've exceeded the Rate Limit." } };
        this.writeJson(res, { status: 429, body, headers: { 'retry-after': retryAfter } });
        return;
      }
      case '500':
        this.writeJson(res, { status: fault.status ?? 500, body: { error: 'Internal Server Error' } });
        return;
      case 'html':
        this.write(res, fault.status ?? 200, 'text/html; charset=UTF-8', Buffer.from(HTML_PAGE));
        return;
      case 'truncated': {
        const full = Buffer.from(JSON.stringify(normal.body));
        this.write(res, 200, JSON_TYPE, full.subarray(0, Math.floor(full.length / 2)));
        return;
      }
      case 'garbage':
        this.write(res, 200, JSON_TYPE, this.garbage());
        return;
    }
  }

  private writeJson(res: ServerResponse, response: SimulatorResponse): void {
    this.write(res, response.status, JSON_TYPE, Buffer.from(JSON.stringify(response.body)), response.headers);
  }

  private write(res: ServerResponse, status: number, contentType: string, body: Buffer, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(body.length) });
    res.end(body);
  }

  private garbage(): Buffer {
    const next = mulberry32(this.drift.seed + ++this.garbageCount);
    const bytes = Buffer.alloc(64, 0);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    bytes[0] = 0xff; // never a valid start of JSON text
    return bytes;
  }

  private delay(ms: number): Promise<void> {
    // a per-request wait, not a job: the simulator also runs outside Nest (`npm run start:simulator`)
    return delay(ms, { signal: this.pending.signal });
  }
}

/** The request body as JSON when it parses, else as text (capped: the simulator is no place for huge uploads). */
async function readBody(req: IncomingMessage, maxBytes = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) break;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** one abort listener per pending delay: any number of them is expected */
function manyListeners(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
