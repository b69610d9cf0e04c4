import type { Cached } from '@app/upstream';
import type { StreamLoad } from './stream-definition';

/** One upstream part of a stream's load: a label for `missing` and the cached read. */
export interface LoadPart<T> {
  source: string;
  read: Promise<Cached<T>>;
  /** without this part there is nothing to show: its failure fails the refresh (the hub keeps the last good frame) */
  required?: boolean;
}

export interface SettledParts<T extends readonly unknown[]> {
  /** each part's value, undefined where it failed */
  values: { [K in keyof T]: T[K] | undefined };
  missing: NonNullable<StreamLoad<unknown>['missing']>;
  fetchedAt: number;
  /** some part was served stale because its upstream failed */
  stale: boolean;
  /** with `stale`: `<source>: <failure>` of each stale part */
  staleReason?: string;
  /** when the first loaded part stops being fresh (the next refresh is due then); undefined when nothing loaded */
  freshUntil?: number;
  /** true when every part failed */
  allFailed: boolean;
  /** the first failure, to rethrow when nothing could be loaded */
  firstError?: unknown;
}

/**
 * Runs a stream's upstream reads concurrently and keeps what succeeded: failed parts are named in `missing`
 * (the hub turns that into `partial: true`), `fetchedAt` is the oldest part's age, `stale` if any part was served
 * stale after its upstream failed (with the reasons), `freshUntil` the earliest time a part needs refreshing (parts
 * may have different TTLs). A failed `required` part is rethrown.
 */
export async function settleParts<T extends readonly unknown[]>(parts: { [K in keyof T]: LoadPart<T[K]> }): Promise<SettledParts<T>> {
  const results = await Promise.allSettled(parts.map((part) => part.read));
  const missing: SettledParts<T>['missing'] = [];
  const fetched: number[] = [];
  const freshUntil: number[] = [];
  const staleReasons: string[] = [];
  let firstError: unknown;
  const values = results.map((result, index) => {
    if (result.status === 'fulfilled') {
      fetched.push(result.value.fetchedAt);
      freshUntil.push(result.value.freshUntil);
      if (result.value.stale) staleReasons.push(`${parts[index].source}: ${result.value.staleReason ?? 'upstream failed'}`);
      return result.value.value;
    }
    if (parts[index].required) throw result.reason;
    firstError ??= result.reason;
    missing.push({ source: parts[index].source, reason: result.reason instanceof Error ? result.reason.message : String(result.reason) });
    return undefined;
  }) as SettledParts<T>['values'];
  return {
    values,
    missing,
    fetchedAt: fetched.length > 0 ? Math.min(...fetched) : Date.now(),
    stale: staleReasons.length > 0,
    ...(staleReasons.length > 0 ? { staleReason: staleReasons.join('; ') } : {}),
    ...(freshUntil.length > 0 ? { freshUntil: Math.min(...freshUntil) } : {}),
    allFailed: fetched.length === 0 && parts.length > 0,
    firstError,
  };
}

/** The timing and staleness fields of a stream load made of settled parts. */
export function loadTiming(settled: Pick<SettledParts<readonly unknown[]>, 'fetchedAt' | 'stale' | 'staleReason' | 'freshUntil'>): Omit<StreamLoad<unknown>, 'data' | 'missing'> {
  return {
    fetchedAt: settled.fetchedAt,
    stale: settled.stale,
    ...(settled.staleReason !== undefined ? { staleReason: settled.staleReason } : {}),
    ...(settled.freshUntil !== undefined ? { freshUntil: settled.freshUntil } : {}),
  };
}

/** A stream load from one cached read. */
export function fromCached<T, D>(cached: Cached<T>, toData: (value: T) => D): StreamLoad<D> {
  return { data: toData(cached.value), ...loadTiming({ fetchedAt: cached.fetchedAt, stale: cached.stale, staleReason: cached.staleReason, freshUntil: cached.freshUntil }) };
}
