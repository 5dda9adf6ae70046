/**
 * The client's terminal: what the standard streams are, and raw mode that is always given back.
 * (What is drawn on it is `screen.ts`'s.)
 *
 * Whether to colour, to redraw or to use raw mode at all depends on what stdin, stdout and stderr
 * are: see {@link detectTerminal}.
 *
 * @module
 */

import { COLOUR, type Palette, PLAIN } from "./display.ts";

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

/** Asks the terminal to mark pastes (so that a paste of many lines can be confirmed first). */
const BRACKETED_PASTE_ON = "\x1b[?2004h";
const BRACKETED_PASTE_OFF = "\x1b[?2004l";

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

  /** `bracketedPaste`: stdout is the same terminal, and it is asked to mark pastes. */
  constructor(readonly bracketedPaste = false) {}

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
    if (this.bracketedPaste) writeAllSync(Deno.stdout, BRACKETED_PASTE_ON);
  }

  /** Gives the terminal back in the mode it had; safe to call any number of times. */
  restore(): void {
    if (!this.#on) return;
    this.#on = false;
    try {
      if (this.bracketedPaste) writeAllSync(Deno.stdout, BRACKETED_PASTE_OFF);
    } catch {
      // stdout is gone
    }
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // stdin is gone (the terminal closed): there is nothing left to restore.
    }
  }
}
