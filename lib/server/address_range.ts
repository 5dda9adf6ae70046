/**
 * IP addresses and CIDR ranges for address bans: parsing, the width check, and matching the
 * address key a connection is counted by (an IPv4 address, or an IPv6 /64 as `a:b:c:d::/64`).
 *
 * @module
 */

import { isIPv4, isIPv6 } from "node:net";
import { type CommandError, fail } from "./command_table.ts";

/** An address range: IPv4 or IPv6, a base and a prefix length. */
export interface AddressRange {
  family: 4 | 6;
  base: bigint;
  prefix: number;
  /** The canonical text: `192.0.2.0/24`, `2001:db8::/32`, a single address without `/n`. */
  text: string;
}

/** Ranges wider than these (fewer prefix bits) need `--force`: they could shut out a continent. */
export const NARROWEST_UNFORCED = { 4: 8, 6: 32 } as const;

function ipv4Bits(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(text: string): bigint {
  let host = text;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(host);
  if (v4) {
    const bits = ipv4Bits(v4[1]!);
    host = host.slice(0, -v4[1]!.length) +
      `${(bits >> 16n).toString(16)}:${(bits & 0xffffn).toString(16)}`;
  }
  const [head, tail] = host.split("::") as [string, string | undefined];
  const words = (part: string | undefined) => (part ? part.split(":") : []);
  const h = words(head);
  const t = words(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return all.reduce((acc, word) => (acc << 16n) | BigInt(parseInt(word, 16)), 0n);
}

function formatIpv4(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join(".");
}

function formatIpv6(bits: bigint): string {
  const words = [];
  for (let i = 7; i >= 0; i--) words.push(((bits >> BigInt(i * 16)) & 0xffffn).toString(16));
  // The longest run of zero words becomes "::".
  let best = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === "0") j++;
    if (j - i > bestLength && j - i > 1) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return words.join(":");
  return `${words.slice(0, best).join(":")}::${words.slice(best + bestLength).join(":")}`;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const width = family === 4 ? 32 : 128;
  return ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - prefix)) - 1n);
}

/**
 * Whether a ban target is an address or range rather than a user name (it has `.`, `:` or `/`,
 * which names never have).
 *
 * @example
 * ```ts
 * isAddressLike("10.0.0.0/8"); // true
 * isAddressLike("alice"); // false
 * ```
 */
export function isAddressLike(text: string): boolean {
  return /[.:/]/.test(text);
}

/**
 * Parses `192.0.2.7`, `192.0.2.0/24`, `2001:db8::1`, `2001:db8::/32` (an IPv4-mapped IPv6
 * address counts as IPv4). Host bits below the prefix are cleared. Ranges wider than
 * {@link NARROWEST_UNFORCED} are refused unless `force`.
 *
 * @example
 * ```ts
 * parseAddressRange("10.1.2.3/8", false); // { family: 4, prefix: 8, text: "10.0.0.0/8", ... }
 * parseAddressRange("0.0.0.0/0", false); // { code: "BAD_FORMAT", ... } (too wide)
 * ```
 */
export function parseAddressRange(input: string, force: boolean): AddressRange | CommandError {
  const slash = input.indexOf("/");
  let address = (slash < 0 ? input : input.slice(0, slash)).toLowerCase();
  const prefixText = slash < 0 ? undefined : input.slice(slash + 1);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped && prefixText === undefined) address = mapped[1]!;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0) {
    return fail(
      "BAD_FORMAT",
      `${input.slice(0, 50)} is neither a user, an IP address nor a range like 192.0.2.0/24`,
    );
  }
  const width = family === 4 ? 32 : 128;
  let prefix = width;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width) {
      return fail("BAD_FORMAT", `an IPv${family} range's prefix is /0 to /${width}`);
    }
    prefix = Number(prefixText);
  }
  if (prefix < NARROWEST_UNFORCED[family] && !force) {
    return fail(
      "BAD_FORMAT",
      `${input.slice(0, 50)} is wider than /${NARROWEST_UNFORCED[family]} and would shut out ` +
        "very many people; add --force if you mean it",
    );
  }
  const base = (family === 4 ? ipv4Bits(address) : ipv6Bits(address)) & mask(family, prefix);
  const shown = family === 4 ? formatIpv4(base) : formatIpv6(base);
  return { family, base, prefix, text: prefix === width ? shown : `${shown}/${prefix}` };
}

/**
 * Whether a connection's address key (see `addressKey`: `192.0.2.7`, or `2001:db8:1:2::/64`)
 * falls in the range. An IPv6 connection is known by its /64, so a range narrower than /64
 * matches the whole /64 it lies in.
 *
 * @example
 * ```ts
 * import { isError } from "./command_table.ts";
 *
 * const range = parseAddressRange("10.0.0.0/8", false);
 * if (!isError(range)) rangeCovers(range, "10.1.2.3"); // true
 * ```
 */
export function rangeCovers(range: AddressRange, addressKey: string): boolean {
  const key = addressKey.replace(/\/64$/, "");
  const family = isIPv4(key) ? 4 : isIPv6(key) ? 6 : 0;
  if (family !== range.family) return false;
  const bits = family === 4 ? ipv4Bits(key) : ipv6Bits(key);
  const prefix = family === 6 ? Math.min(range.prefix, 64) : range.prefix;
  const m = mask(range.family, prefix);
  return (bits & m) === (range.base & m);
}
