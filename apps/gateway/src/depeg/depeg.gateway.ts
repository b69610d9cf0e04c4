import { gatewayFor } from '@app/realtime';
import { DepegStreams, EVENT_LOGS_PATH } from './depeg.stream';

export class EventLogsGateway extends gatewayFor(EVENT_LOGS_PATH, DepegStreams, (s) => s.eventLogs) {}
