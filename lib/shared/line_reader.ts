/**
 * Splits a byte stream into lines: LF, CRLF and a bare CR all end a line; so does CR NUL, which is
 * how a telnet client in character mode sends a bare CR (RFC 854). A line longer than the
 * limit is reported once and the rest of it discarded as it arrives, so a client can never make
 * the server buffer more than `maxLine` bytes of one line.
 *
 * @module
 */

/** What the reader found in a chunk, in order. */
export type LineItem = { line: Uint8Array } | { tooLong: true };

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** Whether `byte`, right after a CR, belongs to the same line end (CRLF, or telnet's CR NUL). */
const pairsWithCr = (byte: number | undefined) => byte === LF || byte === NUL;

/**
 * A per-connection line splitter.
 *
 * @example
 * ```ts
 * const reader = new LineReader(4096);
 * reader.push(new TextEncoder().encode("hel"));
 * reader.push(new TextEncoder().encode("lo\r\nwho\n")); // [{ line: "hello" }, { line: "who" }]
 * ```
 */
export class LineReader {
  #partial: Uint8Array | null = null;
  #partialLength = 0;
  #discarding = false;
  #lastWasCr = false;

  constructor(readonly maxLine: number) {}

  /** Feeds a chunk; returns the complete lines (and overlong-line reports) it finished. */
  push(chunk: Uint8Array): LineItem[] {
    const items: LineItem[] = [];
    let start = 0;
    let i = 0;
    if (this.#lastWasCr && pairsWithCr(chunk[0])) start = i = 1; // CRLF or CR NUL split across reads
    this.#lastWasCr = false;
    for (; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte !== LF && byte !== CR) continue;
      this.#finish(chunk.subarray(start, i), items);
      if (byte === CR) {
        if (i + 1 < chunk.length) {
          if (pairsWithCr(chunk[i + 1])) i++;
        } else this.#lastWasCr = true;
      }
      start = i + 1;
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start), items);
    return items;
  }

  /** Bytes held for an unfinished line (for memory accounting and tests). */
  get buffered(): number {
    return this.#partialLength;
  }

  #finish(tail: Uint8Array, items: LineItem[]): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    if (this.#partialLength === 0) {
      if (tail.length > this.maxLine) items.push({ tooLong: true });
      else items.push({ line: tail.slice() });
      return;
    }
    const total = this.#partialLength + tail.length;
    if (total > this.maxLine) items.push({ tooLong: true });
    else {
      const line = new Uint8Array(total);
      line.set(this.#partial!.subarray(0, this.#partialLength));
      line.set(tail, this.#partialLength);
      items.push({ line });
    }
    this.#reset();
  }

  #keep(bytes: Uint8Array, items: LineItem[]): void {
    if (this.#discarding) return;
    const total = this.#partialLength + bytes.length;
    if (total > this.maxLine) {
      items.push({ tooLong: true });
      this.#discarding = true;
      this.#reset();
      return;
    }
    if (!this.#partial || this.#partial.length < total) {
      const grown = new Uint8Array(Math.min(this.maxLine, Math.max(total, 256, total * 2)));
      if (this.#partial) grown.set(this.#partial.subarray(0, this.#partialLength));
      this.#partial = grown;
    }
    this.#partial.set(bytes, this.#partialLength);
    this.#partialLength = total;
  }

  #reset(): void {
    this.#partial = null; // an idle connection keeps no buffer
    this.#partialLength = 0;
  }
}
