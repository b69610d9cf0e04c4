import WebSocket from 'ws';

export type Frame = Record<string, any>;

/** A real `ws` client that queues every JSON frame, for step-by-step assertions. */
export class StreamClient {
  readonly frames: Frame[] = [];
  private waiters: Array<{ predicate: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];
  private cursor = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(readonly socket: WebSocket) {
    this.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(url: string, headers: Record<string, string> = {}): StreamClient {
    return new StreamClient(new WebSocket(url, { headers }));
  }

  /** The next frame not yet consumed that matches, waiting for it if needed. */
  next(predicate: (frame: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    for (; this.cursor < this.frames.length; this.cursor++) {
      const frame = this.frames[this.cursor];
      if (predicate(frame)) {
        this.cursor++;
        return Promise.resolve(frame);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`)), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (frame) => {
          clearTimeout(timer);
          this.cursor = this.frames.length;
          resolve(frame);
        },
      });
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
    return this.closed;
  }
}

export const isData = (frame: Frame) => frame.type !== 'error';
export const isError = (frame: Frame) => frame.type === 'error';

/**
 * The view protocol of the seed-000 paths (issue 10): every frame is `type` "view" (data) or "error", and `seq`
 * counts the frames of the connection from 1. Returns what breaks it (empty when nothing does).
 */
export function viewProtocolViolations(frames: readonly Frame[]): string[] {
  const violations: string[] = [];
  frames.forEach((frame, index) => {
    if (frame.type !== 'view' && frame.type !== 'error') violations.push(`frame ${index + 1}: type ${JSON.stringify(frame.type)}`);
    if (frame.seq !== index + 1) violations.push(`frame ${index + 1}: seq ${JSON.stringify(frame.seq)}`);
  });
  return violations;
}

/** Opens clients against a gateway (resolved lazily: suites start it in `beforeAll`) and closes them all at once. */
export class ClientPool {
  private readonly clients: StreamClient[] = [];

  constructor(
    private readonly url: (path: string, query: Record<string, string | number>) => string,
    /** `viewProtocol`: every client's frames are checked with `viewProtocolViolations` when it is closed */
    private readonly options: { viewProtocol?: boolean } = {},
  ) {}

  open(path: string, query: Record<string, string | number> = {}, headers: Record<string, string> = {}): StreamClient {
    const client = StreamClient.connect(this.url(path, query), headers);
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((client) => client.close()));
    if (this.options.viewProtocol) expect(clients.flatMap((client) => viewProtocolViolations(client.frames))).toEqual([]);
  }
}
