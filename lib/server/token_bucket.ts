/**
 * A token bucket: `burst` tokens, refilled at `rate` per second. Used for flood control (per
 * connection) and for per-address limits on failed logins and registrations.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const bucket = new TokenBucket(5, 10); // 5 per second, bursts of 10
 * bucket.take(1, performance.now()); // true while tokens remain
 * ```
 */
export class TokenBucket {
  #tokens: number;
  #updated: number;

  /** A `rate` of 0 makes an unlimited bucket. */
  constructor(readonly rate: number, readonly burst: number, now = performance.now()) {
    this.#tokens = burst;
    this.#updated = now;
  }

  #refill(now: number): void {
    const elapsed = (now - this.#updated) / 1000;
    this.#updated = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.rate);
  }

  /** Takes `cost` tokens if there are enough; returns whether it did. */
  take(cost: number, now = performance.now()): boolean {
    if (this.rate === 0) return true;
    this.#refill(now);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Milliseconds until `cost` tokens will be there (0 if they are now). */
  waitFor(cost: number, now = performance.now()): number {
    if (this.rate === 0) return 0;
    this.#refill(now);
    return this.#tokens >= cost ? 0 : Math.ceil(((cost - this.#tokens) / this.rate) * 1000);
  }

  /** Whether the bucket is full (nothing spent): such a bucket can be forgotten. */
  full(now = performance.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }
}
