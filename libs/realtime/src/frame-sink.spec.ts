import { socketPairs } from '../../../test/support/ws-pairs';
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
  it('writes one framed buffer to every socket after the first, and each client reads the same valid message', async () => {
    // a body whose frame needs the 64-bit length, and a small one
    const bodies = [Buffer.from(`"y":"${'y'.repeat(70_000)}"}`), Buffer.from('"a":1}')];
    const pairs = await socketPairs(3, bodies.length);
    const frames = pairs.sendFrameSpies();
    const sender = new SocketSender({ backpressureBytes: 1 << 20, hardCapBytes: 8 << 20, stuckMs: 1_000 }, { onSent() {}, onSkipped() {}, onTerminated() {} });
    const sinks = pairs.sockets.map((socket) => new SocketSink(new Connection(socket, 'test', '127.0.0.1'), sender));
    const shared = bodies.map((body, b) => new SharedFrame(`"type":"view","seq":${b + 1},`, body));
    for (const frame of shared) for (const sink of sinks) expect(sink.writeShared(frame)).toBe(true);

    const expected = bodies.map((body, b) => ({ text: `{"type":"view","seq":${b + 1},${body.toString()}`, isBinary: false }));
    expect(await pairs.received()).toEqual([expected, expected, expected]);
    bodies.forEach((body, b) => {
      const first = frames[0].mock.calls[b][0];
      expect(first).toHaveLength(2); // the first sink: [header + prefix, the body itself]
      expect(first[1]).toBe(body);
      expect(first[0].length).toBeLessThan(40);
      const second = frames[1].mock.calls[b][0];
      const third = frames[2].mock.calls[b][0];
      expect(second).toHaveLength(1); // the others: one buffer, the same one
      expect(third[0]).toBe(second[0]);
    });
    sender.stop();
    await pairs.close();
  });
});
