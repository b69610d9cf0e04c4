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
    const socket = outlet.socket;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount + frame.length > this.limits.backpressureBytes) {
      if (outlet.lagSince === 0) outlet.lagSince = Date.now();
      this.lagging.add(outlet);
      this.stats.onSkipped(1);
      this.ensureSweeper();
      return false;
    }
    socket.send(frame, { binary: false });
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
