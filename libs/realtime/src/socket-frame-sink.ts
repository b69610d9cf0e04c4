import WebSocket from 'ws';
import type { Connection, ConnectionRegistry } from './connection-registry';
import type { FrameSink } from './frame-sink';

const OPEN_BRACE = Buffer.from('{');

/**
 * A `FrameSink` over a whole socket (a single-stream path): `{` + fields + body, through the registry's bounded
 * sender. A frame without per-client fields (an event frame) is joined once per body and the joined bytes reused for
 * every socket that gets it.
 */
export class SocketFrameSink implements FrameSink {
  private static readonly joined = new WeakMap<Buffer, Buffer>();

  constructor(
    private readonly registry: ConnectionRegistry,
    readonly connection: Connection,
  ) {}

  write(fields: string, body: Buffer): boolean {
    let frame: Buffer;
    if (fields === '') {
      frame = SocketFrameSink.joined.get(body) ?? Buffer.concat([OPEN_BRACE, body]);
      SocketFrameSink.joined.set(body, frame);
    } else {
      frame = Buffer.concat([OPEN_BRACE, Buffer.from(fields), body]);
    }
    return this.registry.send(this.connection.outlet, frame);
  }

  end(closeCode: number, reason: string): void {
    const socket = this.connection.socket;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(closeCode, reason);
  }
}
