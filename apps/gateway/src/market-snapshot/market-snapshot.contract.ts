import { listBody, S, viewStreamDescriptor } from '@app/contract';
import { describeStreams } from '@app/realtime';
import { seedStreamName } from '../common/seed-streams';
import { MarketSnapshotStreams } from './market-snapshot.streams';

const CARD = S.object(
  {
    title: S.string('Card title, e.g. "BTC Dominance".'),
    value: S.string('Formatted value, e.g. "$2,345,678,901" or "52.34 %".'),
    logo: S.string('Coin logo URL.'),
    symbol: S.string('Coin symbol, e.g. BTC.'),
  },
  ['title', 'value'],
);
const DOMINANCE = S.object({ Title: S.string('e.g. "Bitcoin Dominance".'), Value: S.string('Percent of the total market cap, e.g. "52.34 %".') });

/** The contract of the market-snapshot streams (seed 000). */
export const MarketSnapshotContract = describeStreams(
  (streams: MarketSnapshotStreams) => [
    viewStreamDescriptor(streams.overall, {
      name: seedStreamName(streams.overall.path),
      title: 'Overall market snapshot',
      description: 'Total crypto market cap, BTC dominance and ETH dominance as cards (CoinGecko global data and coin metadata).',
      body: listBody('results', CARD),
      row: CARD,
    }),
    viewStreamDescriptor(streams.btcDominance, {
      name: seedStreamName(streams.btcDominance.path),
      title: 'Bitcoin dominance',
      description: "Bitcoin's share of the total crypto market cap (CoinGecko global data).",
      body: listBody('results', DOMINANCE),
      row: DOMINANCE,
    }),
    viewStreamDescriptor(streams.ethDominance, {
      name: seedStreamName(streams.ethDominance.path),
      title: 'Ethereum dominance',
      description: "Ethereum's share of the total crypto market cap (CoinGecko global data).",
      body: listBody('results', DOMINANCE),
      row: DOMINANCE,
    }),
  ],
  [MarketSnapshotStreams],
);
