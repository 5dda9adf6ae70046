/**
 * Messages read as a byte stream: what a WebSocket test client receives, handed to a line reader
 * that expects `read(buffer)`.
 *
 * @module
 */

import { Wakeup } from "./wakeup.ts";

const encoder = new TextEncoder();

/**
 * @example
 * ```ts
 * const stream = new MessageStream();
 * stream.push("{\"type\":\"reply\"}");
 * const n = await stream.read(new Uint8Array(1024));
 * ```
 */
export class MessageStream {
  readonly #chunks: Uint8Array[] = [];
  readonly #arrived = new Wakeup();
  #ended = false;

  /** A message arrived: its text, ending in a line break. */
  push(text: string): void {
    this.#chunks.push(encoder.encode(text.endsWith("\n") ? text : text + "\n"));
    this.#arrived.wake();
  }

  /** No more messages will come. */
  end(): void {
    this.#ended = true;
    this.#arrived.wake();
  }

  /** Reads what has arrived into `buffer`; null once ended and read to the end. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await this.#arrived.wait(1000);
    }
    const chunk = this.#chunks[0]!;
    const n = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }
}
