/**
 * The client's terminal: raw mode that is always given back, and a screen that prints lines above
 * the line being typed without garbling it (clear the input row, print, redraw prompt and text, the
 * way irssi and ssh-chat keep their input line).
 *
 * Whether to colour, to redraw or to use raw mode at all depends on what stdin, stdout and stderr
 * are: see {@link detectTerminal}.
 *
 * @module
 */

import { COLOUR, type Palette, PLAIN } from "./display.ts";
import { CLEAR_LINE } from "./line_editor.ts";

/** What the client's standard streams are, and how it should use them. */
export interface TerminalInfo {
  /** Keyboard input comes from a terminal: use raw mode, the line editor and masked passwords. */
  interactive: boolean;
  /** stdout is a terminal: the input line is on the same screen as the messages. */
  overlay: boolean;
  /** Colour the output (stdout is a terminal, `NO_COLOR` is unset, `TERM` is not `dumb`). */
  colour: boolean;
  /** Where typing is echoed: stdout when it is a terminal, else stderr when that is one. */
  echo: "stdout" | "stderr" | "none";
}

/**
 * Looks at the standard streams and the environment.
 *
 * @example
 * ```ts
 * const info = detectTerminal();
 * if (!info.interactive) console.log("reading lines from a pipe");
 * ```
 */
export function detectTerminal(
  env: { get(name: string): string | undefined } = Deno.env,
  streams: { stdin: boolean; stdout: boolean; stderr: boolean } = {
    stdin: Deno.stdin.isTerminal(),
    stdout: Deno.stdout.isTerminal(),
    stderr: Deno.stderr.isTerminal(),
  },
): TerminalInfo {
  const noColour = (env.get("NO_COLOR") ?? "") !== "";
  const dumb = env.get("TERM") === "dumb";
  const echo = streams.stdout ? "stdout" : streams.stderr ? "stderr" : "none";
  return {
    interactive: streams.stdin,
    overlay: streams.stdin && streams.stdout,
    colour: streams.stdout && !noColour && !dumb,
    echo: streams.stdin ? echo : "none",
  };
}

/** The palette for the detected terminal. */
export function paletteFor(info: TerminalInfo): Palette {
  return info.colour ? COLOUR : PLAIN;
}

const encoder = new TextEncoder();

/** Writes all of a string to a stream synchronously (a terminal write is short and in order). */
export function writeAllSync(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

/**
 * Raw mode on stdin, restored on every way out: the normal path ({@link restore}), `Deno.exit`
 * (the `unload` event), an uncaught exception or rejection (`error`, `unhandledrejection`), and
 * the signals that end the process (the caller's signal handlers call {@link restore} too).
 *
 * @example
 * ```ts
 * const raw = new RawMode();
 * raw.enable();
 * try {
 *   // read keys…
 * } finally {
 *   raw.restore();
 * }
 * ```
 */
export class RawMode {
  #on = false;
  #installed = false;
  readonly #restore = () => this.restore();

  /** Whether raw mode is on now. */
  get on(): boolean {
    return this.#on;
  }

  /** Puts stdin in raw mode (no echo, no line buffering, no signals from Ctrl-C). */
  enable(): void {
    if (this.#on) return;
    if (!this.#installed) {
      globalThis.addEventListener("unload", this.#restore);
      globalThis.addEventListener("error", this.#restore);
      globalThis.addEventListener("unhandledrejection", this.#restore);
      this.#installed = true;
    }
    Deno.stdin.setRaw(true);
    this.#on = true;
  }

  /** Gives the terminal back in the mode it had; safe to call any number of times. */
  restore(): void {
    if (!this.#on) return;
    this.#on = false;
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // stdin is gone (the terminal closed): there is nothing left to restore.
    }
  }
}

/** Something that can draw the input line: the line editor, or the password prompt. */
export interface InputLine {
  /** The bytes that draw it on the current row, replacing whatever was there. */
  render(): string;
}

/**
 * Prints lines for the user. With `overlay`, an input line is kept at the bottom: each print clears
 * it, writes the lines, and redraws it with whatever had been typed.
 *
 * @example
 * ```ts
 * const screen = new Screen({ write: (text) => writeAllSync(Deno.stdout, text), overlay: false });
 * screen.print(["bob@lobby 21:04:05 hi"]);
 * ```
 */
export class Screen {
  readonly #write: (text: string) => void;
  readonly #echo: (text: string) => void;
  readonly overlay: boolean;
  #input: InputLine | undefined;

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

  /** The input line to keep at the bottom (undefined: none shown). */
  get input(): InputLine | undefined {
    return this.#input;
  }

  /** Shows an input line (drawing it now), or hides it. */
  setInput(input: InputLine | undefined): void {
    this.#input = input;
    if (input) this.#echo(input.render());
  }

  /** Redraws the input line (after the prompt or the terminal width changed). */
  redraw(): void {
    if (this.#input) this.#echo(this.#input.render());
  }

  /** Writes typing echo as it is. */
  echo(text: string): void {
    if (text) this.#echo(text);
  }

  /** Prints whole lines above the input line. */
  print(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (this.overlay) {
      const body = lines.join("\r\n") + "\r\n";
      this.#write(this.#input ? CLEAR_LINE + body + this.#input.render() : body);
    } else {
      this.#write(lines.join("\n") + "\n");
    }
  }
}
