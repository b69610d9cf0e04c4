import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { AppConfig } from '@app/config';
import { presentedApiKey } from '@app/http-security';
import { OncePerWindow, REDACTED, redactQuery, redactSecrets } from '@app/observability';

/** Headers that carry credentials: never written to a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-sign"]',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
];

const AUTH_FAILURE_WINDOW_MS = 60_000;

type LoggedRequest = IncomingMessage & { ip?: string };

/** Who a refused request claims to be, hashed: the key, token or cookie it presented, else its IP. */
function credentialOf(request: LoggedRequest): string {
  const presented = presentedApiKey(request) ?? request.headers.authorization ?? request.headers.cookie ?? `ip:${request.ip ?? request.socket?.remoteAddress ?? ''}`;
  return createHash('sha256').update(presented.slice(0, 4_096)).digest('hex');
}

/** Redacts every string field of a log call's object argument (one level: what Nest's logger and pino-http pass). */
function redactFields(value: object): object {
  if (value instanceof Error) return value; // the `err` serializer redacts message and stack
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) copy[name] = typeof field === 'string' ? redactSecrets(field) : field;
  return copy;
}

/**
 * pino-http options of the gateway. Secrets never reach a log line: credential headers are removed, key-like query
 * parameters (`api_key`, `token`, `signature`, … in any case) are redacted in the URL, the parsed query, messages and
 * error stacks. Successful requests log at debug; 4xx at warn, except that repeated 401s of one credential are
 * logged once a minute (the next line says how many were left out).
 */
export function pinoHttpOptions(config: AppConfig, options: { toStdoutTty?: boolean } = {}): Options {
  const authFailures = new OncePerWindow(AUTH_FAILURE_WINDOW_MS, 10_000);
  const suppressedBefore = new WeakMap<ServerResponse, number>();
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    serializers: {
      req: (request: { url?: string; query?: unknown }) => ({ ...request, url: request.url && redactSecrets(request.url), query: redactQuery(request.query) }),
      err: (error: { message?: string; stack?: string }) => (error && typeof error === 'object' ? { ...error, message: redactSecrets(String(error.message ?? '')), stack: redactSecrets(String(error.stack ?? '')) } : error),
    },
    hooks: {
      logMethod(args, method) {
        const redacted = (args as unknown[]).map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg && typeof arg === 'object' ? redactFields(arg) : arg));
        return method.apply(this, redacted as Parameters<typeof method>);
      },
    },
    // Successful requests are debug noise at scale; failures stay visible.
    customLogLevel: (request, response, error) => {
      if (error || response.statusCode >= 500) return 'error';
      if (response.statusCode === 401) {
        const suppressed = authFailures.take(credentialOf(request as LoggedRequest));
        if (suppressed === undefined) return 'silent';
        suppressedBefore.set(response, suppressed);
        return 'warn';
      }
      return response.statusCode >= 400 ? 'warn' : 'debug';
    },
    customSuccessMessage: (_request, response) => {
      const suppressed = suppressedBefore.get(response);
      return suppressed ? `request completed (${suppressed} more 401s of this credential since its last logged one were not logged)` : 'request completed';
    },
    transport: options.toStdoutTty && config.env === 'development' && process.stdout.isTTY ? { target: 'pino/file', options: { destination: 1 } } : undefined,
  };
}
