/**
 * The baseline of the fan-out benchmark: a bare `ws` server that sends, per tick, the gateway's own
 * frame bytes (one buffer per group, captured from the gateway run, t0/seq patched) to the same
 * clients in the same 50 groups: the ws README's broadcast loop, nothing else. It measures raw
 * send cost. Started by run.ts as a child process (IPC).
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { FIRST_SEQ, GROUPS, SEQ_DIGITS, T0_DIGITS, epochMicros, headerOffsets, writeDigits } from './scenario';
import { serveCommands } from './server-runner';

async function main(): Promise<void> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const groups = Array.from({ length: GROUPS }, () => new Set<WebSocket>());
  server.on('connection', (socket, request) => {
    const group = groups[Number(new URL(request.url ?? '/', 'ws://localhost').searchParams.get('g'))];
    if (!group) return socket.close(1008, 'unknown group');
    group.add(socket);
    socket.once('close', () => group.delete(socket));
  });

  let frames: Buffer[] = [];
  let offsets: Array<{ t0: number; seq: number }> = [];
  let seq = FIRST_SEQ + 5_000_000; // distinct from the gateway's ticks, same width
  let sent = 0;
  serveCommands({
    port: (server.address() as AddressInfo).port,
    connections: () => server.clients.size,
    onFrames: (captured) => {
      frames = captured;
      offsets = captured.map((frame) => headerOffsets(frame)!);
    },
    tick: () => {
      if (frames.length !== GROUPS) throw new Error('no frames captured from the gateway yet');
      const t0 = epochMicros();
      seq++;
      for (let g = 0; g < GROUPS; g++) {
        // a fresh copy per tick, as the gateway allocates a new buffer per view: a queued earlier frame keeps its bytes
        const frame = Buffer.from(frames[g]);
        writeDigits(frame, offsets[g].t0, T0_DIGITS, t0);
        writeDigits(frame, offsets[g].seq, SEQ_DIGITS, seq);
        for (const socket of groups[g]) {
          if (socket.readyState === WebSocket.OPEN) {
            socket.send(frame, { binary: false });
            sent++;
          }
        }
      }
    },
    counters: async () => ({ sent, skipped: 0 }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

void main().catch((error: Error) => {
  process.send?.({ type: 'error', message: error.stack ?? error.message });
  process.exit(1);
});
