import { Injectable, type Provider, type Type } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { AnyStreamDefinition } from './stream-definition';
import { StreamHub } from './stream-hub';

/** Serves one WebSocket on a path the realtime layer owns (after the upgrade was admitted). */
export type PathHandler = (socket: WebSocket, request: IncomingMessage) => void;

/** A stream's name on `/v1/stream`: `<group>.<last path segment>` (`/…/derivative/ws/24h_volume` → `stablecoins.24h_volume`). */
export function streamName(group: string, path: string): string {
  return `${group}.${path.slice(path.lastIndexOf('/') + 1)}`;
}

/** A view stream as published: its `/v1/stream` name (`stablecoins.btc_dom`), its path and its declaration. */
export interface PublishedView {
  readonly name: string;
  readonly path: string;
  readonly definition: AnyStreamDefinition;
}

/**
 * Every view stream the features declared, and the paths the realtime layer serves: the WS adapter asks it for the
 * handler of an upgrade's path, `/v1/stream` for a view stream by name. (The AsyncAPI document is built from the
 * features' descriptors, `StreamDescriptors`, whose names come from the same `streamName` rule.)
 */
@Injectable()
export class StreamCatalog {
  private readonly viewsByName = new Map<string, PublishedView>();
  private readonly routes = new Map<string, PathHandler>();

  constructor(private readonly hub: StreamHub) {}

  /**
   * Publishes a view stream: its path is served by the hub, and `/v1/stream` knows it as `<group>.<last path
   * segment>` (the ten seed-000 streams: `stablecoins.btc_dom`, ...).
   */
  addView(definition: AnyStreamDefinition, group: string): PublishedView {
    const name = streamName(group, definition.path);
    if (this.viewsByName.has(name)) throw new Error(`stream name ${name} is declared twice`);
    const published = { name, path: definition.path, definition };
    this.route(definition.path, (socket, request) => void this.hub.connect(definition, socket, request));
    this.viewsByName.set(name, published);
    return published;
  }

  /** Serves `path` with `handler` (e.g. `/v1/stream`, an event stream's path). */
  route(path: string, handler: PathHandler): void {
    if (this.routes.has(path)) throw new Error(`WebSocket path ${path} is declared twice`);
    this.routes.set(path, handler);
  }

  handlerFor(path: string): PathHandler | undefined {
    return this.routes.get(path);
  }

  view(name: string): PublishedView | undefined {
    return this.viewsByName.get(name);
  }
}

/**
 * The provider by which a feature module declares its view streams: the realtime layer serves their paths and
 * publishes them on `/v1/stream` as `<group>.<last path segment>`. No gateway class per path.
 *
 *   providers: [MarketSnapshotStreams, declareViewStreams(MarketSnapshotStreams, 'stablecoins', (s) => [s.overall, s.btcDominance])]
 */
export function declareViewStreams<S>(streamsType: Type<S>, group: string, pick: (streams: S) => AnyStreamDefinition[]): Provider {
  return {
    provide: Symbol(`view streams of ${streamsType.name}`),
    inject: [StreamCatalog, streamsType],
    useFactory: (catalog: StreamCatalog, streams: S) => pick(streams).map((definition) => catalog.addView(definition, group)),
  };
}
