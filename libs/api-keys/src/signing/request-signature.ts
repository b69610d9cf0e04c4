import { createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of an HTTP request a signature covers. */
export interface SignedParts {
  /** `X-TIMESTAMP`: epoch milliseconds, as sent */
  timestamp: string;
  /** upper-case HTTP method, e.g. `POST` */
  method: string;
  /** the request target as sent, without host: path plus query string if any, e.g. `/api/open/v1/vs-token/list` */
  path: string;
  /** the raw body bytes as sent (empty for none) */
  body: string | Buffer;
}

/** The exact string to sign: timestamp + METHOD + path + body, concatenated with no separator. */
export function stringToSign(parts: SignedParts): Buffer {
  return Buffer.concat([Buffer.from(`${parts.timestamp}${parts.method.toUpperCase()}${parts.path}`, 'utf8'), Buffer.isBuffer(parts.body) ? parts.body : Buffer.from(parts.body, 'utf8')]);
}

/** `X-SIGN`: lower-case hex HMAC-SHA256 of `stringToSign` with the key's secret. */
export function signRequest(secret: string, parts: SignedParts): string {
  return createHmac('sha256', secret).update(stringToSign(parts)).digest('hex');
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Constant-time check of a presented hex signature (either case) against the expected one. */
export function signatureMatches(secret: string, parts: SignedParts, presented: string): boolean {
  if (!HEX_SHA256.test(presented)) return false;
  const expected = createHmac('sha256', secret).update(stringToSign(parts)).digest();
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'));
}
