/**
 * One load-generator process of bench:cluster: holds real `ws` clients on `WS /v1/spreads/live` through the load
 * balancer and records, per spread event received, delivery latency = receive time − the event's detection time
 * (`received_at`, the engine's `fired_at_ms` in unix seconds with millisecond decimals), per replica (HAProxy names
 * the server that took each socket in `X-Gateway-Replica` on the 101). Started by run.ts (IPC); several run side by side.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LATENCY_BINS, type ReplicaFigures, type WorkerCommand, type WorkerReport } from './protocol';

interface Client {
  socket: WebSocket;
  server: string;
  /** seqs of the events this client received inside the window (a duplicate delivery shows up as a repeat) */
  seqs: Set<number>;
}

const clients: Client[] = [];
let window: { fromMs: number; toMs: number } = { fromMs: Infinity, toMs: Infinity };
let cpuStart = process.cpuUsage();
let windowStartedAt = performance.now();
let unexpectedCloses = 0;
let closing = false;
const perServer = new Map<string, { histogram: Uint32Array; frames: number; outside: number; duplicates: number; invalid: number; distinct: Set<number> }>();

/** Wall-clock time in ms with sub-ms precision, on the same clock as the gateways' Date.now(). */
const nowMs = () => performance.timeOrigin + performance.now();

const RECEIVED_AT = Buffer.from('"received_at":');
const SEQ = Buffer.from('"seq":');
const EVENT = Buffer.from('"type":"event"');

function figures(server: string) {
  let entry = perServer.get(server);
  if (!entry) perServer.set(server, (entry = { histogram: new Uint32Array(LATENCY_BINS), frames: 0, outside: 0, duplicates: 0, invalid: 0, distinct: new Set() }));
  return entry;
}

/** The number after `key` in the frame's first bytes (the event's own fields come before its `data`). */
function numberAfter(frame: Buffer, key: Buffer): number {
  const at = frame.indexOf(key);
  if (at < 0 || at > 200) return NaN;
  const start = at + key.length;
  let end = start;
  while (end < frame.length && frame[end] !== 0x2c /* , */ && frame[end] !== 0x7d /* } */) end++;
  return Number(frame.toString('latin1', start, end));
}

let sampled = 0;
function onFrame(client: Client, frame: Buffer): void {
  const received = nowMs();
  const head = frame.indexOf(EVENT);
  if (head < 0 || head > 64) return; // welcome, ping: not events
  const entry = figures(client.server);
  const firedMs = Math.round(numberAfter(frame, RECEIVED_AT) * 1000);
  const seq = numberAfter(frame, SEQ);
  if (!Number.isFinite(firedMs) || !Number.isFinite(seq)) {
    entry.invalid++;
    return;
  }
  // only events detected inside the window: a burst that began before it would be counted half
  if (firedMs < window.fromMs || firedMs >= window.toMs) {
    entry.outside++;
    return;
  }
  entry.frames++;
  if (client.seqs.has(seq)) entry.duplicates++;
  client.seqs.add(seq);
  entry.distinct.add(seq);
  const latencyMs = Math.max(0, received - firedMs);
  entry.histogram[Math.min(LATENCY_BINS - 1, Math.floor(latencyMs))]++;
  if (++sampled % 499 === 0) {
    // a sample of full parses: the frames are real spread events, and the fast path read the right fields
    try {
      const body = JSON.parse(frame.toString('utf8')) as { type: string; seq: number; received_at: number; data: { symbol?: string } };
      if (body.type !== 'event' || body.seq !== seq || Math.round(body.received_at * 1000) !== firedMs || typeof body.data?.symbol !== 'string') entry.invalid++;
    } catch {
      entry.invalid++;
    }
  }
}

/** Opens one client and resolves once its welcome arrived, with the HAProxy server that took it. */
function connectOne(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    const client: Client = { socket, server: '?', seqs: new Set() };
    socket.once('upgrade', (response) => (client.server = String(response.headers['x-gateway-replica'] ?? 'direct')));
    const onFirst = (data: Buffer) => {
      if (!data.includes('"type":"welcome"')) return reject(new Error(`expected a welcome, got ${data.toString().slice(0, 200)}`));
      socket.off('message', onFirst);
      socket.on('message', (frame: Buffer) => onFrame(client, frame));
      clients.push(client);
      resolve();
    };
    socket.on('message', onFirst);
    socket.once('error', reject);
    socket.once('close', (code) => {
      if (!closing) unexpectedCloses++;
      reject(new Error(`closed (${code}) before the welcome`));
    });
  });
}

async function connect(command: Extract<WorkerCommand, { type: 'connect' }>): Promise<void> {
  closing = false;
  let remaining = command.count;
  const lanes = Array.from({ length: Math.min(command.concurrency, command.count) }, async () => {
    while (remaining > 0) {
      remaining--;
      await connectOne(command.url);
    }
  });
  await Promise.all(lanes);
}

function report(): WorkerReport {
  const cpu = process.cpuUsage(cpuStart);
  const servers: Record<string, ReplicaFigures> = {};
  const connections: Record<string, number> = {};
  for (const client of clients) connections[client.server] = (connections[client.server] ?? 0) + 1;
  for (const [server, entry] of perServer) {
    const sparse: Array<[number, number]> = [];
    for (let bin = 0; bin < LATENCY_BINS; bin++) if (entry.histogram[bin]) sparse.push([bin, entry.histogram[bin]]);
    const perClient = clients.filter((c) => c.server === server).map((c) => c.seqs.size);
    servers[server] = {
      frames: entry.frames,
      outsideWindow: entry.outside,
      duplicates: entry.duplicates,
      invalid: entry.invalid,
      distinctSeqs: [...entry.distinct],
      eventsPerClient: { min: perClient.length ? Math.min(...perClient) : 0, max: perClient.length ? Math.max(...perClient) : 0 },
      histogram: sparse,
    };
  }
  return { connections, servers, unexpectedCloses, cpuMs: (cpu.user + cpu.system) / 1000, sinceMs: performance.now() - windowStartedAt };
}

async function closeAll(): Promise<void> {
  closing = true;
  await Promise.all(
    clients.splice(0).map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.socket.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => (client.socket.terminate(), resolve()), 3_000);
          client.socket.once('close', () => (clearTimeout(timer), resolve()));
          client.socket.close(1000);
        }),
    ),
  );
  perServer.clear();
  unexpectedCloses = 0;
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'exit':
      closing = true;
      process.exit(0);
    case 'connect':
      connect(command).then(
        () => process.send!({ type: 'connected' }),
        (error: Error) => process.send!({ type: 'error', message: error.message }),
      );
      return;
    case 'window':
      window = { fromMs: command.fromMs, toMs: command.toMs };
      perServer.clear();
      for (const client of clients) client.seqs.clear();
      cpuStart = process.cpuUsage();
      windowStartedAt = performance.now();
      process.send!({ type: 'window' });
      return;
    case 'report':
      process.send!({ type: 'report', report: report() });
      return;
    case 'close':
      closeAll().then(() => process.send!({ type: 'close' }));
      return;
  }
});
process.on('disconnect', () => {
  closing = true;
  process.exit(0);
});
process.send!({ type: 'ready' });
