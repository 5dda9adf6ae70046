/**
 * Reading a password with disguised echo, as a pure state machine: keys (or raw terminal bytes)
 * go in; out come the exact bytes to write to the terminal and, at the end, the password or the
 * reason it was cancelled. The caller puts the terminal in raw mode and writes the output.
 *
 * - each character typed shows one `*` (a multi-byte UTF-8 character is one character);
 * - backspace (DEL or ^H) erases the last character and its `*`, and does nothing when empty;
 * - Ctrl-U erases everything typed (all the `*`s);
 * - arrow keys and every other escape sequence are ignored, as are other control characters;
 * - a paste is many characters in one read: one `*` each;
 * - Enter (CR, LF or CRLF) ends the password;
 * - Ctrl-C cancels; Ctrl-D cancels when nothing has been typed (and is ignored otherwise).
 *
 * @module
 */

import { type Key, KeyDecoder } from "./key_decoder.ts";

/** How reading ended. */
export type PasswordOutcome =
  | { type: "submit"; password: string }
  | { type: "cancel"; reason: "interrupt" | "eof" };

/** What one step of the reader produced. */
export interface PasswordStep {
  /** Bytes to write to the terminal (may be empty). */
  output: string;
  /** Index of the first key not consumed: keys after Enter belong to whoever reads next. */
  next: number;
  /** Set once, when reading ends. */
  outcome?: PasswordOutcome;
}

/** Moves back one column, blanks it and moves back again: erases one `*`. */
export const ERASE_STAR = "\b \b";

/**
 * Reads one password with disguised echo.
 *
 * @example
 * ```ts
 * const reader = new PasswordReader();
 * const step = reader.feed(new TextEncoder().encode("pa\x7fw\r"));
 * step.output; // "**\b \b*\r\n"
 * step.outcome; // { type: "submit", password: "pw" }
 * ```
 */
export class PasswordReader {
  #chars: string[] = [];
  #done = false;
  readonly decoder: KeyDecoder;

  constructor(options: { decoder?: KeyDecoder } = {}) {
    this.decoder = options.decoder ?? new KeyDecoder();
  }

  /** How many characters (and so `*`s) have been typed. */
  get length(): number {
    return this.#chars.length;
  }

  /** Whether the password was submitted or cancelled; later keys are not consumed. */
  get done(): boolean {
    return this.#done;
  }

  /** Handles keys from `start` until the end or until reading ends, whichever comes first. */
  step(keys: readonly Key[], start = 0): PasswordStep {
    let output = "";
    if (this.#done) return { output, next: start };
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      switch (key.kind) {
        case "char":
          this.#chars.push(key.char);
          output += "*";
          break;
        case "backspace":
          if (this.#chars.length > 0) {
            this.#chars.pop();
            output += ERASE_STAR;
          }
          break;
        case "kill-line":
          output += ERASE_STAR.repeat(this.#chars.length);
          this.#chars = [];
          break;
        case "enter":
          return this.#finish(output + "\r\n", i, {
            type: "submit",
            password: this.#chars.join(""),
          });
        case "interrupt":
          return this.#finish(output + "^C\r\n", i, { type: "cancel", reason: "interrupt" });
        case "eof":
          if (this.#chars.length === 0) {
            return this.#finish(output + "\r\n", i, { type: "cancel", reason: "eof" });
          }
          break;
        case "kill-word": // a password has no words to show; ignoring beats guessing
        case "escape":
        case "control":
          break;
      }
    }
    return { output, next: keys.length };
  }

  /** Decodes bytes and handles them until reading ends. */
  feed(bytes: Uint8Array): PasswordStep {
    return this.step(this.decoder.feed(bytes));
  }

  #finish(output: string, index: number, outcome: PasswordOutcome): PasswordStep {
    this.#done = true;
    if (outcome.type === "cancel") this.#chars = [];
    return { output, next: index + 1, outcome };
  }
}
