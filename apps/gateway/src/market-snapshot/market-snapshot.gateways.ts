import { gatewayFor } from '@app/realtime';
import { MARKET_SNAPSHOT_PATHS, MarketSnapshotStreams } from './market-snapshot.streams';

export class OverallMarketSnapshotGateway extends gatewayFor(MARKET_SNAPSHOT_PATHS.overall, MarketSnapshotStreams, (s) => s.overall) {}
export class BtcDominanceGateway extends gatewayFor(MARKET_SNAPSHOT_PATHS.btcDominance, MarketSnapshotStreams, (s) => s.btcDominance) {}
export class EthDominanceGateway extends gatewayFor(MARKET_SNAPSHOT_PATHS.ethDominance, MarketSnapshotStreams, (s) => s.ethDominance) {}
