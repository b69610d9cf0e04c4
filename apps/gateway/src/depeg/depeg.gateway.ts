import { WebSocketGateway } from '@nestjs/websockets';
import { StreamGateway, StreamHub } from '@app/realtime';
import { DepegStreams, EVENT_LOGS_PATH } from './depeg.stream';

@WebSocketGateway({ path: EVENT_LOGS_PATH })
export class EventLogsGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: DepegStreams) {
    super(hub, streams.eventLogs);
  }
}
