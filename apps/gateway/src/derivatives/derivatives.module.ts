import { Module } from '@nestjs/common';
import { MarketSnapshotModule } from '../market-snapshot/market-snapshot.module';
import { BtcOpenInterestGateway, DerivativeVolumeGateway } from './derivatives.gateways';
import { DerivativesSource } from './derivatives.source';
import { DerivativesStreams } from './derivatives.streams';
import { DerivativesContract } from './derivatives.contract';

/** `derivative/ws/24h_volume` (CoinDesk) and `derivative/ws/btc_open_interest` (Deribit + CoinGecko metadata). */
@Module({
  imports: [MarketSnapshotModule],
  providers: [DerivativesSource, DerivativesStreams, DerivativesContract, DerivativeVolumeGateway, BtcOpenInterestGateway],
})
export class DerivativesModule {}
