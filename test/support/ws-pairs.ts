import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * `count` real client sockets connected to a bare `ws` server on loopback (no permessage-deflate), with the server's
 * side of each and every text message each client reads: for tests of what the server writes on the wire.
 */
export async function socketPairs(count: number, expectedMessages: number) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accepted = new Promise<WebSocket[]>((resolve) => {
    const sockets: WebSocket[] = [];
    server.on('connection', (socket) => sockets.push(socket) === count && resolve(sockets));
  });
  const clients = Array.from({ length: count }, () => new WebSocket(url));
  const received = clients.map(
    (client) =>
      new Promise<Array<{ text: string; isBinary: boolean }>>((resolve) => {
        const messages: Array<{ text: string; isBinary: boolean }> = [];
        client.on('message', (data: Buffer, isBinary) => messages.push({ text: data.toString(), isBinary }) === expectedMessages && resolve(messages));
      }),
  );
  const sockets = await accepted;
  return {
    /** the server's side, in the order the clients connected */
    sockets,
    /** per client, its first `expectedMessages` messages */
    received: () => Promise.all(received),
    /** spies on ws's own write path (`Sender#sendFrame`) of each server socket */
    sendFrameSpies: () => sockets.map((socket) => jest.spyOn((socket as unknown as { _sender: { sendFrame(list: Buffer[]): void } })._sender, 'sendFrame')),
    close: async () => {
      for (const client of clients) client.terminate();
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
