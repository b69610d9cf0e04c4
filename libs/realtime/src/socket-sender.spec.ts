import WebSocket from 'ws';
import { socketPairs } from '../../../test/support/ws-pairs';
import { SocketSender, WireFrame, type Outlet } from './socket-sender';

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

  it('sendWire skips closed and congested sockets, counts the payload against the bound and falls back to ws.send', () => {
    const sender = new SocketSender(limits, stats);
    const open = fakeSocket();
    const full = fakeSocket();
    const congested = fakeSocket();
    const closed = fakeSocket();
    // the 15 payload bytes count against the bound, the 2 header bytes do not (as with ws.send): 85 + 15 fits, 86 + 15 not
    full.bufferedAmount = 85;
    congested.bufferedAmount = 86;
    (closed as { readyState: number }).readyState = WebSocket.CLOSED;
    const frame = new WireFrame('{"seq":1,', Buffer.from('"a":1}'));
    const written = [open, full, congested, closed].map((socket) => sender.sendWire(outlet(socket), frame));
    expect(written).toEqual([true, true, false, false]);
    expect(open.sent.map(String)).toEqual(['{"seq":1,"a":1}']); // a socket without ws internals gets ws.send of the payload
    expect(congested.sent).toEqual([]);
    expect(sender.laggingCount).toBe(1);
    sender.stop();
  });
});

describe('SocketSender.sendPrefixed', () => {
  const stats = { onSent() {}, onSkipped() {}, onTerminated() {} };
  const limits = { backpressureBytes: 100, hardCapBytes: 1_000, stuckMs: 1_000 };

  it('counts prefix and body against the bound, and calls catchUp once a lagging socket has drained', () => {
    const sender = new SocketSender(limits, stats);
    const socket = fakeSocket();
    const caughtUp: number[] = [];
    const target: Outlet = { socket: socket as unknown as WebSocket, latestFrame: () => undefined, lagSince: 0, catchUp: () => caughtUp.push(socket.bufferedAmount) };
    socket.bufferedAmount = 60;
    expect(sender.sendPrefixed(target, '{"seq":1,', Buffer.alloc(32, 'a'))).toBe(false); // 60 + 9 + 32 > 100
    expect(sender.laggingCount).toBe(1);
    sender.sweep(); // still over half the bound: keeps waiting
    expect(caughtUp).toEqual([]);
    socket.bufferedAmount = 10;
    sender.sweep();
    expect(caughtUp).toEqual([10]);
    expect(target.lagSince).toBe(0);
    expect(sender.laggingCount).toBe(0);
    // without ws internals (e.g. an extension active): ws.send of prefix + body
    expect(sender.sendPrefixed(target, '{"seq":2,', Buffer.from('"a":1}'))).toBe(true);
    expect(socket.sent.map(String)).toEqual(['{"seq":2,"a":1}']);
    sender.stop();
  });
});

describe('WireFrame', () => {
  it('puts the RFC 6455 header for each payload-length encoding before prefix and body', () => {
    expect([...new WireFrame('', Buffer.from('hi')).bytes]).toEqual([0x81, 2, 0x68, 0x69]);
    const medium = new WireFrame('{', Buffer.alloc(299, 'a')).bytes;
    expect([medium[0], medium[1], medium.readUInt16BE(2), medium.length, medium[4], medium[5]]).toEqual([0x81, 126, 300, 304, 0x7b, 0x61]);
    const large = new WireFrame('{', Buffer.alloc(69_999, 'b')).bytes;
    expect([large[0], large[1], Number(large.readBigUInt64BE(2)), large.length, large[10], large[11]]).toEqual([0x81, 127, 70_000, 70_010, 0x7b, 0x62]);
    expect(new WireFrame('{"é":', Buffer.from('1}')).payload().toString()).toBe('{"é":1}'); // UTF-8 prefix: bytes, not chars
  });
});

describe('SocketSender.sendWire over real sockets', () => {
  it('hands ws the one framed buffer for every socket, which clients read as the same text messages', async () => {
    const frames = [Buffer.from('"a":1}'), Buffer.alloc(300, 'x'), Buffer.alloc(70_000, 'y')].map((body) => new WireFrame('{"s":', body));
    const pairs = await socketPairs(2, frames.length);
    const spies = pairs.sendFrameSpies();
    const viaSend = pairs.sockets.map((socket) => jest.spyOn(socket, 'send'));
    const sender = new SocketSender({ backpressureBytes: 1 << 20, hardCapBytes: 8 << 20, stuckMs: 1_000 }, { onSent() {}, onSkipped() {}, onTerminated() {} });
    const outlets = pairs.sockets.map((socket) => ({ socket, latestFrame: () => undefined, lagSince: 0 }));
    for (const frame of frames) for (const target of outlets) expect(sender.sendWire(target, frame)).toBe(true);

    const expected = frames.map((frame) => ({ text: frame.payload().toString(), isBinary: false }));
    expect(await pairs.received()).toEqual([expected, expected]);
    for (const spy of viaSend) expect(spy).not.toHaveBeenCalled(); // the pre-framed path, not ws.send
    for (const spy of spies) expect(spy.mock.calls.map(([list]) => list)).toEqual(frames.map((frame) => [frame.bytes]));
    frames.forEach((frame, f) => expect(spies[1].mock.calls[f][0][0]).toBe(spies[0].mock.calls[f][0][0])); // the same buffer
    await pairs.close();
  });
});

describe('SocketSender.sendPrefixed over real sockets', () => {
  it('frames [prefix, shared body] as one valid text message per client, handing ws the shared body itself (no copy)', async () => {
    // bodies whose framed lengths need each header size: 7-bit, 16-bit (crossing 126 with the prefix) and 64-bit
    const bodies = [Buffer.from('"a":1}'), Buffer.from(`"x":"${'x'.repeat(100)}"}`), Buffer.from(`"y":"${'y'.repeat(70_000)}"}`)];
    const pairs = await socketPairs(2, bodies.length);
    const frames = pairs.sendFrameSpies();
    const viaSend = pairs.sockets.map((socket) => jest.spyOn(socket, 'send'));
    const sender = new SocketSender({ backpressureBytes: 1 << 20, hardCapBytes: 8 << 20, stuckMs: 1_000 }, { onSent() {}, onSkipped() {}, onTerminated() {} });
    const outlets = pairs.sockets.map((socket) => ({ socket, latestFrame: () => undefined, lagSince: 0 }));
    const prefixOf = (client: number, seq: number) => `{"sub":"c${client}","type":"view","seq":${seq},`;
    bodies.forEach((body, b) => outlets.forEach((outlet, c) => expect(sender.sendPrefixed(outlet, prefixOf(c, b + 1), body)).toBe(true)));

    const messages = await pairs.received();
    messages.forEach((list, c) => expect(list).toEqual(bodies.map((body, b) => ({ text: prefixOf(c, b + 1) + body.toString(), isBinary: false }))));
    for (const list of messages) for (const message of list) expect(() => JSON.parse(message.text)).not.toThrow();
    for (const spy of viaSend) expect(spy).not.toHaveBeenCalled();
    for (const [c, spy] of frames.entries()) {
      expect(spy).toHaveBeenCalledTimes(bodies.length);
      spy.mock.calls.forEach(([list], b) => {
        expect(list).toHaveLength(2); // [header + this client's prefix, the shared body]
        expect(list[1]).toBe(bodies[b]); // the very buffer every client shares: not a copy
        expect(list[0].length).toBeLessThanOrEqual(10 + Buffer.byteLength(prefixOf(c, b + 1)));
      });
    }
    await pairs.close();
  });
});
