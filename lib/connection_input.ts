/**
 * What every transport does with the bytes a connection sends (telnet filtering, then line
 * splitting with the length cap, then the session), and the line it sends a connection it refuses.
 *
 * @module
 */

import { LineReader } from "./line_reader.ts";
import { encodeText } from "./protocol.ts";
import type { Session } from "./session.ts";
import { TelnetFilter } from "./telnet_filter.ts";

const decoder = new TextDecoder();

/**
 * Turns one connection's incoming bytes into the session's lines.
 *
 * @example
 * ```ts
 * const input = new ConnectionInput(4096, session);
 * input.push(new TextEncoder().encode("login alice secret\r\n"));
 * ```
 */
export class ConnectionInput {
  readonly #lines: LineReader;
  readonly #telnet = new TelnetFilter();

  constructor(maxLine: number, readonly session: Session) {
    this.#lines = new LineReader(maxLine);
  }

  /** Hands the complete lines in `bytes` to the session; `bytes` may be reused afterwards. */
  push(bytes: Uint8Array): void {
    for (const item of this.#lines.push(this.#telnet.filter(bytes))) {
      this.session.receive("line" in item ? decoder.decode(item.line) : item);
    }
  }
}

/** The error line sent to a connection refused at admission (`refusal` says why). */
export function refusalLine(refusal: string): Uint8Array {
  return encodeText({
    type: "error",
    code: "TOO_MANY_CONNECTIONS",
    text: refusal,
    time: new Date(),
  });
}
