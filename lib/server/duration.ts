/**
 * Moderation durations as administrators type them: `30s`, `10m`, `2h`, `7d`.
 *
 * @module
 */

import { type CommandError, fail } from "./command_table.ts";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration one may give; longer is "until lifted" (no duration). */
export const MAX_DURATION_DAYS = 3650;

/**
 * Whether a word is meant as a duration: it starts with a digit, `-` or `+`. Such a word must then
 * be a valid duration; any other word starts the reason.
 *
 * @example
 * ```ts
 * looksLikeDuration("10m"); // true
 * looksLikeDuration("spam"); // false
 * ```
 */
export function looksLikeDuration(word: string): boolean {
  return /^[-+]?\d/.test(word);
}

/**
 * Milliseconds of a duration, or BAD_FORMAT saying how to write one.
 *
 * @example
 * ```ts
 * parseDuration("2h"); // 7200000
 * parseDuration("-5m"); // { code: "BAD_FORMAT", ... }
 * ```
 */
export function parseDuration(word: string): number | CommandError {
  const match = /^(\d{1,7})([smhd])$/.exec(word.toLowerCase());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : 0;
  if (!match || ms <= 0) {
    return fail(
      "BAD_FORMAT",
      `${
        word.slice(0, 20)
      } is no duration: write a positive number and s, m, h or d (30s, 10m, 2h, 7d)`,
    );
  }
  if (ms > MAX_DURATION_DAYS * UNIT_MS.d!) {
    return fail(
      "BAD_FORMAT",
      `a duration is at most ${MAX_DURATION_DAYS}d; give none for "until lifted"`,
    );
  }
  return ms;
}

/**
 * A duration in words for replies: `10m`, `2h 30m`, `7d`.
 *
 * @example
 * ```ts
 * formatDuration(9_000_000); // "2h 30m"
 * ```
 */
export function formatDuration(ms: number): string {
  let left = Math.max(1000, Math.round(ms / 1000) * 1000);
  const parts: string[] = [];
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_MS[unit]!;
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}
