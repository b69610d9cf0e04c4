/** mulberry32: a tiny, fast, seedable PRNG. Good enough for simulated market noise, not for anything secret. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string: turns (seed, key, step) into a PRNG seed. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Deterministic, bounded drift of simulated values over time.
 *
 * Time is cut into steps of `stepMs`; the value of a key at a step depends only on (seed, key, step), so the same
 * seed and time always give the same numbers, across restarts and replicas. Smooth noise between lattice points
 * every `LATTICE_STEPS` steps plus a little per-step jitter makes values wander like a mean-reverting walk
 * while staying within a known bound (computable in O(1) for any time, unlike a walk summed from the epoch).
 */
export class DriftModel {
  private static readonly LATTICE_STEPS = 16;
  private static readonly JITTER_SHARE = 0.2;

  constructor(
    readonly seed: number,
    readonly stepMs: number,
  ) {
    if (!(stepMs > 0)) throw new Error(`stepMs must be positive, got ${stepMs}`);
  }

  step(nowMs: number): number {
    return Math.floor(nowMs / this.stepMs);
  }

  /** Smooth noise in [-1, 1] for `key` at `nowMs`. */
  noise(key: string, nowMs: number): number {
    const step = this.step(nowMs);
    const lattice = DriftModel.LATTICE_STEPS;
    const cell = Math.floor(step / lattice);
    const t = (step - cell * lattice) / lattice;
    const eased = t * t * (3 - 2 * t);
    const from = this.uniform(key, 'cell', cell);
    const to = this.uniform(key, 'cell', cell + 1);
    const smooth = from + (to - from) * eased;
    const jitter = this.uniform(key, 'step', step);
    return (1 - DriftModel.JITTER_SHARE) * smooth + DriftModel.JITTER_SHARE * jitter;
  }

  /** Multiplicative factor in [1 - amplitude, 1 + amplitude]. */
  factor(key: string, nowMs: number, amplitude: number): number {
    return 1 + amplitude * this.noise(key, nowMs);
  }

  /** Uniform in [-1, 1) for (seed, key, index). */
  private uniform(key: string, kind: string, index: number): number {
    return mulberry32(hashString(`${this.seed}|${key}|${kind}|${index}`))() * 2 - 1;
  }
}
