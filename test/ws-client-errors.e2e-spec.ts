import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { startGateway, type GatewayUnderTest } from './support/harness';

const MAIN_TABLE = '/tzone_apis/services/stablecoins/ws/main_table';

/** Collects the gateway's log lines. */
class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * A client that sends frames the server refuses (over `WS_MAX_PAYLOAD_BYTES`) must not be able to write to the log:
 * Nest's adapter logged each socket error with its stack, so a flood of bad frames was a flood of error lines.
 */
describe('WebSocket client errors are counted, not logged (e2e)', () => {
  let gateway: GatewayUnderTest;
  const log = new CapturedLog();

  beforeAll(async () => {
    gateway = await startGateway({ env: { LOG_LEVEL: 'info', CAPITAL_FLOW_INGEST: 'false', WS_MAX_PAYLOAD_BYTES: '2048' }, logDestination: log });
  });
  afterAll(() => gateway?.close());

  it('closes sockets sending oversized frames with 1009, counts them by code and logs none of them', async () => {
    const before = log.text.length;
    for (let i = 0; i < 20; i++) {
      const socket = new WebSocket(gateway.wsUrl(MAIN_TABLE));
      await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send('x'.repeat(4096));
      expect(await closed).toBe(1009);
    }
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^ws_client_errors_total\{code="WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"\} 20$/m);
    const written = log.text.slice(before);
    expect(written).not.toMatch(/Max payload size exceeded/);
    expect(written.split('\n').filter((line) => line.includes('"level":50'))).toEqual([]);
  });
});

/**
 * A client flooding update messages must not make the server read (unmask, buffer, parse) all of it: after
 * `maxMessagesPerSecond` messages in a second its socket's reads pause until the second ends, so the surplus
 * stays in the client's own send buffer and each message is read, and answered, later.
 */
describe('inbound flow control (e2e)', () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway({ env: { CAPITAL_FLOW_INGEST: 'false' } });
  });
  afterAll(() => gateway?.close());

  it('reads a flooding socket at the message rate limit and leaves the rest in the client', async () => {
    const socket = new WebSocket(gateway.wsUrl(MAIN_TABLE));
    let answers = 0;
    socket.on('message', () => answers++);
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    const update = JSON.stringify({ search: 'x'.repeat(100), filler: 'y'.repeat(13_000) });
    for (let i = 0; i < 800; i++) socket.send(update); // 10.5 MB at once: more than loopback TCP buffers hold
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // about two windows' worth read (10 a second, plus what one TCP read already held), the rest still with the client
    expect(answers).toBeLessThan(60);
    expect(socket.bufferedAmount).toBeGreaterThan(1_000_000);
    socket.terminate();
  });
});
