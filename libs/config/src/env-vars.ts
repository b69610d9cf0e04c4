import { z } from 'zod';

/**
 * Building blocks for environment variables: each parses one string (empty values never reach them: empty means
 * unset) and says what is wrong in a few words; the loader prefixes `NAME="value": `.
 */

export function integer(bounds: { min?: number; max?: number } = {}) {
  return number(bounds).pipe(z.number().int({ error: 'must be an integer' }));
}

export function number(bounds: { min?: number; max?: number } = {}) {
  let schema = z.coerce.number<string>({ error: 'must be a number' });
  if (bounds.min !== undefined) schema = schema.min(bounds.min, { error: `must not be less than ${bounds.min}` });
  if (bounds.max !== undefined) schema = schema.max(bounds.max, { error: `must not be greater than ${bounds.max}` });
  return schema;
}

export function port() {
  return integer({ min: 0, max: 65_535 });
}

/** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, in any case. */
export function boolean() {
  return z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'], error: 'must be true or false (1/0, yes/no, on/off)' });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

export function text(bounds: { min?: number; max?: number } = {}) {
  let schema = z.string();
  if (bounds.min !== undefined) schema = schema.min(bounds.min, { error: `must be at least ${bounds.min} characters` });
  if (bounds.max !== undefined) schema = schema.max(bounds.max, { error: `must be at most ${bounds.max} characters` });
  return schema;
}

export function matching(pattern: RegExp, error: string) {
  return z.string().regex(pattern, { error });
}

const PROTOCOLS = { web: /^(https?|wss?)$/, http: /^https?$/, postgres: /^postgres(ql)?$/, redis: /^rediss?$/ };
const FAMILY_NAMES: Record<keyof typeof PROTOCOLS, string> = { web: 'http(s) or ws(s)', http: 'http(s)', postgres: 'postgres', redis: 'redis' };
/** An absolute URL of one family: `web` (http/https/ws/wss), `http` (http/https), `postgres` or `redis`. */
export function url(family: keyof typeof PROTOCOLS = 'web') {
  return z.url({ protocol: PROTOCOLS[family], error: `must be a ${FAMILY_NAMES[family]} URL` });
}

/** A comma-separated list, de-duplicated, blank entries dropped (`upper`: upper-cased). */
export function list(options: { upper?: boolean; pattern?: RegExp; error?: string } = {}) {
  const base = options.pattern ? matching(options.pattern, options.error ?? 'must be a comma-separated list') : z.string();
  return base.transform((value) => [...new Set(value.split(',').map((part) => (options.upper ? part.trim().toUpperCase() : part.trim())).filter(Boolean))]);
}

/** Reports a problem found while parsing a value; the message names the variable itself (printed as is). */
export function reportTo(ctx: { issues: { push(issue: { code: 'custom'; message: string; input: unknown }): void } }, input: unknown) {
  return (message: string) => ctx.issues.push({ code: 'custom', message, input });
}

/** `problems` collected by a parser written against a string array, moved into the zod issues. */
export function withProblems<T>(ctx: Parameters<typeof reportTo>[0], input: unknown, parse: (problems: string[]) => T): T {
  const problems: string[] = [];
  const value = parse(problems);
  problems.forEach(reportTo(ctx, input));
  return value;
}
