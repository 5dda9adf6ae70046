/**
 * Removes telnet protocol bytes (IAC sequences) from a byte stream, so option negotiation from a
 * plain `telnet` client never reaches the chat as text.
 *
 * Handles `IAC IAC` (a literal 0xFF data byte), two-byte commands (`IAC NOP`, `IAC AYT`…),
 * three-byte negotiations (`IAC WILL|WONT|DO|DONT opt`) and subnegotiations (`IAC SB … IAC SE`),
 * including sequences split across reads.
 *
 * @module
 */

/** Interpret As Command: starts every telnet command. */
export const IAC = 0xff;
const DONT = 0xfe;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;
const ECHO = 0x01;

/** `IAC WILL ECHO`: the server echoes, so the client stops echoing (password prompts). */
export const TELNET_ECHO_OFF: Uint8Array = new Uint8Array([IAC, WILL, ECHO]);
/** `IAC WONT ECHO`: the client echoes again. */
export const TELNET_ECHO_ON: Uint8Array = new Uint8Array([IAC, 0xfc, ECHO]);

const enum State {
  Data,
  Command,
  Option,
  Sub,
  SubIac,
}

/**
 * A per-connection telnet filter.
 *
 * @example
 * ```ts
 * const filter = new TelnetFilter();
 * filter.filter(new Uint8Array([0x68, 0xff, 0xfd, 0x01, 0x69])); // bytes "hi"
 * ```
 */
export class TelnetFilter {
  #state = State.Data;

  /**
   * Returns the data bytes of `chunk`. The result is `chunk` itself when it holds no telnet
   * bytes (the common case costs no copy), else a new array.
   */
  filter(chunk: Uint8Array): Uint8Array {
    if (this.#state === State.Data && chunk.indexOf(IAC) < 0) return chunk;
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const byte of chunk) {
      switch (this.#state) {
        case State.Data:
          if (byte === IAC) this.#state = State.Command;
          else out[n++] = byte;
          break;
        case State.Command:
          if (byte === IAC) {
            out[n++] = byte;
            this.#state = State.Data;
          } else if (byte >= WILL && byte <= DONT) this.#state = State.Option;
          else if (byte === SB) this.#state = State.Sub;
          else this.#state = State.Data;
          break;
        case State.Option:
          this.#state = State.Data;
          break;
        case State.Sub:
          if (byte === IAC) this.#state = State.SubIac;
          break;
        case State.SubIac:
          this.#state = byte === SE ? State.Data : State.Sub;
          break;
      }
    }
    return out.subarray(0, n);
  }
}
