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
  stale: boolean;
  /** true when every part failed */
  allFailed: boolean;
  /** the first failure, to rethrow when nothing could be loaded */
  firstError?: unknown;
}

/**
 * Runs a stream's upstream reads concurrently and keeps what succeeded: failed parts are named in `missing`
 * (the hub turns that into `partial: true`), `fetchedAt` is the oldest part's age, `stale` if any part is stale.
 * A failed `required` part is rethrown.
 */
export async function settleParts<T extends readonly unknown[]>(parts: { [K in keyof T]: LoadPart<T[K]> }): Promise<SettledParts<T>> {
  const results = await Promise.allSettled(parts.map((part) => part.read));
  const missing: SettledParts<T>['missing'] = [];
  const fetched: number[] = [];
  let stale = false;
  let firstError: unknown;
  const values = results.map((result, index) => {
    if (result.status === 'fulfilled') {
      fetched.push(result.value.fetchedAt);
      stale ||= result.value.stale;
      return result.value.value;
    }
    if (parts[index].required) throw result.reason;
    firstError ??= result.reason;
    missing.push({ source: parts[index].source, reason: result.reason instanceof Error ? result.reason.message : String(result.reason) });
    return undefined;
  }) as SettledParts<T>['values'];
  return { values, missing, fetchedAt: fetched.length > 0 ? Math.min(...fetched) : Date.now(), stale, allFailed: fetched.length === 0 && parts.length > 0, firstError };
}

/** A stream load from one cached read. */
export function fromCached<T, D>(cached: Cached<T>, toData: (value: T) => D): StreamLoad<D> {
  return { data: toData(cached.value), fetchedAt: cached.fetchedAt, stale: cached.stale };
}
