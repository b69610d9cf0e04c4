import { Inject, type Type } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { StreamHub } from './stream-hub';
import type { AnyStreamDefinition } from './stream-definition';

/** Base of every stream gateway: hands the connection to the hub. */
export abstract class StreamGateway implements OnGatewayConnection {
  protected constructor(
    private readonly hub: StreamHub,
    private readonly definition: AnyStreamDefinition,
  ) {}

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    void this.hub.connect(this.definition, client, request);
  }
}

/**
 * The gateway of one stream of a feature's streams provider. Nest needs one class per WebSocket path (the
 * path is decorator metadata), so a feature declares each as a one-liner:
 * `export class BtcDominanceGateway extends gatewayFor(PATHS.btcDominance, MarketSnapshotStreams, (s) => s.btcDominance) {}`.
 */
export function gatewayFor<S>(path: string, streamsType: Type<S>, pick: (streams: S) => AnyStreamDefinition): Type<StreamGateway> {
  @WebSocketGateway({ path })
  class PathGateway extends StreamGateway {
    constructor(@Inject(StreamHub) hub: StreamHub, @Inject(streamsType) streams: S) {
      super(hub, pick(streams));
    }
  }
  return PathGateway;
}
