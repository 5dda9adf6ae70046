/**
 * A wall clock in microseconds that agrees across processes on one machine to a few µs.
 *
 * `Date.now()` is shared by all processes but has millisecond steps; `performance.now()` is fine
 * but has a per-process origin. Catching the instant `Date.now()` ticks over aligns the two.
 *
 * @module
 */

let offsetUs = performance.timeOrigin * 1000;

/**
 * Aligns {@link nowUs} with the system clock; call once at process start (spins for a few ms).
 *
 * @example
 * ```ts
 * calibrateClock();
 * const sentAt = nowUs();
 * ```
 */
export function calibrateClock(rounds = 5): void {
  const offsets: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = Date.now();
    let tick = start;
    let hr = 0;
    // Bounded spin: a millisecond tick arrives within ~1 ms; give up after 10^7 iterations.
    for (let i = 0; i < 10_000_000 && tick === start; i++) {
      hr = performance.now();
      tick = Date.now();
    }
    if (tick !== start) offsets.push(tick * 1000 - hr * 1000);
  }
  offsets.sort((a, b) => a - b);
  const median = offsets[Math.floor(offsets.length / 2)];
  if (median !== undefined) offsetUs = median;
}

/** Microseconds since the Unix epoch, with sub-µs resolution. */
export function nowUs(): number {
  return performance.now() * 1000 + offsetUs;
}
