/**
 * The client's input line as a pure state machine: keys (or raw terminal bytes) go in; out come
 * the bytes to write to the terminal and what the user did (a finished line, Ctrl-C, a window
 * switch…). The terminal itself is never touched here, so every edit can be tested by comparing
 * strings.
 *
 * Editing is readline's and irssi's (the table is in `key_bindings.ts`): the cursor moves by
 * character (a whole grapheme: an accented letter, an emoji sequence) or by word, Up and Down walk
 * the history of sent lines, Tab completes. The line is always drawn whole on one terminal row
 * (`\r`, erase line, prompt, text, then the cursor moved back into place), so it can be redrawn
 * after a message was printed above it. A line wider than the terminal scrolls sideways to keep
 * the cursor in view, with `<` and `>` marks where text is hidden. Wide characters (CJK, emoji)
 * count two columns.
 *
 * @module
 */

import { type Key, KeyDecoder } from "./key_decoder.ts";
import { bindingOf, type EditAction, type Movement } from "./key_bindings.ts";
import { InputHistory } from "./input_history.ts";

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
  | { type: "eof" }
  /** Ctrl-L. */
  | { type: "redraw" }
  /** Alt-1…9, Ctrl-N, Ctrl-P. */
  | { type: "window"; to: number | "next" | "previous" }
  /** A bracketed paste starts or ends. */
  | { type: "paste"; edge: "start" | "end" };

/** Everything a chunk of bytes produced (see {@link LineEditor.feed}). */
export interface EditorFeed {
  output: string;
  events: EditorEvent[];
}

/** Gives the texts that may replace the word before the cursor, best first. */
export type Completer = (line: string, cursor: number) => string[];

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

/** The width of one grapheme: an emoji sequence is as wide as its widest part. */
function graphemeWidth(grapheme: string): number {
  let width = 0;
  for (const char of grapheme) width = Math.max(width, charWidth(char));
  return width;
}

/** The starts of the graphemes of a text, and its length at the end. */
function boundaries(text: string): number[] {
  const starts = Array.from(segmenter.segment(text), (part) => part.index);
  starts.push(text.length);
  return starts;
}

/**
 * A single-line editor with a cursor, a history and completion.
 *
 * @example
 * ```ts
 * const editor = new LineEditor({ prompt: "> " });
 * const out = editor.feed(new TextEncoder().encode("hi\x1b[Do\r"));
 * out.events; // [{ type: "line", line: "hoi" }]
 * ```
 */
export class LineEditor {
  #buffer = "";
  /** Where the cursor is, as an index into the buffer (always on a grapheme boundary). */
  #cursor = 0;
  #prompt: string;
  #columns: number;
  /** The first grapheme shown when the line is wider than the terminal. */
  #scroll = 0;
  /** The candidates of the last Tab, so that the next Tab takes the next one. */
  #completion: { start: number; end: number; candidates: string[]; index: number } | undefined;
  readonly decoder: KeyDecoder;
  readonly history: InputHistory;
  completer: Completer | undefined;

  constructor(
    options: {
      prompt?: string;
      columns?: number;
      decoder?: KeyDecoder;
      history?: InputHistory;
      completer?: Completer;
    } = {},
  ) {
    this.#prompt = options.prompt ?? "";
    this.#columns = options.columns ?? 80;
    this.decoder = options.decoder ?? new KeyDecoder();
    this.history = options.history ?? new InputHistory();
    this.completer = options.completer;
  }

  /** The text typed so far. */
  get buffer(): string {
    return this.#buffer;
  }

  /** The cursor's place in {@link buffer}. */
  get cursor(): number {
    return this.#cursor;
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

  /** Replaces the text (the cursor goes to its end). */
  setText(text: string): void {
    this.#buffer = text;
    this.#cursor = text.length;
  }

  /**
   * The bytes that draw the prompt and the text on the current row, replacing whatever was
   * there, and put the cursor in its place. When the text does not fit, the part around the
   * cursor is shown, with `<` before it and `>` after it where text is hidden.
   */
  render(): string {
    const room = Math.max(this.#columns - 1 - displayWidth(this.#prompt), 4);
    const starts = boundaries(this.#buffer);
    const count = starts.length - 1;
    const widths = starts.slice(0, count).map((start, i) =>
      graphemeWidth(this.#buffer.slice(start, starts[i + 1]))
    );
    const at = starts.indexOf(this.#cursor);
    const total = widths.reduce((sum, width) => sum + width, 0);
    if (total <= room) this.#scroll = 0;
    else if (at < this.#scroll) this.#scroll = at;
    let end: number;
    while (true) {
      const left = this.#scroll > 0 ? 1 : 0;
      let used = left;
      end = this.#scroll;
      while (end < count && used + widths[end]! <= room) used += widths[end++]!;
      if (end < count) { while (used + 1 > room) used -= widths[--end]!; }
      if (at < end || end === count || this.#scroll >= at) break;
      this.#scroll++;
    }
    const shown = this.#buffer.slice(starts[this.#scroll], starts[end]);
    const after = end < count ? ">" : "";
    const back = widths.slice(Math.max(at, this.#scroll), end).reduce((s, w) => s + w, 0) +
      after.length;
    return CLEAR_LINE + this.#prompt + (this.#scroll > 0 ? "<" : "") + shown + after +
      (back > 0 ? `\x1b[${back}D` : "");
  }

  /** Handles keys from `start` until the end or until the first event, whichever comes first. */
  step(keys: readonly Key[], start = 0): EditorStep {
    let changed = false;
    for (let i = start; i < keys.length; i++) {
      const action = bindingOf(keys[i]!);
      if (action.type !== "complete") this.#completion = undefined;
      const event = this.#eventOf(action);
      if (event) {
        const output = changed ? this.render() : "";
        if (event.type === "line") this.#reset();
        return { output, next: i + 1, event };
      }
      if (this.#apply(action)) changed = true;
    }
    // One redraw for the whole run of keys, however many there were (a paste).
    return { output: changed ? this.render() : "", next: keys.length };
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

  /** The event an action stops at, if it is one the caller handles. */
  #eventOf(action: EditAction): EditorEvent | undefined {
    switch (action.type) {
      case "enter":
        return { type: "line", line: this.#buffer };
      case "interrupt":
        return { type: "interrupt" };
      case "eof":
        return this.#buffer === "" ? { type: "eof" } : undefined;
      case "redraw":
        return { type: "redraw" };
      case "window":
        return { type: "window", to: action.to };
      case "paste":
        return { type: "paste", edge: action.edge };
      default:
        return undefined;
    }
  }

  /** Carries out an editing action; says whether the line must be redrawn. */
  #apply(action: EditAction): boolean {
    switch (action.type) {
      case "insert":
        return this.#replace(this.#cursor, this.#cursor, action.text);
      case "backspace":
        return this.#replace(this.#moved("left"), this.#cursor, "");
      case "delete":
      case "eof": // on a non-empty line, as in readline
        return this.#replace(this.#cursor, this.#moved("right"), "");
      case "move": {
        const to = this.#moved(action.to);
        if (to === this.#cursor) return false;
        this.#cursor = to;
        return true;
      }
      case "kill":
        switch (action.what) {
          case "line":
            return this.#replace(0, this.#buffer.length, "");
          case "to-end":
            return this.#replace(this.#cursor, this.#buffer.length, "");
          case "word-back":
            return this.#replace(this.#moved("word-left"), this.#cursor, "");
          case "word-forward":
            return this.#replace(this.#cursor, this.#moved("word-right"), "");
        }
        return false;
      case "history": {
        const line = action.to === "previous"
          ? this.history.previous(this.#buffer)
          : this.history.next();
        if (line === undefined) return false;
        this.setText(line);
        return true;
      }
      case "complete":
        return this.#complete();
      default:
        return false;
    }
  }

  /** Replaces `from`…`to` with `text`, leaving the cursor after it. */
  #replace(from: number, to: number, text: string): boolean {
    if (from === to && text === "") return false;
    this.#buffer = this.#buffer.slice(0, from) + text + this.#buffer.slice(to);
    this.#cursor = from + text.length;
    return true;
  }

  /** Where a movement would put the cursor. */
  #moved(to: Movement): number {
    const starts = boundaries(this.#buffer);
    const at = starts.indexOf(this.#cursor);
    const isSpace = (i: number) => /^\s/u.test(this.#buffer.slice(starts[i], starts[i + 1]));
    let i = at;
    switch (to) {
      case "left":
        return starts[Math.max(at - 1, 0)]!;
      case "right":
        return starts[Math.min(at + 1, starts.length - 1)]!;
      case "home":
        return 0;
      case "end":
        return this.#buffer.length;
      case "word-left":
        while (i > 0 && isSpace(i - 1)) i--;
        while (i > 0 && !isSpace(i - 1)) i--;
        return starts[i]!;
      case "word-right":
        while (i < starts.length - 1 && isSpace(i)) i++;
        while (i < starts.length - 1 && !isSpace(i)) i++;
        return starts[i]!;
    }
  }

  /** Tab: the first candidate for the word before the cursor, or the next one on another Tab. */
  #complete(): boolean {
    const last = this.#completion;
    if (last) {
      last.index = (last.index + 1) % last.candidates.length;
      const text = last.candidates[last.index]!;
      this.#replace(last.start, last.end, text);
      last.end = last.start + text.length;
      return true;
    }
    const candidates = this.completer?.(this.#buffer, this.#cursor) ?? [];
    if (candidates.length === 0) return false;
    const before = this.#buffer.slice(0, this.#cursor);
    const start = before.search(/\S*$/);
    this.#replace(start, this.#cursor, candidates[0]!);
    this.#completion = { start, end: this.#cursor, candidates, index: 0 };
    return true;
  }

  #reset(): void {
    this.#buffer = "";
    this.#cursor = 0;
    this.#scroll = 0;
    this.history.rewind();
  }
}
