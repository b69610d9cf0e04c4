import { Inject, type Type } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { AnyEventStreamDefinition } from './event-stream-definition';
import { EventStreams } from './event-streams';

/**
 * Binds an event stream's single-stream path to `EventStreams` and declares the stream (so `/v1/stream` finds it by
 * name). A feature writes one line: `export class DexLiveGateway extends eventGatewayFor(DEX_LIVE_PATH, DexLiveStream) {}`.
 */
export function eventGatewayFor(path: string, definitionType: Type<AnyEventStreamDefinition>): Type<OnGatewayConnection> {
  @WebSocketGateway({ path })
  class EventStreamGateway implements OnGatewayConnection {
    constructor(
      @Inject(EventStreams) private readonly streams: EventStreams,
      @Inject(definitionType) private readonly definition: AnyEventStreamDefinition,
    ) {
      streams.register(definition);
    }

    handleConnection(client: WebSocket, request: IncomingMessage): void {
      void this.streams.serve(this.definition, client, request);
    }
  }
  return EventStreamGateway;
}
