import { OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { SpreadsLiveSessions } from './spreads-live.sessions';

export const SPREADS_LIVE_PATH = '/v1/spreads/live';

/** Binds the path; everything else is in `SpreadsLiveSessions`. */
@WebSocketGateway({ path: SPREADS_LIVE_PATH })
export class SpreadsLiveGateway implements OnGatewayConnection, OnApplicationShutdown {
  constructor(private readonly sessions: SpreadsLiveSessions) {}

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    void this.sessions.connect(client, request);
  }

  onApplicationShutdown(): void {
    this.sessions.close();
  }
}
