import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from './connection-registry';
import { SharedFrame, SocketSink } from './frame-sink';
import { SocketSender, WireFrame } from './socket-sender';

describe('SharedFrame', () => {
  it('lets the first sink of a head write its own prefix, then frames the bytes once for every later one', () => {
    const frame = new SharedFrame('"type":"view","seq":3,', Buffer.from('"a":1}'));
    expect(frame.wireFor('{')).toBeUndefined();
    const wire = frame.wireFor('{');
    expect(wire).toBeInstanceOf(WireFrame);
    expect(frame.wireFor('{')).toBe(wire); // the same buffer for the third sink and on
    expect(wire!.payload().toString()).toBe('{"type":"view","seq":3,"a":1}');
    expect([...wire!.bytes.subarray(0, 2)]).toEqual([0x81, wire!.payloadLength]);
    // another head (a /v1/stream subscription's `sub`) is another frame
    expect(frame.wireFor('{"sub":"a",')).toBeUndefined();
    expect(frame.wireFor('{"sub":"a",')!.payload().toString()).toBe('{"sub":"a","type":"view","seq":3,"a":1}');
  });
});

describe('SocketSink.writeShared over real sockets', () => {
  let server: WebSocketServer;
  afterEach(() => {
    for (const socket of server.clients) socket.terminate();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('writes one framed buffer to every socket after the first, and each client reads the same valid message', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const accepted = new Promise<WebSocket[]>((resolve) => {
      const sockets: WebSocket[] = [];
      server.on('connection', (socket) => sockets.push(socket) === 3 && resolve(sockets));
    });
    const clients = [new WebSocket(url), new WebSocket(url), new WebSocket(url)];
    // a body whose frame needs the 64-bit length, and a small one
    const bodies = [Buffer.from(`"y":"${'y'.repeat(70_000)}"}`), Buffer.from('"a":1}')];
    const received = clients.map(
      (client) =>
        new Promise<string[]>((resolve) => {
          const messages: string[] = [];
          client.on('message', (data: Buffer) => messages.push(data.toString()) === bodies.length && resolve(messages));
        }),
    );
    const sockets = await accepted;
    const frames = sockets.map((socket) => jest.spyOn((socket as unknown as { _sender: { sendFrame(list: Buffer[]): void } })._sender, 'sendFrame'));
    const sender = new SocketSender({ backpressureBytes: 1 << 20, hardCapBytes: 8 << 20, stuckMs: 1_000 }, { onSent() {}, onSkipped() {}, onTerminated() {} });
    const sinks = sockets.map((socket) => new SocketSink(new Connection(socket, 'test', '127.0.0.1'), sender));
    const shared = bodies.map((body, b) => new SharedFrame(`"type":"view","seq":${b + 1},`, body));
    for (const frame of shared) for (const sink of sinks) expect(sink.writeShared(frame)).toBe(true);

    const expected = bodies.map((body, b) => `{"type":"view","seq":${b + 1},${body.toString()}`);
    expect(await Promise.all(received)).toEqual([expected, expected, expected]);
    bodies.forEach((body, b) => {
      const [first] = frames[0].mock.calls[b][0];
      expect(frames[0].mock.calls[b][0]).toHaveLength(2); // the first sink: [header + prefix, the body itself]
      expect(frames[0].mock.calls[b][0][1]).toBe(body);
      expect(first.length).toBeLessThan(40);
      const second = frames[1].mock.calls[b][0];
      const third = frames[2].mock.calls[b][0];
      expect(second).toHaveLength(1); // the others: one buffer, the same one
      expect(third[0]).toBe(second[0]);
    });
    sender.stop();
    for (const client of clients) client.terminate();
  });
});
