import type { OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { StreamHub } from './stream-hub';
import type { AnyStreamDefinition } from './stream-definition';

/**
 * Base of every stream gateway: hands the connection to the hub. A feature's gateway is only
 * `@WebSocketGateway({ path })` on a subclass that passes its stream definition.
 */
export abstract class StreamGateway implements OnGatewayConnection {
  protected constructor(
    private readonly hub: StreamHub,
    private readonly definition: AnyStreamDefinition,
  ) {}

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    void this.hub.connect(this.definition, client, request);
  }
}
