/**
 * A seeded random source for tests that try random inputs: a failing run prints its seed, and
 * `PARLEY_SEED=<seed>` replays it.
 *
 * @module
 */

/**
 * mulberry32: small, fast and good enough to pick test inputs.
 *
 * @example
 * ```ts
 * const random = new Random(42);
 * random.int(10); // 0..9, the same every run with seed 42
 * ```
 */
export class Random {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** The seed from `PARLEY_SEED`, else a fresh one. */
  static fromEnv(): Random {
    const given = Deno.env.get("PARLEY_SEED");
    const seed = given !== undefined && /^\d+$/.test(given)
      ? Number(given)
      : crypto.getRandomValues(new Uint32Array(1))[0]!;
    return new Random(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
