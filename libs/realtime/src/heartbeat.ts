import WebSocket from 'ws';
import { JobScheduler, type ScheduledJob } from '@app/scheduling';

export interface HeartbeatMember {
  readonly socket: WebSocket;
  alive: boolean;
}

export interface HeartbeatOptions<T extends HeartbeatMember> {
  intervalMs: number;
  /** the members to check on each beat (read at every beat, so the caller keeps its own registry) */
  members: () => Iterable<T>;
  /** called before a dead member's socket is terminated */
  onDead?: (member: T) => void;
  /** called after a live member was pinged (e.g. to send an application-level ping frame too) */
  onBeat?: (member: T) => void;
  /** where the beat is armed (`realtime.heartbeat`); a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
}

/**
 * ws has no liveness check of its own: a half-open connection would pin its memory forever.
 * Ping every interval; a socket that did not answer the previous ping is terminated.
 */
export class Heartbeat<T extends HeartbeatMember> {
  private job?: ScheduledJob;
  private readonly jobs: JobScheduler;

  constructor(private readonly options: HeartbeatOptions<T>) {
    this.jobs = options.jobs ?? JobScheduler.detached();
  }

  /** Marks the member alive whenever its socket answers a ping. */
  watch(member: T): void {
    member.socket.on('pong', () => (member.alive = true));
  }

  start(): void {
    // one job sweeps every socket: no timer per connection
    this.job ??= this.jobs.every('realtime.heartbeat', this.options.intervalMs, () => this.beat());
  }

  stop(): void {
    this.job?.stop();
    this.job = undefined;
  }

  beat(): void {
    for (const member of this.options.members()) {
      if (!member.alive) {
        this.options.onDead?.(member);
        member.socket.terminate();
        continue;
      }
      member.alive = false;
      if (member.socket.readyState !== WebSocket.OPEN) continue;
      member.socket.ping();
      this.options.onBeat?.(member);
    }
  }
}
