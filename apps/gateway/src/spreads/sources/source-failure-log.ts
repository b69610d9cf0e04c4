import { OncePerWindow } from '@app/observability';
import { UpstreamError } from '@app/upstream';

/**
 * What failing quote sources write to the log, so that an outage reads as a few lines, not one per leg and minute:
 * - a venue's outage (an error its circuit breaker counts) is one line when its calls start failing; its breaker adds
 *   one when the circuit opens and one when it closes; failures in between are only counted (metrics);
 * - the venue answering again ends the outage, so the next one is logged again (a minute later at the earliest);
 * - any other error (a payload ccxt cannot parse, a refused parameter) is one line per source and minute;
 * - a switch between a venue's stream and REST polling is one line per venue and minute, none during its outage.
 *
 * Sources are named `<venue>[:<leg>[:<part>]]` (`ccxt:gate:spot:markets`, `geckoterminal`); the venue is the part
 * before the leg (`ccxt:gate`).
 */
export class SourceFailureLog {
  private readonly venuesDown = new Set<string>();
  private readonly perMinute = new OncePerWindow(60_000, 1_000);

  constructor(
    private readonly warn: (message: string) => void,
    private readonly isOutage: (error: unknown) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  failed(source: string, error: unknown): void {
    // an open circuit was logged once by the venue's policy; its fast failures are only counted
    if (error instanceof UpstreamError && error.kind === 'circuit_open') return;
    const message = error instanceof Error ? error.message : String(error);
    const what = source.endsWith(':ws') ? 'stream' : 'poll';
    if (!this.isOutage(error)) {
      this.onceAMinute(source, `${source}: ${what} failed: ${message}`);
      return;
    }
    const venue = venueOf(source);
    if (this.venuesDown.has(venue)) return;
    this.venuesDown.add(venue);
    // a venue with one leg down and another answering goes in and out of "down": still one line a minute at most
    if (this.perMinute.take(`${venue}:outage`, this.now()) === undefined) return;
    this.warn(`${venue} unreachable (${source}: ${what} failed: ${message}); further failures are counted, not logged, until it answers again`);
  }

  /** A call of the venue's answered: an outage, if any, is over. */
  answered(venue: string): void {
    this.venuesDown.delete(venue);
  }

  /**
   * A venue's legs switched between its stream and REST polling: one line per venue and minute (a flapping stream must
   * not flood the log either), none while the venue is down (its stream going silent is part of the outage).
   */
  modeChanged(venue: string, kind: string, mode: 'ws' | 'rest'): void {
    if (this.venuesDown.has(venue)) return;
    this.onceAMinute(`${venue}:mode`, mode === 'rest' ? `${venue}:${kind}: stream silent, polling REST` : `${venue}:${kind}: stream back, REST polling stopped`);
  }

  private onceAMinute(key: string, message: string): void {
    const suppressed = this.perMinute.take(key, this.now());
    if (suppressed === undefined) return;
    this.warn(`${message} (${suppressed > 0 ? `${suppressed} more in the last minute; ` : ''}repeats within a minute are not logged)`);
  }
}

function venueOf(source: string): string {
  const parts = source.split(':');
  return parts[0] === 'ccxt' ? parts.slice(0, 2).join(':') : parts[0];
}
