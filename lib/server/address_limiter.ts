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

/**
 * The key per-address limits count by. An IPv4 address counts as itself (also when it arrives
 * IPv4-mapped on an IPv6 socket); an IPv6 address counts by its /64 prefix, because one host or
 * site is usually given a whole /64 and could otherwise take as many addresses as it likes.
 *
 * @example
 * ```ts
 * addressKey("::ffff:192.0.2.7"); // "192.0.2.7"
 * addressKey("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * ```
 */
export function addressKey(hostname: string): string {
  const host = hostname.replace(/%.*$/, "").toLowerCase(); // without a zone id (fe80::1%eth0)
  if (!host.includes(":")) return host;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(host);
  if (mapped) return mapped[1]!;
  const halves = host.split("::");
  const words = (text: string | undefined) =>
    text ? text.split(":").flatMap((w) => (w.includes(".") ? ["0", "0"] : [w])) : [];
  const head = words(halves[0]);
  const tail = words(halves[1]);
  const groups = halves.length === 2
    ? [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail]
    : head;
  if (groups.length !== 8 || groups.some((w) => !/^[0-9a-f]{1,4}$/.test(w))) return host;
  return `${groups.slice(0, 4).map((w) => parseInt(w, 16).toString(16)).join(":")}::/64`;
}
