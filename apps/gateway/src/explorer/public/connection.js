// The one WebSocket to /v1/stream that every subscription of the page shares.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class StreamConnection {
  /**
   * @param {string} url ws(s)://host/v1/stream
   * @param {{ onState(state: string, detail?: string): void, onFrame(frame: object, bytes: number, arrivedAtMs: number): void, onGarbage(text: string): void }} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.socket = undefined;
    this.queue = [];
  }

  get isOpen() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket unless it is open or opening; messages sent meanwhile wait in a queue. */
  ensureOpen() {
    if (this.socket && (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)) return;
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.handlers.onState('connecting');
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      this.handlers.onState('open');
      const pending = this.queue;
      this.queue = [];
      for (const text of pending) socket.send(text);
    });
    socket.addEventListener('message', (event) => {
      if (socket !== this.socket) return;
      const arrivedAtMs = Date.now();
      const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data);
      const bytes = typeof event.data === 'string' ? encoder.encode(event.data).length : event.data.byteLength;
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        this.handlers.onGarbage(text);
        return;
      }
      if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) this.handlers.onGarbage(text);
      else this.handlers.onFrame(frame, bytes, arrivedAtMs);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return;
      this.queue = [];
      this.handlers.onState('closed', `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`);
    });
  }

  send(message) {
    const text = JSON.stringify(message);
    this.ensureOpen();
    if (this.isOpen) this.socket.send(text);
    else this.queue.push(text);
  }
}
