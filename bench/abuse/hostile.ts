/**
 * The attackers of bench:abuse, in their own process so their CPU is not the probe's. Each kind repeats one
 * hole of issue 9 §A against a seed-000 stream until the orchestrator sends `stop`:
 * - redos:    update messages whose `start_time` is 16,000 digits, 10 a second (the per-socket message limit);
 * - flood:    never reads and never answers pings, and floods 14 KB messages full of unknown keys;
 * - poison:   connects with `filters` keyed `__proto__` / `constructor` / `prototype`, again and again.
 * Reports `{ type: 'counts', counts }` on `stop`: connections opened, messages sent, how sockets ended.
 */
import WebSocket from 'ws';

type Kind = 'redos' | 'flood' | 'poison';
interface Options {
  baseUrl: string;
  path: string;
  kinds: Kind[];
}

const counts = { opened: 0, refused: 0, messages: 0, closedByServer: new Map<number, number>() };
const timers: NodeJS.Timeout[] = [];
const sockets = new Set<WebSocket>();
let stopping = false;

function track(socket: WebSocket): WebSocket {
  sockets.add(socket);
  socket.on('open', () => counts.opened++);
  socket.on('unexpected-response', () => counts.refused++);
  socket.on('error', () => undefined);
  socket.on('close', (code) => {
    sockets.delete(socket);
    if (!stopping) counts.closedByServer.set(code, (counts.closedByServer.get(code) ?? 0) + 1);
  });
  return socket;
}

/** 16,000 digits: the value that froze the event loop when the number pattern backtracked. */
const LONG_NUMBER = '1'.repeat(16_000);

function redos(options: Options): void {
  const connect = () => {
    const socket = track(new WebSocket(`${options.baseUrl}${options.path}`));
    socket.on('open', () => {
      const timer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) return clearInterval(timer);
        socket.send(JSON.stringify({ start_time: LONG_NUMBER })); // 16,017 bytes: under the 16 KiB inbound limit, so it reaches the parser
        counts.messages++;
      }, 100);
      timers.push(timer);
    });
    socket.on('close', () => !stopping && setTimeout(connect, 200));
  };
  connect();
}

/** A 14 KB update of 600 unknown keys (under the 16 KiB inbound limit): the reply used to echo them all, twice. */
const FLOOD_MESSAGE = JSON.stringify(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`unknown_key_${i}`, i])));

function flood(options: Options): void {
  const connect = () => {
    // autoPong off and the TCP socket paused: no reads, no pongs, like a client that stopped its event loop
    const socket = track(new WebSocket(`${options.baseUrl}${options.path}`, { autoPong: false }));
    socket.on('open', () => {
      (socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
      const timer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) return clearInterval(timer);
        for (let i = 0; i < 5; i++) socket.send(FLOOD_MESSAGE);
        counts.messages += 5;
      }, 50);
      timers.push(timer);
    });
    socket.on('close', () => !stopping && setTimeout(connect, 500));
  };
  connect();
}

const POISON_FILTERS = [
  '{"__proto__":{"symbol":"BTC"}}',
  '{"constructor":"x"}',
  '{"prototype":{"a":1},"symbol":"USDT"}',
];

function poison(options: Options): void {
  let n = 0;
  const connect = () => {
    const filters = encodeURIComponent(POISON_FILTERS[n++ % POISON_FILTERS.length]);
    const socket = track(new WebSocket(`${options.baseUrl}${options.path}?filters=${filters}`));
    socket.on('open', () => {
      socket.send(JSON.stringify({ filters: JSON.parse(POISON_FILTERS[n % POISON_FILTERS.length]) }));
      counts.messages++;
    });
    socket.on('close', () => !stopping && setTimeout(connect, 100));
    setTimeout(() => socket.readyState === WebSocket.OPEN && socket.close(), 1_000).unref();
  };
  connect();
}

const attacks: Record<Kind, (options: Options) => void> = { redos, flood, poison };

process.on('message', (message: { type: 'start'; options: Options } | { type: 'stop' }) => {
  if (message.type === 'start') {
    for (const kind of message.options.kinds) attacks[kind](message.options);
    process.send!({ type: 'started' });
    return;
  }
  stopping = true;
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.terminate();
  process.send!({ type: 'counts', counts: { ...counts, closedByServer: Object.fromEntries(counts.closedByServer) } }, undefined, {}, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
