/**
 * Byte-level scanning for the load generator, which must read every line the server under test
 * writes (millions a second) on one core: finding line ends four bytes at a time and reading a
 * message's send time in integer arithmetic cost about a quarter of `Uint8Array.indexOf` plus a
 * floating-point digit loop (measured 44 vs 180–230 ns per 84-byte line).
 *
 * @module
 */

const LF = 10;
/** Every byte of a word set to LF; `x ^ LF_WORD` has a zero byte where the word has an LF. */
const LF_WORD = 0x0a0a0a0a;
const LOW_BITS = 0x01010101;
/** 0x80808080 as a signed 32-bit integer, so the test below stays in int32 arithmetic. */
const HIGH_BITS = -0x7f7f7f80;

/**
 * A growable read buffer with a 32-bit view of the same memory, for {@link findLineFeed}.
 *
 * @example
 * ```ts
 * const buffer = new ScanBuffer(16384);
 * const n = await conn.read(buffer.bytes);
 * const end = findLineFeed(buffer, 0, n ?? 0);
 * ```
 */
export class ScanBuffer {
  bytes: Uint8Array;
  words: Int32Array;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.words = new Int32Array(this.bytes.buffer, 0, size >> 2);
  }

  /** Doubles the buffer, keeping its contents. */
  grow(): void {
    const bigger = new Uint8Array(this.bytes.length * 2);
    bigger.set(this.bytes);
    this.bytes = bigger;
    this.words = new Int32Array(bigger.buffer, 0, bigger.length >> 2);
  }
}

/**
 * The index of the first LF in `buffer.bytes[from, end)`, or -1. Whole words are tested with the
 * classic has-zero-byte bit trick; only a word that has an LF is looked at byte by byte.
 */
export function findLineFeed(buffer: ScanBuffer, from: number, end: number): number {
  const bytes = buffer.bytes;
  const words = buffer.words;
  let i = from;
  for (; i < end && (i & 3) !== 0; i++) if (bytes[i] === LF) return i;
  const lastWord = end >> 2;
  for (let w = i >> 2; w < lastWord; w++) {
    const x = words[w]! ^ LF_WORD;
    if ((((x - LOW_BITS) | 0) & ~x & HIGH_BITS) !== 0) {
      // The word has an LF, but the flagged bit may sit in a byte above it (a borrow): look.
      for (let b = w << 2; b < (w << 2) + 4; b++) if (bytes[b] === LF) return b;
    }
  }
  for (i = Math.max(i, lastWord << 2); i < end; i++) if (bytes[i] === LF) return i;
  return -1;
}

/**
 * Reads `count` (at most 16) decimal digits starting at `at` as a number, or -1 if any byte is not a
 * digit. Eight digits at a time in int32 arithmetic, joined once in floating point.
 */
export function readDigits(bytes: Uint8Array, at: number, count: number): number {
  const split = Math.max(at, at + count - 8);
  const high = smallNumber(bytes, at, split);
  const low = smallNumber(bytes, split, at + count);
  return high < 0 || low < 0 ? -1 : high * 1e8 + low;
}

/** The digits in `bytes[from, to)` (at most 8, so it stays an int32), or -1 at a non-digit. */
function smallNumber(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const QUOTE = 34;
/** "T": the byte before the 16-digit send time at the end of a benchmark message's text. */
export const MARK = 84;

/**
 * In a JSON line `bytes[start, end)`: the index of the closing quote of a string value that ends
 * with `T` and `digits` digits (the benchmark's message text), or -1 if none does. Scans back from
 * the line end, so the fields after the text (an id, the time) cost a few dozen byte tests.
 */
export function findTimedText(
  bytes: Uint8Array,
  start: number,
  end: number,
  digits: number,
): number {
  for (let q = end - 1; q > start + digits; q--) {
    if (
      bytes[q] === QUOTE && bytes[q - digits - 1] === MARK &&
      readDigits(bytes, q - digits, digits) >= 0
    ) {
      return q;
    }
  }
  return -1;
}
