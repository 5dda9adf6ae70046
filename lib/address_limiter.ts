/**
 * Per-address token buckets (failed logins, registrations), forgotten once full again so the map
 * cannot grow without bound.
 *
 * @module
 */

import { TokenBucket } from "./token_bucket.ts";

/**
 * @example
 * ```ts
 * const registrations = new AddressLimiter(10, 3600); // 10 per hour per address
 * if (registrations.waitFor("127.0.0.1") === 0) registrations.take("127.0.0.1");
 * ```
 */
export class AddressLimiter {
  #buckets = new Map<string, TokenBucket>();

  /** `count` events per `seconds`, per address, in bursts of up to `count`. */
  constructor(readonly count: number, readonly seconds: number) {}

  /** Milliseconds until the address may act again (0: now). */
  waitFor(address: string, now = performance.now()): number {
    return this.#buckets.get(address)?.waitFor(1, now) ?? 0;
  }

  /** Spends one event of the address's allowance; returns false if none was left. */
  take(address: string, now = performance.now()): boolean {
    let bucket = this.#buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.count / this.seconds, this.count, now);
      this.#buckets.set(address, bucket);
    }
    return bucket.take(1, now);
  }

  /** Forgets addresses whose allowance is whole again. */
  sweep(now = performance.now()): void {
    for (const [address, bucket] of this.#buckets) {
      if (bucket.full(now)) this.#buckets.delete(address);
    }
  }

  /** Addresses remembered (tests, memory accounting). */
  get size(): number {
    return this.#buckets.size;
  }
}
