import { WebSocketGateway } from '@nestjs/websockets';
import { StreamGateway, StreamHub } from '@app/realtime';
import { DERIVATIVES_PATHS, DerivativesStreams } from './derivatives.streams';

@WebSocketGateway({ path: DERIVATIVES_PATHS.volume24h })
export class DerivativeVolumeGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: DerivativesStreams) {
    super(hub, streams.volume24h);
  }
}

@WebSocketGateway({ path: DERIVATIVES_PATHS.btcOpenInterest })
export class BtcOpenInterestGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: DerivativesStreams) {
    super(hub, streams.btcOpenInterest);
  }
}
