import WebSocket from 'ws';
import { Heartbeat, type HeartbeatMember } from './heartbeat';

function member(readyState: number = WebSocket.OPEN) {
  const socket = { readyState, pings: 0, terminated: false, handlers: {} as Record<string, () => void>, ping() { this.pings++; }, terminate() { this.terminated = true; }, on(event: string, handler: () => void) { this.handlers[event] = handler; } };
  return { socket: socket as unknown as WebSocket, alive: true, raw: socket } as HeartbeatMember & { raw: typeof socket };
}

describe('Heartbeat', () => {
  it('pings live members, terminates the ones that missed the previous ping, and revives on pong', () => {
    const a = member();
    const b = member();
    const dead: unknown[] = [];
    const beats: unknown[] = [];
    // one slice: every beat checks every member
    const heartbeat = new Heartbeat({ intervalMs: 1_000, slices: 1, onDead: (m) => dead.push(m), onBeat: (m) => beats.push(m) });
    heartbeat.watch(a);
    heartbeat.watch(b);

    heartbeat.beatSlice();
    expect([a.raw.pings, b.raw.pings]).toEqual([1, 1]);
    expect(beats).toEqual([a, b]);
    a.raw.handlers.pong(); // only a answers

    heartbeat.beatSlice();
    expect(a.raw.terminated).toBe(false);
    expect(a.raw.pings).toBe(2);
    expect(b.raw.terminated).toBe(true);
    expect(dead).toEqual([b]);
  });

  it('beats the interval in slices: each member is pinged once per interval, in its own slice, and reaped in it', () => {
    const members = [member(), member(), member(), member(), member(), member()];
    const dead: unknown[] = [];
    const heartbeat = new Heartbeat({ intervalMs: 3_000, slices: 3, onDead: (m) => dead.push(m) });
    members.forEach((m) => heartbeat.watch(m));
    const pings = () => members.map((m) => m.raw.pings);

    heartbeat.beatSlice();
    expect(pings()).toEqual([1, 0, 0, 1, 0, 0]);
    heartbeat.beatSlice();
    heartbeat.beatSlice();
    expect(pings()).toEqual([1, 1, 1, 1, 1, 1]);

    // all but the fourth answer; a slice later nothing is reaped yet, at its own slice the fourth is
    members.forEach((m, i) => i !== 3 && m.raw.handlers.pong());
    heartbeat.beatSlice();
    expect(members[3].raw.terminated).toBe(true);
    expect(dead).toEqual([members[3]]);
    expect(pings()).toEqual([2, 1, 1, 1, 1, 1]);
    heartbeat.beatSlice();
    heartbeat.beatSlice();
    expect(pings()).toEqual([2, 2, 2, 1, 2, 2]);
    expect(dead).toEqual([members[3]]);
  });

  it('arms one job per slice of the interval', () => {
    const every = jest.fn(() => ({ stop: () => undefined }));
    const heartbeat = new Heartbeat({ intervalMs: 30_000, jobs: { every } as never });
    heartbeat.start();
    heartbeat.start();
    expect(every).toHaveBeenCalledTimes(1);
    expect(every).toHaveBeenCalledWith('realtime.heartbeat', 3_000, expect.any(Function));
  });

  it('does not ping a socket that is not open', () => {
    const closing = member(WebSocket.CLOSING);
    const heartbeat = new Heartbeat({ intervalMs: 1_000, slices: 1 });
    heartbeat.watch(closing);
    heartbeat.beatSlice();
    expect(closing.raw.pings).toBe(0);
    expect(closing.alive).toBe(false);
  });

  it('checks only watched members: an unwatched one is neither pinged nor reaped, a reaped one is reaped once', () => {
    const [kept, gone, silent] = [member(), member(), member()];
    const dead: unknown[] = [];
    const heartbeat = new Heartbeat({ intervalMs: 1_000, slices: 1, onDead: (m) => dead.push(m) });
    [kept, gone, silent].forEach((m) => heartbeat.watch(m));
    heartbeat.beatSlice();
    expect([kept.raw.pings, gone.raw.pings, silent.raw.pings]).toEqual([1, 1, 1]);

    heartbeat.unwatch(gone);
    kept.raw.handlers.pong();
    heartbeat.beatSlice();
    expect([kept.raw.pings, gone.raw.pings]).toEqual([2, 1]);
    expect(gone.raw.terminated).toBe(false); // it missed the pong, but it is no longer watched
    expect(silent.raw.terminated).toBe(true);
    expect(dead).toEqual([silent]);

    kept.raw.handlers.pong();
    heartbeat.beatSlice();
    expect(dead).toEqual([silent]);
    expect(kept.raw.pings).toBe(3);
  });
});
