import { Module } from '@nestjs/common';
import { declareViewStreams } from '@app/realtime';
import { SEED_STREAM_GROUP } from '../common/seed-paths';
import { DerivativesSource } from './derivatives.source';
import { DerivativesStreams } from './derivatives.streams';
import { DerivativesContract } from './derivatives.contract';

/** `derivative/ws/24h_volume` (CoinDesk) and `derivative/ws/btc_open_interest` (Deribit + CoinGecko metadata). */
@Module({
  providers: [
    DerivativesSource,
    DerivativesStreams,
    DerivativesContract,
    declareViewStreams(DerivativesStreams, SEED_STREAM_GROUP, (s) => [s.volume24h, s.btcOpenInterest]),
  ],
})
export class DerivativesModule {}
