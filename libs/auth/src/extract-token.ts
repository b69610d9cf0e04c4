import type { IncomingHttpHeaders } from 'node:http';

export const ACCESS_TOKEN_COOKIE = 'access_token';

/**
 * The access token of an HTTP or WebSocket-upgrade request: the `access_token` cookie, else an
 * `Authorization: Bearer` header. An `access_token` query parameter is deliberately NOT read: URLs end up in
 * access logs, proxies and browser history, and a token there leaks.
 */
export function extractToken(req: { headers: IncomingHttpHeaders }): string | undefined {
  return readCookie(req.headers.cookie, ACCESS_TOKEN_COOKIE) ?? readBearer(req.headers.authorization);
}

/** The first non-empty value of cookie `name` in a Cookie header; tolerant of spaces, quotes and %-encoding. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue;
    const value = unquote(pair.slice(separator + 1).trim());
    if (value) return decode(value);
  }
  return undefined;
}

function readBearer(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).trim() : value;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray '%' is not worth refusing the cookie over; verification decides
  }
}
