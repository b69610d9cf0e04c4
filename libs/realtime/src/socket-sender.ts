import WebSocket from 'ws';

/** What the sender needs to know of a subscriber. */
export interface Outlet {
  readonly socket: WebSocket;
  /** the latest frame of the subscriber's view: what a lagging socket gets once it drains */
  latestFrame(): Buffer | undefined;
  /** epoch ms since when frames are being skipped; 0 when in step */
  lagSince: number;
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
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly limits: { backpressureBytes: number; hardCapBytes: number; stuckMs: number },
    private readonly stats: SendStats,
  ) {}

  /** Returns whether the frame was written (false: closed socket, or skipped under backpressure). */
  send(outlet: Outlet, frame: Buffer): boolean {
    if (!this.writable(outlet, frame)) return false;
    outlet.socket.send(frame, { binary: false });
    return true;
  }

  /**
   * Sends one text frame to many outlets, with the same rules as `send`. The WebSocket framing is built
   * once and the framed bytes written as one buffer per socket: `ws.send` would frame again per socket
   * and write header and payload as two chunks (~13 % more CPU per send, bench/README.md "fan-out").
   * Returns how many sockets were written to.
   */
  broadcast(outlets: Iterable<Outlet>, frame: Buffer): number {
    let wire: Buffer | undefined;
    let sent = 0;
    for (const outlet of outlets) {
      if (!this.writable(outlet, frame)) continue;
      const raw = rawSender(outlet.socket);
      if (raw) raw.sendFrame([(wire ??= textFrame(frame))]);
      else outlet.socket.send(frame, { binary: false });
      sent++;
    }
    return sent;
  }

  /** Whether `send` would write `bytes` now (open, under the backpressure bound), without marking anything. */
  hasRoom(outlet: Outlet, bytes: number): boolean {
    return outlet.socket.readyState === WebSocket.OPEN && outlet.socket.bufferedAmount + bytes <= this.limits.backpressureBytes;
  }

  /** Open and under the backpressure bound; a socket over it is marked lagging and the frame skipped. */
  private writable(outlet: Outlet, frame: Buffer): boolean {
    const socket = outlet.socket;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount + frame.length > this.limits.backpressureBytes) {
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
      const frame = outlet.latestFrame();
      if (socket.bufferedAmount > this.limits.hardCapBytes || now - outlet.lagSince > this.limits.stuckMs) {
        this.lagging.delete(outlet);
        this.stats.onTerminated('stuck');
        socket.terminate();
      } else if (!frame || socket.bufferedAmount + frame.length <= this.limits.backpressureBytes) {
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
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private ensureSweeper(): void {
    this.sweeper ??= setInterval(() => this.sweep(), 250).unref();
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
  const sender = (socket as unknown as { _sender?: Partial<RawSender> })._sender;
  return socket.extensions === '' && typeof sender?.sendFrame === 'function' ? (sender as RawSender) : undefined;
}

/** An unmasked, final text frame (RFC 6455 section 5.2): the header the server puts before `payload`, then `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerLength + length);
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
  payload.copy(wire, headerLength);
  return wire;
}
