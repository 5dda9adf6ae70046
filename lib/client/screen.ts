/**
 * The client's screen: lines are printed above a block kept at the bottom — the status line, then
 * the input line — without garbling it (erase the block, print, draw the block again with whatever
 * had been typed, the way irssi keeps its input line). Pure: it writes through the functions it is
 * given, so the client's state machine can collect its output as effects.
 *
 * @module
 */

import { CLEAR_LINE } from "./line_editor.ts";

/** Something that can draw the input line: the line editor, or a prompt. */
export interface InputLine {
  /** The bytes that draw it on the current row, replacing whatever was there. */
  render(): string;
}

/** Up one row and erase it. */
const UP_AND_CLEAR = "\x1b[1A\x1b[2K";

/**
 * Prints lines for the user. With `overlay` (stdout is the terminal typed on), the status line and
 * the input line are kept at the bottom; without it lines are just written, and the input is
 * echoed where `echo` writes.
 *
 * @example
 * ```ts
 * let out = "";
 * const screen = new Screen({ write: (text) => out += text, overlay: true });
 * screen.setStatus("alice │ connected");
 * screen.print(["bob@lobby 21:04:05 hi"]);
 * out; // "…bob@lobby 21:04:05 hi\r\nalice │ connected"
 * ```
 */
export class Screen {
  readonly #write: (text: string) => void;
  readonly #echo: (text: string) => void;
  readonly overlay: boolean;
  #input: InputLine | undefined;
  #status: string | undefined;
  /** How many rows the bottom block takes now; the cursor is on its last one. */
  #rows = 0;

  constructor(options: {
    /** Writes to stdout. */
    write: (text: string) => void;
    /** Writes typing echo (stdout, stderr or nowhere); defaults to `write`. */
    echo?: (text: string) => void;
    /** stdout is the terminal the input line is on. */
    overlay: boolean;
  }) {
    this.#write = options.write;
    this.#echo = options.echo ?? options.write;
    this.overlay = options.overlay;
  }

  /** The input line kept at the bottom (undefined: none shown). */
  get input(): InputLine | undefined {
    return this.#input;
  }

  /** The status line's text (undefined: none). */
  get status(): string | undefined {
    return this.#status;
  }

  /** Shows an input line (drawing it now), or hides it. */
  setInput(input: InputLine | undefined): void {
    if (!this.overlay) {
      this.#input = input;
      if (input) this.#echo(input.render());
      return;
    }
    const erase = this.#erase();
    this.#input = input;
    this.#write(erase + this.#block());
  }

  /** Shows a status line above the input (overlay only), or takes it away. */
  setStatus(status: string | undefined): void {
    if (!this.overlay || status === this.#status) return;
    const erase = this.#erase();
    this.#status = status;
    this.#write(erase + this.#block());
  }

  /** Draws the bottom block again (after the prompt or the terminal width changed). */
  redraw(): void {
    if (!this.overlay) {
      if (this.#input) this.#echo(this.#input.render());
      return;
    }
    this.#write(this.#erase() + this.#block());
  }

  /** Ctrl-L: clears the terminal and draws the block at the top. */
  clear(): void {
    if (!this.overlay) return;
    this.#rows = 0;
    this.#write("\x1b[H\x1b[2J" + this.#block());
  }

  /** Writes typing echo as it is (on the input row). */
  echo(text: string): void {
    if (text) this.#echo(text);
  }

  /** Rings the terminal's bell. */
  bell(): void {
    this.#echo("\x07");
  }

  /** Prints whole lines above the bottom block. */
  print(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (!this.overlay) {
      this.#write(lines.join("\n") + "\n");
      return;
    }
    this.#write(this.#erase() + lines.join("\r\n") + "\r\n" + this.#block());
  }

  /** Takes the block off the screen for good (the client is leaving). */
  close(): void {
    if (!this.overlay) return;
    const erase = this.#erase();
    this.#input = undefined;
    this.#status = undefined;
    this.#write(erase);
  }

  /** Erases the block; the cursor ends at the start of its first row. */
  #erase(): string {
    const rows = this.#rows;
    this.#rows = 0;
    if (rows === 0) return "";
    return CLEAR_LINE + UP_AND_CLEAR.repeat(rows - 1);
  }

  /** Draws the block from the start of an empty row; the cursor ends in the input line. */
  #block(): string {
    const parts: string[] = [];
    if (this.#status !== undefined) parts.push(this.#status);
    if (this.#input) parts.push(this.#input.render());
    this.#rows = parts.length;
    return parts.join("\r\n");
  }
}
