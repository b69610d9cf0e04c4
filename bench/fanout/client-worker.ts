/**
 * One load-generator process of the fan-out benchmark: holds real `ws` client connections to both
 * servers and records, per received frame, delivery latency = receive time - the server's tick start
 * (read from the fixed-width frame header), plus frame counts, bytes and sequence gaps.
 * Started by run.ts (IPC); several run side by side.
 */
import WebSocket from 'ws';
import { BIN_MS, BINS, type ServerKind, type WorkerCommand, type WorkerReport } from './protocol';
import { GROUPS, SEQ_DIGITS, T0_DIGITS, epochMicros, groupOf, headerOffsets, readDigits } from './scenario';

interface Client {
  lastSeq: number;
}

const histogram = new Uint32Array(BINS);
let frames = 0;
let bytes = 0;
let gaps = 0;
let invalid = 0;
let cpuStart = process.cpuUsage();
let resetAt = Date.now();
/** the latest gateway frame per group, for the bare server to replay */
const captured = new Map<number, Buffer>();

function onFrame(client: Client, data: Buffer, group: number, server: ServerKind): void {
  const received = epochMicros();
  const offsets = headerOffsets(data);
  if (!offsets && data.subarray(0, 24).toString('latin1').startsWith('{"type":"subscribed"')) return; // the /v1/stream ack
  frames++;
  bytes += data.length;
  const t0 = offsets ? readDigits(data, offsets.t0, T0_DIGITS) : NaN;
  const seq = offsets ? readDigits(data, offsets.seq, SEQ_DIGITS) : NaN;
  if (Number.isNaN(t0) || Number.isNaN(seq)) {
    invalid++;
    return;
  }
  if (client.lastSeq && seq > client.lastSeq + 1) gaps += seq - client.lastSeq - 1;
  client.lastSeq = seq;
  const latencyMs = (received - t0) / 1000;
  histogram[Math.min(BINS - 1, Math.max(0, Math.floor(latencyMs / BIN_MS)))]++;
  if (server === 'gateway') captured.set(group, data);
  if (frames % 997 === 0) {
    // a sample of full parses: the frames are the real views, not just headers
    try {
      const body = JSON.parse(data.toString('utf8')) as { type: string; t0: number; tick: number; data: unknown[]; count: number };
      if (body.type !== 'view' || body.t0 !== t0 || body.tick !== seq || !Array.isArray(body.data) || body.data.length === 0 || typeof body.count !== 'number') invalid++;
    } catch {
      invalid++;
    }
  }
}

function connectOne(url: string, group: number, server: ServerKind, subscribe?: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    const client: Client = { lastSeq: 0 };
    socket.on('message', (data: Buffer) => onFrame(client, data, group, server));
    if (subscribe) {
      // /v1/stream: connected once the subscription is acknowledged
      socket.once('open', () => socket.send(JSON.stringify(subscribe)));
      socket.once('message', (data: Buffer) => (data.toString().includes('"subscribed"') ? resolve() : reject(new Error(`subscribe refused: ${data}`))));
    } else {
      socket.once('open', () => resolve());
    }
    socket.once('error', reject);
    socket.once('close', (code) => {
      if (!closing) process.send!({ type: 'closed', server, code });
    });
  });
}

let closing = false;

async function connectAll(command: Extract<WorkerCommand, { type: 'connect' }>): Promise<void> {
  const queue = [...command.clients];
  const concurrency = 64;
  const lanes = Array.from({ length: concurrency }, async () => {
    for (let client = queue.shift(); client !== undefined; client = queue.shift()) {
      const group = groupOf(client);
      const subscribe = command.subscribe && { op: 'subscribe', id: `g${group}`, stream: command.subscribe.stream, params: command.subscribe.params[group] };
      await connectOne(command.urls[group], group, command.server, subscribe);
    }
  });
  await Promise.all(lanes);
}

function report(): WorkerReport {
  const sparse: Array<[number, number]> = [];
  for (let bin = 0; bin < BINS; bin++) if (histogram[bin]) sparse.push([bin, histogram[bin]]);
  const cpu = process.cpuUsage(cpuStart);
  return { frames, bytes, gaps, invalid, histogram: sparse, cpuMs: (cpu.user + cpu.system) / 1000, sinceMs: Date.now() - resetAt };
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'exit':
      closing = true;
      process.exit(0);
    case 'connect':
      connectAll(command).then(
        () => process.send!({ type: 'connected' }),
        (error: Error) => process.send!({ type: 'error', message: error.message }),
      );
      return;
    case 'reset':
      histogram.fill(0);
      frames = bytes = gaps = invalid = 0;
      cpuStart = process.cpuUsage();
      resetAt = Date.now();
      process.send!({ type: 'reset' });
      return;
    case 'report':
      process.send!({ type: 'report', report: report() });
      return;
    case 'capture':
      process.send!({ type: 'capture', frames: Object.fromEntries([...captured].map(([group, frame]) => [group, frame.toString('base64')])) });
      return;
  }
});
process.on('disconnect', () => {
  closing = true;
  process.exit(0);
});
process.send!({ type: 'ready', groups: GROUPS });
