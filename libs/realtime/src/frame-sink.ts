import type { Connection } from './connection-registry';

/**
 * Where one subscription's frames go: a whole socket (a single-stream path) or one subscription on the
 * multiplexed `/v1/stream` socket. Streams hand over the shared bytes of a frame once; each sink writes its own
 * few bytes in front of them, so a frame is never re-serialised per client (issue 10 §4, "prefix the shared bytes").
 */
export interface FrameSink {
  /** the registered socket this sink writes to (caps, heartbeat, bounded sender) */
  readonly connection: Connection;
  /**
   * Writes one JSON object frame: `{` + the sink's own fields (on `/v1/stream`: `"sub":"<id>",`) + `fields`
   * (the stream's per-client fields, e.g. `"type":"view","seq":7,`) + `body`, a serialised JSON object without its
   * opening brace (`"results":[...]}`, or `}` for none). Returns false when the bounded sender skipped it.
   */
  write(fields: string, body: Buffer): boolean;
  /**
   * Ends the subscription from the server side after its error frame was written: a single-stream socket is closed
   * with `closeCode`; a `/v1/stream` subscription is removed and the socket stays open for the others.
   */
  end(closeCode: number, reason: string): void;
}

/** The body bytes of a serialised object for `FrameSink.write`: everything after its opening `{`. */
export function objectBody(json: string | Buffer): Buffer {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  return bytes.subarray(1);
}

/** Writes through the registry's bounded sender; what both sinks need of `ConnectionRegistry`. */
export interface PrefixedWriter {
  sendPrefixed(outlet: Connection, prefix: string, body: Buffer): boolean;
}

/** The sink of a single-stream path: the whole socket is the subscription; ending it closes the socket. */
export class SocketSink implements FrameSink {
  constructor(
    readonly connection: Connection,
    private readonly writer: PrefixedWriter,
  ) {}

  write(fields: string, body: Buffer): boolean {
    return this.writer.sendPrefixed(this.connection, `{${fields}`, body);
  }

  end(closeCode: number, reason: string): void {
    const socket = this.connection.socket;
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(closeCode, reason);
  }
}
