import type { Quote } from '../domain/quote';

export type QuoteSink = (quotes: readonly Quote[]) => void;

/**
 * One feed of quotes (a venue through ccxt, the DEX pools, or the simulated venues of sandbox mode).
 * `start` begins delivering to `sink`; a source handles its own errors and retries and never throws into it.
 */
export interface QuoteSource {
  readonly name: string;
  start(sink: QuoteSink): void;
  stop(): Promise<void>;
}

/** What a source reports besides its quotes: each delivery (by source name) and each failure (by source or leg). */
export interface QuoteSourceReports {
  onQuotes?: (source: string, count: number) => void;
  onError?: (source: string, error: unknown) => void;
}

export const SPREADS_QUOTE_SOURCES = Symbol('SPREADS_QUOTE_SOURCES');
