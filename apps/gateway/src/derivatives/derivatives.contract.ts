import { listBody, S, viewStreamDescriptor } from '@app/contract';
import { describeStreams, type JsonSchema } from '@app/realtime';
import { seedStreamName } from '../common/seed-streams';
import { DerivativesStreams } from './derivatives.streams';

function card(detail: JsonSchema): JsonSchema {
  return S.object(
    {
      title: S.string(),
      value: S.string('Formatted total, e.g. "1,234,567,890 USD".'),
      subtext: S.string(),
      logo: S.string('Coin logo URL.'),
      symbol: S.string(),
      details: S.array(detail, 'One row per contract or series.'),
    },
    ['title', 'value', 'subtext', 'details'],
  );
}

const VOLUME_DETAIL = S.object(
  {
    market: S.string('e.g. binance'),
    instrument: S.string("CoinDesk's mapped instrument, e.g. BTC-USDT-VANILLA-PERPETUAL (the same scheme for every market)."),
    native_instrument: S.string("The venue's own name of the instrument, e.g. XBTUSD."),
    volume: S.number('24 h volume in USD.'),
    quote_currency: S.string(),
    last_update: S.integer('Unix seconds of the last price update.'),
    stale: { const: true, description: 'Present when the tick could not be refreshed.' },
    error: S.string('Why this contract has no volume.'),
    raw: S.any('The CoinDesk tick as received.'),
  },
  ['market', 'instrument'],
);

const OPEN_INTEREST_DETAIL = S.object(
  {
    source: { const: 'Deribit' },
    instrument: S.string('The option series, e.g. BTC-27DEC24.'),
    market: { const: 'deribit' },
    open_interest: S.number('USD.'),
    open_interest_btc: S.number(),
    expiry: S.string('ISO date-time of the expiry.'),
    instruments: S.integer('Options in the series.'),
    last_update: S.integer('Unix seconds.'),
    raw: S.object({}, [], true),
  },
  ['source', 'instrument', 'market', 'open_interest', 'open_interest_btc', 'instruments', 'last_update', 'raw'],
);

/** The contract of the derivatives streams (seed 000). */
export const DerivativesContract = describeStreams(
  (streams: DerivativesStreams) => [
    viewStreamDescriptor(streams.volume24h, {
      name: seedStreamName(streams.volume24h.path),
      title: '24h derivative volume',
      description: '24-hour trading volume of the main BTC perpetual contracts (Binance, Bybit, OKX, Deribit, BitMEX) from CoinDesk, as one card with a detail row per contract. A filter on a detail field ({"market":"binance"}) keeps the card when a detail matches.',
      body: listBody('results', card(VOLUME_DETAIL)),
      row: card(VOLUME_DETAIL),
    }),
    viewStreamDescriptor(streams.btcOpenInterest, {
      name: seedStreamName(streams.btcOpenInterest.path),
      title: 'BTC options open interest',
      description: 'Total BTC options open interest on Deribit with a detail row per expiry series, and BTC metadata from CoinGecko.',
      body: listBody('results', card(OPEN_INTEREST_DETAIL)),
      row: card(OPEN_INTEREST_DETAIL),
    }),
  ],
  [DerivativesStreams],
);
