import WebSocket from 'ws';
import { SocketSender, type Outlet } from './socket-sender';

function fakeSocket() {
  return { readyState: WebSocket.OPEN, bufferedAmount: 0, sent: [] as Buffer[], terminated: false, send(frame: Buffer) { this.sent.push(frame); }, terminate() { this.terminated = true; } };
}

describe('SocketSender', () => {
  const stats = { sent: 0, skipped: 0, terminated: 0, onSent(n: number) { this.sent += n; }, onSkipped(n: number) { this.skipped += n; }, onTerminated() { this.terminated++; } };
  const limits = { backpressureBytes: 100, hardCapBytes: 1_000, stuckMs: 1_000 };

  function outlet(socket: ReturnType<typeof fakeSocket>, frame?: Buffer): Outlet {
    return { socket: socket as unknown as WebSocket, latestFrame: () => frame, lagSince: 0 };
  }

  it('skips frames while the send buffer is over its bound and sends the latest once it drains', () => {
    const sender = new SocketSender(limits, stats);
    const socket = fakeSocket();
    const latest = Buffer.from('latest');
    const target = outlet(socket, latest);
    socket.bufferedAmount = 99;
    expect(sender.send(target, Buffer.from('frame-1'))).toBe(false);
    expect(sender.laggingCount).toBe(1);
    socket.bufferedAmount = 0;
    sender.sweep();
    expect(socket.sent).toEqual([latest]);
    expect(sender.laggingCount).toBe(0);
    sender.stop();
  });

  it('terminates a socket that stays stuck or passes the hard cap', () => {
    const sender = new SocketSender(limits, stats);
    const stuck = fakeSocket();
    const huge = fakeSocket();
    stuck.bufferedAmount = 150;
    huge.bufferedAmount = 150;
    const stuckOutlet = outlet(stuck, Buffer.from('x'));
    sender.send(stuckOutlet, Buffer.from('x'));
    sender.send(outlet(huge, Buffer.from('x')), Buffer.from('x'));
    huge.bufferedAmount = 5_000;
    sender.sweep(stuckOutlet.lagSince + 10);
    expect(huge.terminated).toBe(true);
    expect(stuck.terminated).toBe(false);
    sender.sweep(stuckOutlet.lagSince + 2_000);
    expect(stuck.terminated).toBe(true);
    sender.stop();
  });
});
