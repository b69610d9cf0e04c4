import { gatewayFor } from '@app/realtime';
import { DERIVATIVES_PATHS, DerivativesStreams } from './derivatives.streams';

export class DerivativeVolumeGateway extends gatewayFor(DERIVATIVES_PATHS.volume24h, DerivativesStreams, (s) => s.volume24h) {}
export class BtcOpenInterestGateway extends gatewayFor(DERIVATIVES_PATHS.btcOpenInterest, DerivativesStreams, (s) => s.btcOpenInterest) {}
