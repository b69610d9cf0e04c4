import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body read (JSON or form): the API's bodies are a few hundred bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** Deepest nesting of `{`/`[` accepted in a JSON body; deeper bodies are refused before parsing or validation. */
export const JSON_MAX_DEPTH = 32;

/** The shape of body-parser's errors (http-errors), which the error filters recognise. */
export interface BodyError extends Error {
  status: number;
  statusCode: number;
  expose: true;
  type: string;
  limit?: number;
  length?: number;
}

export function bodyError(status: number, type: string, message: string, extra: Partial<BodyError> = {}): BodyError {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true as const, type, ...extra });
}

export const tooLargeMessage = (limit: number, length?: number) =>
  `request body${length !== undefined ? ` of ${length} bytes` : ''} exceeds the limit of ${limit} bytes (${Math.round(limit / 1024)} KiB)`;

/**
 * A refusal the body parser raised (size, depth, malformed JSON, charset), as status + a message naming the problem;
 * undefined for any other error.
 */
export function describeBodyError(error: unknown): { status: number; message: string } | undefined {
  const candidate = error as Partial<BodyError> | undefined;
  if (!candidate || typeof candidate.type !== 'string' || typeof candidate.status !== 'number') return undefined;
  if (candidate.status < 400 || candidate.status > 499) return undefined;
  switch (candidate.type) {
    case 'entity.too.large':
      return { status: 413, message: tooLargeMessage(candidate.limit ?? BODY_LIMIT_BYTES, candidate.length) };
    case 'entity.parse.failed':
      return { status: 400, message: `request body is not valid JSON: ${candidate.message ?? ''}`.slice(0, 200) };
    default:
      return { status: candidate.status, message: (candidate.message ?? 'invalid request body').slice(0, 200) };
  }
}

/**
 * Refuses a declared `Content-Length` above the limit before a byte is read, whatever the content type (the JSON
 * parser only enforces the limit on bodies it parses; chunked JSON bodies are stopped by the parser's own limit).
 */
export function declaredBodyLimit(limit: number) {
  return function declaredBodyLimit(request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void): void {
    const declared = request.headers['content-length'];
    if (declared !== undefined && declared.length <= 16) {
      const length = Number(declared);
      if (Number.isFinite(length) && length > limit) return next(bodyError(413, 'entity.too.large', tooLargeMessage(limit, length), { limit, length }));
    }
    next();
  };
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest `{`/`[` nesting of JSON text, in one pass (strings skipped); stops counting once `stopAbove` is passed. */
export function jsonNestingDepth(bytes: Uint8Array, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/**
 * The body parsers' `verify` hook: keeps the raw bytes (signed requests cover the body as sent) and, for JSON,
 * refuses nesting beyond `maxDepth` before JSON.parse and validation see it (deep bodies overflow the validator's stack).
 */
export function captureRawBody(options: { maxDepth?: number } = {}) {
  return (request: RawBodyRequest, _response: ServerResponse, buffer: Buffer): void => {
    request.rawBody = buffer;
    if (options.maxDepth !== undefined && jsonNestingDepth(buffer, options.maxDepth) > options.maxDepth) {
      throw bodyError(400, 'entity.too.deep', `request body nests deeper than ${options.maxDepth} levels of objects/arrays`);
    }
  };
}
