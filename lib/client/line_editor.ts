/**
 * The client's input line as a pure state machine: keys (or raw terminal bytes) go in; out come
 * the bytes to write to the terminal and the lines the user finished. The terminal itself is
 * never touched here, so every edit can be tested by comparing strings.
 *
 * The line is always drawn whole on one terminal row (`\r`, erase line, prompt, text), so it can be
 * redrawn after a message was printed above it. A line wider than the terminal shows its end.
 *
 * @module
 */

import { type Key, KeyDecoder } from "./key_decoder.ts";

/** Return to column 0 and erase the row: the start of every redraw. */
export const CLEAR_LINE = "\r\x1b[2K";

/** What one step of the editor produced. */
export interface EditorStep {
  /** Bytes to write to the terminal (may be empty). */
  output: string;
  /** Index of the first key not consumed. */
  next: number;
  /** Set when the step stopped at an event the caller must act on. */
  event?: EditorEvent;
}

/** Something the user did that the caller acts on. */
export type EditorEvent =
  | { type: "line"; line: string }
  /** Ctrl-C. */
  | { type: "interrupt" }
  /** Ctrl-D on an empty line. */
  | { type: "eof" };

/** Everything a chunk of bytes produced (see {@link LineEditor.feed}). */
export interface EditorFeed {
  output: string;
  events: EditorEvent[];
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * How many terminal columns a string takes: combining marks take none, East Asian wide characters
 * and emoji take two, everything else one.
 *
 * @example
 * ```ts
 * displayWidth("héllo"); // 5
 * displayWidth("日本"); // 4
 * ```
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if (code === 0x200d || /\p{Mn}|\p{Me}|\p{Cf}/u.test(char)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) return 2;
  return 1;
}

/**
 * A single-line editor: printable characters are appended, backspace (DEL or ^H) removes the last
 * character (a whole grapheme: an accented letter or an emoji sequence), Ctrl-U clears the line,
 * Ctrl-W removes the last word, escape sequences (arrow keys and the like) are ignored, Enter (CR,
 * LF or CRLF) finishes the line. A paste of many characters is one read and one redraw.
 *
 * @example
 * ```ts
 * const editor = new LineEditor({ prompt: "> " });
 * const out = editor.feed(new TextEncoder().encode("hi\x7fo\r"));
 * out.events; // [{ type: "line", line: "ho" }]
 * ```
 */
export class LineEditor {
  #buffer = "";
  #prompt: string;
  #columns: number;
  readonly decoder: KeyDecoder;

  constructor(options: { prompt?: string; columns?: number; decoder?: KeyDecoder } = {}) {
    this.#prompt = options.prompt ?? "";
    this.#columns = options.columns ?? 80;
    this.decoder = options.decoder ?? new KeyDecoder();
  }

  /** The text typed so far. */
  get buffer(): string {
    return this.#buffer;
  }

  /** The prompt drawn before the text. */
  get prompt(): string {
    return this.#prompt;
  }

  set prompt(prompt: string) {
    this.#prompt = prompt;
  }

  /** The terminal width the line must fit in. */
  get columns(): number {
    return this.#columns;
  }

  set columns(columns: number) {
    this.#columns = Math.max(columns, 8);
  }

  /**
   * The bytes that draw the prompt and the typed text on the current row, replacing whatever
   * was there. When it does not fit, the end of the text is shown after a `<` mark.
   */
  render(): string {
    const room = this.#columns - 1 - displayWidth(this.#prompt); // keep the last column free
    let text = this.#buffer;
    if (displayWidth(text) > room) {
      const chars = Array.from(text);
      let width = 1; // the `<` mark
      let start = chars.length;
      while (start > 0 && width + charWidth(chars[start - 1]!) <= room) {
        start--;
        width += charWidth(chars[start]!);
      }
      text = "<" + chars.slice(start).join("");
    }
    return CLEAR_LINE + this.#prompt + text;
  }

  /** Handles keys from `start` until the end or until the first event, whichever comes first. */
  step(keys: readonly Key[], start = 0): EditorStep {
    let output = "";
    let changed = false;
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      switch (key.kind) {
        case "char":
          this.#buffer += key.char === "\t" ? " " : key.char;
          changed = true;
          break;
        case "backspace":
          if (this.#buffer !== "") {
            this.#buffer = withoutLastGrapheme(this.#buffer);
            changed = true;
          }
          break;
        case "kill-line":
          if (this.#buffer !== "") {
            this.#buffer = "";
            changed = true;
          }
          break;
        case "kill-word": {
          const trimmed = this.#buffer.replace(/\S*\s*$/u, "");
          if (trimmed !== this.#buffer) {
            this.#buffer = trimmed;
            changed = true;
          }
          break;
        }
        case "enter": {
          const line = this.#buffer;
          if (changed) output += this.render();
          this.#buffer = "";
          return { output: output + "\r\n", next: i + 1, event: { type: "line", line } };
        }
        case "interrupt":
          if (changed) output += this.render();
          return { output, next: i + 1, event: { type: "interrupt" } };
        case "eof":
          if (this.#buffer === "") {
            return { output, next: i + 1, event: { type: "eof" } };
          }
          break; // like a shell: Ctrl-D on a non-empty line does nothing
        case "escape":
        case "control":
          break;
      }
    }
    // One redraw for the whole run of keys, however many there were (a paste).
    if (changed) output += this.render();
    return { output, next: keys.length };
  }

  /** Decodes bytes and handles every key in them; convenient for tests and simple callers. */
  feed(bytes: Uint8Array): EditorFeed {
    const keys = this.decoder.feed(bytes);
    const events: EditorEvent[] = [];
    let output = "";
    let index = 0;
    while (index < keys.length) {
      const result = this.step(keys, index);
      output += result.output;
      index = result.next;
      if (result.event) events.push(result.event);
    }
    return { output, events };
  }
}

function withoutLastGrapheme(text: string): string {
  let last = 0;
  for (const { index } of segmenter.segment(text)) last = index;
  return text.slice(0, last);
}
