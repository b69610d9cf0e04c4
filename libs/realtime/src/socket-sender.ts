import WebSocket from 'ws';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';

/** What the sender needs to know of a subscriber. */
export interface Outlet {
  readonly socket: WebSocket;
  /** the latest frame of the subscriber's view: what a lagging socket gets once it drains */
  latestFrame(): Buffer | undefined;
  /** epoch ms since when frames are being skipped; 0 when in step */
  lagSince: number;
  /**
   * Once a lagging socket has drained: re-sends what it missed through the sender (e.g. each view's latest frame
   * with the next seq). When present it replaces `latestFrame` for the catch-up.
   */
  catchUp?(): void;
}

export interface SendStats {
  onSent(count: number): void;
  onSkipped(count: number): void;
  onTerminated(reason: 'stuck'): void;
}

/**
 * Writes frames with a bounded send buffer: ws queues without limit, so a slow reader would grow memory forever.
 * A socket over the bound skips frames; it gets the latest one when it drains, and is terminated if it stays stuck.
 */
export class SocketSender {
  private readonly lagging = new Set<Outlet>();
  private sweeper?: ScheduledJob;

  constructor(
    private readonly limits: { backpressureBytes: number; hardCapBytes: number; stuckMs: number },
    private readonly stats: SendStats,
    private readonly jobs = JobScheduler.detached(),
  ) {}

  /** Returns whether the frame was written (false: closed socket, or skipped under backpressure). */
  send(outlet: Outlet, frame: Buffer): boolean {
    if (!this.writable(outlet, frame.length)) return false;
    outlet.socket.send(frame, { binary: false });
    return true;
  }

  /**
   * Sends one text frame made of a small per-client `prefix` (ASCII or UTF-8 text, e.g. `{"type":"view","seq":7,`)
   * and a `body` shared by many clients, same rules as `send`. The WebSocket header is built for the combined length
   * in the same small buffer as the prefix, and ws writes `[header + prefix, body]` corked: the body is written by
   * reference, never copied or re-serialised per client. (ws's `Sender#sendFrame` writes a list of exactly one or
   * two buffers, so header and prefix share one.) Without ws's raw path (an extension is active) it falls back to
   * `ws.send` of the concatenation.
   */
  sendPrefixed(outlet: Outlet, prefix: string, body: Buffer): boolean {
    const prefixBytes = Buffer.byteLength(prefix);
    const length = prefixBytes + body.length;
    if (!this.writable(outlet, length)) return false;
    const raw = rawSender(outlet.socket);
    if (raw) {
      const head = frameHeader(length, prefixBytes);
      head.write(prefix, head.length - prefixBytes);
      raw.sendFrame([head, body]);
    } else {
      outlet.socket.send(Buffer.concat([Buffer.from(prefix), body], length), { binary: false });
    }
    return true;
  }

  /**
   * Writes a frame framed beforehand (`WireFrame`), same rules as `send`: one buffer, one socket write, and the same
   * buffer for every socket whose frame has the same bytes. Node keeps a reference until it is written; a wire frame
   * is never changed after it is built.
   */
  sendWire(outlet: Outlet, frame: WireFrame): boolean {
    if (!this.writable(outlet, frame.payloadLength)) return false;
    const raw = rawSender(outlet.socket);
    if (raw) raw.sendFrame([frame.bytes]);
    else outlet.socket.send(frame.payload(), { binary: false });
    return true;
  }

  /** Whether `send` would write `bytes` now (open, under the backpressure bound), without marking anything. */
  hasRoom(outlet: Outlet, bytes: number): boolean {
    return outlet.socket.readyState === WebSocket.OPEN && outlet.socket.bufferedAmount + bytes <= this.limits.backpressureBytes;
  }

  /** Open and under the backpressure bound; a socket over it is marked lagging and the frame skipped. */
  private writable(outlet: Outlet, bytes: number): boolean {
    const socket = outlet.socket;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount + bytes > this.limits.backpressureBytes) {
      if (outlet.lagSince === 0) outlet.lagSince = Date.now();
      this.lagging.add(outlet);
      this.stats.onSkipped(1);
      this.ensureSweeper();
      return false;
    }
    return true;
  }

  forget(outlet: Outlet): void {
    this.lagging.delete(outlet);
  }

  get laggingCount(): number {
    return this.lagging.size;
  }

  /** Retries lagging sockets with their latest frame; terminates the stuck ones. */
  sweep(now = Date.now()): void {
    for (const outlet of this.lagging) {
      const socket = outlet.socket;
      if (socket.readyState !== WebSocket.OPEN) {
        this.lagging.delete(outlet);
        continue;
      }
      if (socket.bufferedAmount > this.limits.hardCapBytes || now - outlet.lagSince > this.limits.stuckMs) {
        this.lagging.delete(outlet);
        this.stats.onTerminated('stuck');
        socket.terminate();
        continue;
      }
      if (outlet.catchUp) {
        // drained to half the bound: room for the latest frames it missed (they go through the bound again)
        if (socket.bufferedAmount <= this.limits.backpressureBytes / 2) {
          this.lagging.delete(outlet);
          outlet.lagSince = 0;
          outlet.catchUp();
        }
        continue;
      }
      const frame = outlet.latestFrame();
      if (!frame || socket.bufferedAmount + frame.length <= this.limits.backpressureBytes) {
        this.lagging.delete(outlet);
        outlet.lagSince = 0;
        if (frame) {
          socket.send(frame, { binary: false });
          this.stats.onSent(1);
        }
      }
    }
    if (this.lagging.size === 0) this.stop();
  }

  stop(): void {
    this.sweeper?.stop();
    this.sweeper = undefined;
  }

  private ensureSweeper(): void {
    this.sweeper ??= this.jobs.every('realtime.send-sweeper', 250, () => this.sweep());
  }
}

interface RawSender {
  sendFrame(list: Buffer[]): void;
}

/**
 * ws's own write path for an already framed message (`Sender#sendFrame`, what `ws.send` ends in and what
 * engine.io uses for its pre-encoded broadcasts). Only when no extension (permessage-deflate) rewrites
 * frames; otherwise, or if a ws upgrade removes it, callers fall back to `ws.send`.
 */
function rawSender(socket: WebSocket): RawSender | undefined {
  const sender = (socket as unknown as { _sender?: Partial<RawSender> & { _state?: number } })._sender;
  // `_state` 0 (DEFAULT): nothing queued inside ws (it queues only behind blobs or compression), so order is kept
  return hasNoExtensions(socket) && typeof sender?.sendFrame === 'function' && !sender._state ? (sender as RawSender) : undefined;
}

/**
 * No negotiated extension: ws's `extensions` getter builds a string from the keys on every read, which the
 * per-frame path would pay for each socket; its `_extensions` object answers the same question without allocating.
 */
function hasNoExtensions(socket: WebSocket): boolean {
  const negotiated = (socket as unknown as { _extensions?: object })._extensions;
  if (negotiated === undefined) return socket.extensions === '';
  for (const _ in negotiated) return false;
  return true;
}

/**
 * A whole unmasked text frame whose payload is a small `prefix` (e.g. `{"type":"view","seq":7,`) and then `body`:
 * the WebSocket header and the payload in one buffer, built once and written as is to every socket it is for.
 */
export class WireFrame {
  readonly bytes: Buffer;
  readonly payloadLength: number;

  constructor(prefix: string, body: Buffer) {
    const prefixBytes = Buffer.byteLength(prefix);
    this.payloadLength = prefixBytes + body.length;
    this.bytes = frameHeader(this.payloadLength, this.payloadLength);
    const payloadStart = this.bytes.length - this.payloadLength;
    this.bytes.write(prefix, payloadStart);
    body.copy(this.bytes, payloadStart + prefixBytes);
  }

  /** the payload without the header (for a socket ws must frame itself) */
  payload(): Buffer {
    return this.bytes.subarray(this.bytes.length - this.payloadLength);
  }
}

/**
 * The header of an unmasked, final text frame whose payload is `length` bytes, in a buffer with `room` more bytes
 * after it (uninitialised: the caller writes the first `room` payload bytes there).
 */
export function frameHeader(length: number, room = 0): Buffer {
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerLength + room);
  wire[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    wire[1] = length;
  } else if (length < 65_536) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeBigUInt64BE(BigInt(length), 2);
  }
  return wire;
}
