/**
 * Brute-force protection for logins: a user is locked out after repeated failures, and one
 * address may fail only so often, so it can neither guess many passwords nor lock everyone out.
 *
 * @module
 */

import { AddressLimiter } from "./address_limiter.ts";

/** The guard's settings. */
export interface LoginGuardOptions {
  /** Failures in a row that lock a user. */
  failures: number;
  lockoutMs: number;
  /** Failed logins one address may make per minute. */
  perAddressPerMinute: number;
  /** A user's failures are forgotten after this long without another (default 15 min). */
  failureMemoryMs?: number;
  /** Users whose failures are remembered at most; the oldest are forgotten first (100,000). */
  maxTracked?: number;
}

const FAILURE_MEMORY_MS = 15 * 60_000;
const MAX_TRACKED = 100_000;

/**
 * @example
 * ```ts
 * const guard = new LoginGuard({ failures: 3, lockoutMs: 60_000, perAddressPerMinute: 10 });
 * guard.recordFailure("alice", "127.0.0.1");
 * guard.lockedFor("alice"); // 0 until the third failure
 * ```
 */
export class LoginGuard {
  // In order of last failure, so the oldest are first to sweep or evict: an attacker trying
  // endless made-up names cannot grow it past maxTracked.
  #failures = new Map<string, { count: number; last: number }>();
  #lockedUntil = new Map<string, number>();
  #addresses: AddressLimiter;

  constructor(readonly options: LoginGuardOptions) {
    this.#addresses = new AddressLimiter(options.perAddressPerMinute, 60);
  }

  /** Milliseconds the user stays locked out (0: not locked). */
  lockedFor(userKey: string, now = Date.now()): number {
    const until = this.#lockedUntil.get(userKey);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#lockedUntil.delete(userKey);
      return 0;
    }
    return until - now;
  }

  /** Milliseconds until the address may try a login again (0: now). */
  addressWait(address: string): number {
    return this.#addresses.waitFor(address);
  }

  /** Counts a failure; returns the lockout it started, in milliseconds (0: none). */
  recordFailure(userKey: string, address: string, now = Date.now()): number {
    this.#addresses.take(address);
    const previous = this.#failures.get(userKey);
    const memory = this.options.failureMemoryMs ?? FAILURE_MEMORY_MS;
    const failures = (previous && now - previous.last < memory ? previous.count : 0) + 1;
    this.#failures.delete(userKey);
    if (failures < this.options.failures) {
      this.#failures.set(userKey, { count: failures, last: now });
      if (this.#failures.size > (this.options.maxTracked ?? MAX_TRACKED)) {
        this.#failures.delete(this.#failures.keys().next().value!);
      }
      return 0;
    }
    this.#lockedUntil.set(userKey, now + this.options.lockoutMs);
    return this.options.lockoutMs;
  }

  /** A successful login clears the user's failures. */
  recordSuccess(userKey: string): void {
    this.#failures.delete(userKey);
  }

  /** Forgets expired lockouts, old failures and addresses back to a full allowance. */
  sweep(now = Date.now()): void {
    for (const [key, until] of this.#lockedUntil) if (until <= now) this.#lockedUntil.delete(key);
    const memory = this.options.failureMemoryMs ?? FAILURE_MEMORY_MS;
    for (const [key, { last }] of this.#failures) {
      if (now - last < memory) break; // the rest failed later
      this.#failures.delete(key);
    }
    this.#addresses.sweep();
  }

  /** Users with remembered failures or a lockout (tests, memory accounting). */
  get tracked(): number {
    return this.#failures.size + this.#lockedUntil.size;
  }
}
