/**
 * Turns the bytes a terminal in raw mode sends into keys: printable characters (a multi-byte
 * UTF-8 character is one key, even when its bytes arrive in separate reads), Enter, backspace,
 * the few control keys the client acts on, and whole escape sequences (arrow keys, function
 * keys, bracketed-paste markers, terminal replies) so that callers can ignore them as one unit.
 *
 * Both the line editor and the password reader are driven by these keys, so a single decoder
 * can serve both and hand over the keys left in a read when one of them finishes.
 *
 * @module
 */

/** One key press (or one escape sequence) decoded from terminal input. */
export type Key =
  | { kind: "char"; char: string }
  | { kind: "enter" }
  | { kind: "backspace" }
  /** Ctrl-U: erase the whole line. */
  | { kind: "kill-line" }
  /** Ctrl-W: erase the last word. */
  | { kind: "kill-word" }
  /** Ctrl-C. */
  | { kind: "interrupt" }
  /** Ctrl-D. */
  | { kind: "eof" }
  /** A whole escape sequence (arrow key, function key, Alt+key, terminal reply). */
  | { kind: "escape"; sequence: string }
  /** Any other control character (ignored by the editors). */
  | { kind: "control"; code: number };

const ESC = "\x1b";
/** An escape sequence longer than this is abandoned, so garbage cannot grow the buffer. */
const MAX_SEQUENCE = 64;

type EscapeState =
  | { mode: "none" }
  | { mode: "esc" } // saw ESC
  | { mode: "csi"; text: string } // ESC [ params… final
  | { mode: "ss3"; text: string } // ESC O x
  | { mode: "string"; text: string; sawEsc: boolean }; // OSC/DCS/APC/PM … BEL or ESC \

/**
 * A streaming decoder from raw terminal bytes to {@link Key}s.
 *
 * @example
 * ```ts
 * const decoder = new KeyDecoder();
 * decoder.feed(new Uint8Array([0x68, 0xc3])); // [{ kind: "char", char: "h" }]
 * decoder.feed(new Uint8Array([0xa9, 0x1b, 0x5b, 0x41, 0x0d]));
 * // [{ kind: "char", char: "é" }, { kind: "escape", sequence: "\x1b[A" }, { kind: "enter" }]
 * ```
 */
export class KeyDecoder {
  #utf8 = new TextDecoder("utf-8", { fatal: false });
  #escape: EscapeState = { mode: "none" };
  /** A CR was the last key: an LF right after it is the same Enter (CRLF). */
  #afterCr = false;

  /** Decodes a chunk of bytes; bytes of an unfinished character or sequence are kept. */
  feed(bytes: Uint8Array): Key[] {
    const keys: Key[] = [];
    for (const char of this.#utf8.decode(bytes, { stream: true })) this.#char(char, keys);
    return keys;
  }

  /** Whether part of a character or an escape sequence is waiting for more bytes. */
  get pending(): boolean {
    return this.#escape.mode !== "none";
  }

  #char(char: string, keys: Key[]): void {
    const state = this.#escape;
    switch (state.mode) {
      case "none":
        return this.#plain(char, keys);
      case "esc":
        if (char === "[") this.#escape = { mode: "csi", text: ESC + "[" };
        else if (char === "O") this.#escape = { mode: "ss3", text: ESC + "O" };
        else if (char === "]" || char === "P" || char === "_" || char === "^" || char === "X") {
          this.#escape = { mode: "string", text: ESC + char, sawEsc: false };
        } else if (char === ESC) {
          keys.push({ kind: "escape", sequence: ESC }); // a lone Escape key, then a new one
        } else if (char === "\x7f" || char === "\b") {
          keys.push({ kind: "escape", sequence: ESC + char }); // Alt-Backspace
          this.#escape = { mode: "none" };
        } else if (isControl(char)) {
          keys.push({ kind: "escape", sequence: ESC });
          this.#escape = { mode: "none" };
          this.#plain(char, keys);
        } else {
          keys.push({ kind: "escape", sequence: ESC + char }); // Alt+key
          this.#escape = { mode: "none" };
        }
        return;
      case "csi": {
        const code = char.codePointAt(0)!;
        if (code >= 0x40 && code <= 0x7e) {
          keys.push({ kind: "escape", sequence: state.text + char });
          this.#escape = { mode: "none" };
        } else if (code >= 0x20 && code <= 0x3f) {
          // Past the limit the rest is consumed but not kept, so garbage cannot grow the buffer.
          if (state.text.length < MAX_SEQUENCE) state.text += char;
        } else {
          // Not part of a well-formed sequence: drop what was gathered, then treat this one anew.
          keys.push({ kind: "escape", sequence: state.text });
          this.#escape = { mode: "none" };
          this.#plain(char, keys);
        }
        return;
      }
      case "ss3":
        keys.push({ kind: "escape", sequence: state.text + char });
        this.#escape = { mode: "none" };
        return;
      case "string":
        if (char === "\x07" || (state.sawEsc && char === "\\")) {
          keys.push({ kind: "escape", sequence: state.text + char });
          this.#escape = { mode: "none" };
        } else if (char !== ESC && isControl(char)) {
          // Not a terminal's reply after all (those hold no controls): give the key back.
          keys.push({ kind: "escape", sequence: state.text });
          this.#escape = { mode: "none" };
          this.#plain(char, keys);
        } else if (state.text.length >= MAX_SEQUENCE * 16) {
          keys.push({ kind: "escape", sequence: state.text });
          this.#escape = { mode: "none" };
        } else {
          state.text += char;
          state.sawEsc = char === ESC;
        }
        return;
    }
  }

  #plain(char: string, keys: Key[]): void {
    const afterCr = this.#afterCr;
    this.#afterCr = false;
    const code = char.codePointAt(0)!;
    switch (code) {
      case 0x0d:
        this.#afterCr = true;
        keys.push({ kind: "enter" });
        return;
      case 0x0a:
        if (!afterCr) keys.push({ kind: "enter" });
        return;
      case 0x08:
      case 0x7f:
        keys.push({ kind: "backspace" });
        return;
      case 0x15:
        keys.push({ kind: "kill-line" });
        return;
      case 0x17:
        keys.push({ kind: "kill-word" });
        return;
      case 0x03:
        keys.push({ kind: "interrupt" });
        return;
      case 0x04:
        keys.push({ kind: "eof" });
        return;
      case 0x1b:
        this.#escape = { mode: "esc" };
        return;
      case 0x09:
        keys.push({ kind: "char", char: "\t" });
        return;
    }
    if (isControl(char)) keys.push({ kind: "control", code });
    else keys.push({ kind: "char", char });
  }
}

/** C0 controls, DEL and C1 controls. */
function isControl(char: string): boolean {
  const code = char.codePointAt(0)!;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}
