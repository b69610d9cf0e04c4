import { Global, Injectable, Module, type InjectionToken, type Provider } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * A JSON Schema (draft-07 subset: what AsyncAPI 3.0 payloads and query bindings take). Loose on purpose: schemas are
 * data, validated by @asyncapi/parser and compiled by ajv in the contract tests.
 */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  [keyword: string]: unknown;
}

/** A message a stream may send besides its data frame (welcome, ping, error, ...). */
export interface StreamMessage {
  summary: string;
  payload: JsonSchema;
}

export type StreamAuth = 'jwt' | 'api_key' | 'signed' | 'none';

/**
 * What a client needs to know about one stream, and nothing about how it is served: the input of the AsyncAPI
 * document and the explorer. Each feature describes its own streams; the realtime layer serves them.
 */
export interface StreamDescriptor {
  /** the stream name of `/v1/stream` subscriptions, e.g. `stablecoins.btc_dom`, `spreads.live` */
  readonly name: string;
  /** its single-stream WebSocket path */
  readonly path: string;
  /** view: the latest state, re-rendered per refresh; event: an ordered log (welcome, resume_from) */
  readonly kind: 'view' | 'event';
  readonly auth: StreamAuth;
  readonly title: string;
  readonly description: string;
  /** object schema of its params (query string of the single-stream path, `params` of a subscribe) */
  readonly params: JsonSchema;
  /** its data frame, `type` and `seq` included */
  readonly frame: JsonSchema;
  /** the frames it sends besides data frames, by message name (`welcome`, `ping`, `error`) */
  readonly extraMessages?: Readonly<Record<string, StreamMessage>>;
}

/** Stream names: a lower-case word, dots and dashes/underscores between parts (`stablecoins.24h_volume`). */
const STREAM_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

/** The streams of this process, as their features described them: read by `/asyncapi.json`. */
@Injectable()
export class StreamDescriptors {
  private readonly byName = new Map<string, StreamDescriptor>();

  register(descriptor: StreamDescriptor): void {
    if (!STREAM_NAME.test(descriptor.name)) throw new Error(`stream name ${JSON.stringify(descriptor.name)} is not like "feature.stream"`);
    if (this.byName.has(descriptor.name)) throw new Error(`stream ${descriptor.name} is described twice`);
    for (const other of this.byName.values()) {
      if (other.path === descriptor.path) throw new Error(`streams ${other.name} and ${descriptor.name} share the path ${descriptor.path}`);
    }
    this.byName.set(descriptor.name, descriptor);
  }

  /** Every stream, sorted by name (a stable document whatever the module order). */
  list(): StreamDescriptor[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): StreamDescriptor | undefined {
    return this.byName.get(name);
  }
}

@Global()
@Module({ providers: [StreamDescriptors], exports: [StreamDescriptors] })
export class StreamDescriptorsModule {}

let describedCount = 0;

/**
 * A provider that registers a feature's stream descriptors in the catalog when the module is built:
 * `providers: [describeStreams((streams: MyStreams) => [...], [MyStreams])]`.
 */
export function describeStreams<Deps extends unknown[]>(build: (...deps: Deps) => StreamDescriptor[], inject: InjectionToken[] = []): Provider {
  return {
    provide: Symbol(`stream descriptors ${++describedCount}`),
    inject: [StreamDescriptors, ...inject],
    useFactory: (catalog: StreamDescriptors, ...deps: Deps) => {
      const descriptors = build(...deps);
      for (const descriptor of descriptors) catalog.register(descriptor);
      return descriptors;
    },
  };
}

/** `resume_from`: the params every event stream takes besides its own. */
export class ResumeParams {
  @ApiPropertyOptional({ description: 'Replay every event after this seq (the seq of the last frame you got), then continue live; the welcome says whether nothing was lost.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'resume_from must be an integer seq' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  resume_from?: number;
}
