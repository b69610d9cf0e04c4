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
    const heartbeat = new Heartbeat({ intervalMs: 1_000, members: () => [a, b], onDead: (m) => dead.push(m), onBeat: (m) => beats.push(m) });
    heartbeat.watch(a);
    heartbeat.watch(b);

    heartbeat.beat();
    expect([a.raw.pings, b.raw.pings]).toEqual([1, 1]);
    expect(beats).toEqual([a, b]);
    a.raw.handlers.pong(); // only a answers

    heartbeat.beat();
    expect(a.raw.terminated).toBe(false);
    expect(a.raw.pings).toBe(2);
    expect(b.raw.terminated).toBe(true);
    expect(dead).toEqual([b]);
  });

  it('does not ping a socket that is not open', () => {
    const closing = member(WebSocket.CLOSING);
    const heartbeat = new Heartbeat({ intervalMs: 1_000, members: () => [closing] });
    heartbeat.beat();
    expect(closing.raw.pings).toBe(0);
    expect(closing.alive).toBe(false);
  });
});
