import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketSender, textFrame, type Outlet } from './socket-sender';

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

  it('broadcast skips closed and congested sockets, counts the written ones and falls back to ws.send', () => {
    const sender = new SocketSender(limits, stats);
    const open = fakeSocket();
    const congested = fakeSocket();
    const closed = fakeSocket();
    congested.bufferedAmount = 95;
    (closed as { readyState: number }).readyState = WebSocket.CLOSED;
    const frame = Buffer.from('frame-1');
    expect(sender.broadcast([outlet(open), outlet(congested), outlet(closed)], frame)).toBe(1);
    expect(open.sent).toEqual([frame]); // a socket without ws internals gets ws.send
    expect(congested.sent).toEqual([]);
    expect(sender.laggingCount).toBe(1);
    sender.stop();
  });
});

describe('textFrame', () => {
  it('puts the RFC 6455 header for each payload-length encoding before the payload', () => {
    expect([...textFrame(Buffer.from('hi'))]).toEqual([0x81, 2, 0x68, 0x69]);
    const medium = textFrame(Buffer.alloc(300, 'a'));
    expect([medium[0], medium[1], medium.readUInt16BE(2), medium.length]).toEqual([0x81, 126, 300, 304]);
    const large = textFrame(Buffer.alloc(70_000, 'b'));
    expect([large[0], large[1], Number(large.readBigUInt64BE(2)), large.length, large[10]]).toEqual([0x81, 127, 70_000, 70_010, 0x62]);
  });
});

describe('SocketSender.broadcast over real sockets', () => {
  let server: WebSocketServer;
  afterEach(() => {
    for (const socket of server.clients) socket.terminate();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('writes the pre-framed bytes through ws, which clients read as the same text messages', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const accepted = new Promise<WebSocket[]>((resolve) => {
      const sockets: WebSocket[] = [];
      server.on('connection', (socket) => sockets.push(socket) === 2 && resolve(sockets));
    });
    const clients = [new WebSocket(url), new WebSocket(url)];
    const payloads = [Buffer.from('{"a":1}'), Buffer.alloc(300, 'x'), Buffer.alloc(70_000, 'y')];
    const received = clients.map(
      (client) =>
        new Promise<Array<{ text: string; isBinary: boolean }>>((resolve) => {
          const messages: Array<{ text: string; isBinary: boolean }> = [];
          client.on('message', (data: Buffer, isBinary) => messages.push({ text: data.toString(), isBinary }) === payloads.length && resolve(messages));
        }),
    );
    const sockets = await accepted;
    const viaSend = sockets.map((socket) => jest.spyOn(socket, 'send'));
    const sender = new SocketSender({ backpressureBytes: 1 << 20, hardCapBytes: 8 << 20, stuckMs: 1_000 }, { onSent() {}, onSkipped() {}, onTerminated() {} });
    const outlets = sockets.map((socket) => ({ socket, latestFrame: () => undefined, lagSince: 0 }));
    for (const payload of payloads) expect(sender.broadcast(outlets, payload)).toBe(2);

    const expected = payloads.map((payload) => ({ text: payload.toString(), isBinary: false }));
    expect(await Promise.all(received)).toEqual([expected, expected]);
    for (const spy of viaSend) expect(spy).not.toHaveBeenCalled(); // the pre-framed path, not ws.send
    for (const client of clients) client.terminate();
  });
});
