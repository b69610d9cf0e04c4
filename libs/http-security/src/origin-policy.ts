import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Longest `Origin` (or `Host`) value read; a real one is scheme + host + port, far shorter. */
export const MAX_ORIGIN_LENGTH = 512;

/** `*`: any origin; a list: exactly those; undefined: same-origin only (the Origin's host equals the Host header). */
export type AllowedOrigins = '*' | readonly string[] | undefined;

export type OriginVerdict = 'no-origin' | 'allowed' | 'refused';

/**
 * `scheme://host[:port]` in canonical form (lower case, default port dropped), or undefined when the value is not
 * a plain http(s) origin (too long, unparsable, a path, credentials, the opaque `null` origin).
 */
export function normaliseOrigin(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_ORIGIN_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  // a bare origin never ends with a path, even "/": URL adds one, so refuse what the client wrote itself
  if (value.endsWith('/')) return undefined;
  return url.origin;
}

/** Parses `ALLOWED_ORIGINS`; every entry must be a plain origin. Problems are pushed, not thrown (config style). */
export function parseAllowedOrigins(raw: string | undefined, problems: string[]): AllowedOrigins {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.trim() === '*') return '*';
  const origins: string[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const origin = normaliseOrigin(entry.endsWith('/') ? entry.slice(0, -1) : entry);
    if (origin) origins.push(origin);
    else problems.push(`ALLOWED_ORIGINS: ${JSON.stringify(entry.slice(0, 80))} is not an origin (scheme://host[:port], no path), nor "*"`);
  }
  return [...new Set(origins)];
}

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Which browser origins may use the gateway (REST and WebSocket alike). Requests without `Origin` are not from a
 * browser page and are never refused here: origins only stop a foreign page from riding on a visitor's cookies.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(readonly allowed: AllowedOrigins) {
    this.listed = new Set(Array.isArray(allowed) ? allowed : []);
  }

  get anyOrigin(): boolean {
    return this.allowed === '*';
  }

  /** one line for the start-up log */
  describe(): string {
    if (this.allowed === '*') return 'ALLOWED_ORIGINS=*: browser pages from any origin may call the REST API and open WebSockets';
    if (this.allowed === undefined) return 'ALLOWED_ORIGINS is unset: same-origin only (a request whose Origin host differs from its Host header is refused with 403)';
    return `ALLOWED_ORIGINS: ${this.allowed.join(', ')} (requests from other origins are refused with 403)`;
  }

  check(headers: IncomingHttpHeaders): OriginVerdict {
    const origin = single(headers.origin);
    if (origin === undefined) return 'no-origin';
    if (this.allowed === '*') return 'allowed';
    const normalised = normaliseOrigin(origin);
    if (!normalised) return 'refused';
    if (this.allowed === undefined) return sameHost(normalised, single(headers.host)) ? 'allowed' : 'refused';
    return this.listed.has(normalised) ? 'allowed' : 'refused';
  }
}

/** The Origin's host[:port] equals the Host header, both read with the Origin's scheme (so default ports compare equal). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host || host.length > MAX_ORIGIN_LENGTH) return false;
  const scheme = origin.slice(0, origin.indexOf('//'));
  const fromHost = normaliseOrigin(`${scheme}//${host}`);
  return fromHost === origin;
}

/** Express-style middleware: a request from a refused origin gets 403 `{code, message, details}` before anything is read. */
export function refuseForeignOrigins(policy: OriginPolicy) {
  return function refuseForeignOrigins(request: IncomingMessage, response: ServerResponse, next: () => void): void {
    if (policy.check(request.headers) !== 'refused') return next();
    const body = JSON.stringify({ code: 403, message: originRefusal(request.headers.origin), details: [] });
    response.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), vary: 'Origin' });
    response.end(body);
  };
}

/** The refusal message, naming the origin (bounded, since it is client data). */
export function originRefusal(origin: string | string[] | undefined): string {
  const shown = JSON.stringify(String(single(origin) ?? '').slice(0, 100));
  return `origin ${shown} is not allowed here (see ALLOWED_ORIGINS)`;
}

/** Headers a browser client may send cross-origin: JSON bodies, JWTs, API keys and the open API's signing headers. */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-API-KEY', 'X-TIMESTAMP', 'X-SIGN'];
/** Response headers a cross-origin page may read. */
export const CORS_EXPOSED_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id', 'X-Points-Limit', 'X-Points-Remaining', 'X-Points-Reset', 'X-Points-Cost'];

/**
 * CORS for REST (Nest's `enableCors`). Refused origins never get here (`refuseForeignOrigins` runs first), so the
 * request's origin is reflected, with credentials; under `*` the wildcard is sent and credentials are not allowed.
 */
export function corsOptions(policy: OriginPolicy) {
  return {
    origin: policy.anyOrigin ? '*' : true,
    credentials: !policy.anyOrigin,
    methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
