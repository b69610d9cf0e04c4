import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body read (JSON or form): the API's bodies are a few hundred bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** Deepest nesting of `{`/`[` accepted in a JSON body; deeper bodies are refused before parsing or validation. */
export const JSON_MAX_DEPTH = 32;
/**
 * Most object keys accepted in a JSON body (all objects together); more are refused before parsing. JSON.parse makes
 * every key an internalized string, allocated in V8's old generation: a stream of bodies with fresh keys would fill it
 * with garbage only a full GC removes, a pause every other request then shares.
 */
export const JSON_MAX_KEYS = 256;

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

const COLON = 0x3a;

/** What `jsonShape` measures of JSON text. */
export interface JsonShape {
  /** deepest `{`/`[` nesting */
  depth: number;
  /** object keys, all objects together (for valid JSON: its `:` outside strings) */
  keys: number;
}

/**
 * Nesting depth and key count of JSON text in one linear pass over its bytes (strings skipped; UTF-8 continuation
 * bytes are never ASCII, so bytes are enough), without parsing it. Stops as soon as either passes its bound, so the
 * caller can refuse the text before JSON.parse builds anything.
 */
export function jsonShape(bytes: Uint8Array, bounds: { maxDepth?: number; maxKeys?: number } = {}): JsonShape {
  const maxDepth = bounds.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxKeys = bounds.maxKeys ?? Number.POSITIVE_INFINITY;
  let depth = 0;
  let deepest = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === COLON) {
      if (++keys > maxKeys) break;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) break;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return { depth: deepest, keys };
}

/** The deepest `{`/`[` nesting of JSON text, in one pass (strings skipped); stops counting once `stopAbove` is passed. */
export function jsonNestingDepth(bytes: Uint8Array, stopAbove = Number.POSITIVE_INFINITY): number {
  return jsonShape(bytes, { maxDepth: stopAbove }).depth;
}

type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/**
 * The body parsers' `verify` hook: keeps the raw bytes (signed requests cover the body as sent) and, for JSON,
 * refuses nesting beyond `maxDepth` (deep bodies overflow the validator's stack) and more than `maxKeys` keys
 * (`JSON_MAX_KEYS`) before JSON.parse and validation see it.
 */
export function captureRawBody(options: { maxDepth?: number; maxKeys?: number } = {}) {
  return (request: RawBodyRequest, _response: ServerResponse, buffer: Buffer): void => {
    request.rawBody = buffer;
    if (options.maxDepth === undefined && options.maxKeys === undefined) return;
    const shape = jsonShape(buffer, options);
    if (options.maxDepth !== undefined && shape.depth > options.maxDepth) {
      throw bodyError(400, 'entity.too.deep', `request body nests deeper than ${options.maxDepth} levels of objects/arrays`);
    }
    if (options.maxKeys !== undefined && shape.keys > options.maxKeys) {
      throw bodyError(400, 'entity.too.many.keys', `request body has more than ${options.maxKeys} object keys`);
    }
  };
}
