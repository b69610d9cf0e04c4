import type { Connection } from './connection-registry';
import { WireFrame } from './socket-sender';

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
   * `write(frame.fields, frame.body)`, for a frame going to many sinks: a sink whose bytes another sink already wrote
   * writes the frame's shared wire frame (`SharedFrame.wireFor`) instead of building its own.
   */
  writeShared(frame: SharedFrame): boolean;
  /**
   * Ends the subscription from the server side after its error frame was written: a single-stream socket is closed
   * with `closeCode`; a `/v1/stream` subscription is removed and the socket stays open for the others.
   */
  end(closeCode: number, reason: string): void;
}

/**
 * One frame for many sinks: the stream's per-client fields and the shared body. Sinks whose frames come out byte for
 * byte the same (the subscribers of a view at the same `seq`, with the same `sub` on `/v1/stream`) share one wire
 * frame: header, prefix and body framed once and written as one buffer. The first sink of a kind writes its prefix in
 * front of the body as before; the copy is only made once a second sink needs the same bytes, so subscribers that
 * all differ cost no more than they did.
 */
export class SharedFrame {
  /** by the sink's own head (`{`, or `{"sub":"<id>",`): null once written, the wire frame from the second time */
  private readonly wires = new Map<string, WireFrame | null>();

  constructor(
    readonly fields: string,
    readonly body: Buffer,
  ) {}

  /** The frame of a sink whose own bytes are `head`, to write as is; undefined the first time (write it prefixed). */
  wireFor(head: string): WireFrame | undefined {
    const known = this.wires.get(head);
    if (known) return known;
    if (known === undefined) {
      this.wires.set(head, null);
      return undefined;
    }
    const wire = new WireFrame(head + this.fields, this.body);
    this.wires.set(head, wire);
    return wire;
  }
}

/** The body bytes of a serialised object for `FrameSink.write`: everything after its opening `{`. */
export function objectBody(json: string | Buffer): Buffer {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  return bytes.subarray(1);
}

/** Writes through the registry's bounded sender; what both sinks need of `ConnectionRegistry`. */
export interface PrefixedWriter {
  sendPrefixed(outlet: Connection, prefix: string, body: Buffer): boolean;
  sendWire(outlet: Connection, frame: WireFrame): boolean;
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

  writeShared(frame: SharedFrame): boolean {
    const wire = frame.wireFor('{');
    return wire ? this.writer.sendWire(this.connection, wire) : this.write(frame.fields, frame.body);
  }

  end(closeCode: number, reason: string): void {
    const socket = this.connection.socket;
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(closeCode, reason);
  }
}
