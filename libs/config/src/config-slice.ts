import { z } from 'zod';

export type NodeEnv = 'development' | 'production' | 'test';

export enum MarketDataMode {
  Live = 'live',
  Sandbox = 'sandbox',
}

/** What some defaults depend on (`AUTH_REQUIRED` is on in production, spreads are simulated in sandbox, ...). */
export interface ConfigContext {
  nodeEnv: NodeEnv;
  marketData: MarketDataMode;
}

/** The context of an environment that sets nothing: the defaults the README documents. */
export const DEFAULT_CONTEXT: ConfigContext = { nodeEnv: 'development', marketData: MarketDataMode.Live };

/**
 * One slice of the configuration: its variables (each with its parser, bounds, default and one-line description)
 * and the typed value it gives under `key`. `build` only arranges parsed values and checks rules across them
 * (`report` names a problem); it sets no defaults.
 */
export interface ConfigSlice<K extends string = string, S extends z.ZodRawShape = z.ZodRawShape, Out = unknown> {
  readonly key: K;
  /** the injection token of this slice's value (`ConfigModule.forFeature(slice)`) */
  readonly token: symbol;
  readonly variables: (context: ConfigContext) => S;
  readonly schema: (context: ConfigContext) => z.ZodType<Out>;
}

/** `build`'s result with every property that may be undefined made optional (`x?: T`, as written by hand). */
export type Settled<T> = T extends readonly unknown[] | ((...args: never[]) => unknown) | string | number | boolean
  ? T
  : T extends object
    ? { [K in keyof T as undefined extends T[K] ? never : K]: Settled<T[K]> } & { [K in keyof T as undefined extends T[K] ? K : never]?: Settled<T[K]> }
    : T;

export type ConfigOf<S extends ConfigSlice> = S extends ConfigSlice<string, z.ZodRawShape, infer Out> ? Out : never;

export function defineConfig<const K extends string, S extends z.ZodRawShape, Out>(
  key: K,
  variables: (context: ConfigContext) => S,
  build: (env: z.output<z.ZodObject<S>>, report: (problem: string) => void, context: ConfigContext) => Out,
): ConfigSlice<K, S, Settled<Out>> {
  return {
    key,
    token: Symbol(`config:${key}`),
    variables,
    schema: (context) =>
      z.object(variables(context)).transform((env, ctx) =>
        build(env, (message) => ctx.issues.push({ code: 'custom', message, input: undefined }), context),
      ) as unknown as z.ZodType<Settled<Out>>,
  };
}

export type ComposedConfig<Slices extends readonly ConfigSlice[]> = { [S in Slices[number] as S['key']]: ConfigOf<S> };

export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Several slices as one configuration: one schema, validated at once, so one bad start names every bad variable. */
export interface ConfigSchema<Slices extends readonly ConfigSlice[]> {
  readonly slices: Slices;
  /** Validates `env` (empty values mean unset; other variables are ignored); throws `ConfigValidationError`. */
  load(env?: NodeJS.ProcessEnv): ComposedConfig<Slices>;
}

export function composeConfig<const Slices extends readonly ConfigSlice[]>(...slices: Slices): ConfigSchema<Slices> {
  const schema = (context: ConfigContext) => z.object(Object.fromEntries(slices.map((slice) => [slice.key, slice.schema(context)])));
  return {
    slices,
    load(env = process.env) {
      // compose files write `KEY: ${KEY:-}`: an empty value is unset
      const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')) as Record<string, string>;
      const result = schema(readContext(present)).safeParse(Object.fromEntries(slices.map((slice) => [slice.key, present])));
      // a variable read by two slices is named once
      if (!result.success) throw new ConfigValidationError([...new Set(result.error.issues.map((issue) => describeIssue(issue, present)))]);
      return result.data as ComposedConfig<Slices>;
    },
  };
}

/** The context, read leniently: a bad NODE_ENV or MARKET_DATA is reported by its own slice. */
function readContext(env: Record<string, string>): ConfigContext {
  const nodeEnv = z.enum(['development', 'production', 'test']).catch(DEFAULT_CONTEXT.nodeEnv).parse(env.NODE_ENV);
  const marketData = z.enum(MarketDataMode).catch(DEFAULT_CONTEXT.marketData).parse(env.MARKET_DATA);
  return { nodeEnv, marketData };
}

const SECRET_NAMES = /KEY|SECRET|TOKEN|PASSWORD/;

/** `NAME="value": what is wrong` (secrets as `<redacted>`); a rule across variables or entries speaks for itself. */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string>): string {
  if (issue.code === 'custom') return issue.message;
  const name = String(issue.path[issue.path.length - 1] ?? '');
  const value = env[name];
  const shown = SECRET_NAMES.test(name) && value ? '<redacted>' : value;
  return `${name}=${JSON.stringify(shown)}: ${issue.message}`;
}

export interface DocumentedVariable {
  name: string;
  /** the default of an environment that sets nothing, as the README writes it; `unset` when there is none */
  default: string;
  description: string;
}

/** Every variable of `slices`, with its documented default and description (the README check reads these). */
export function documentVariables(slices: readonly ConfigSlice[]): DocumentedVariable[] {
  const seen = new Set<string>();
  return slices.flatMap((slice) =>
    Object.entries(slice.variables(DEFAULT_CONTEXT)).flatMap(([name, schema]) => {
      if (seen.has(name)) return [];
      seen.add(name);
      const meta = (schema as z.ZodType).meta() as { description?: string; default?: unknown } | undefined;
      const def = (schema as z.ZodType).def as { type: string; defaultValue?: unknown };
      return [{ name, default: renderDefault(meta?.default ?? (def.type === 'default' ? def.defaultValue : undefined)), description: meta?.description ?? '' }];
    }),
  );
}

function renderDefault(value: unknown): string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 'unset';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0 ? 'unset' : JSON.stringify(value);
  return String(value);
}
