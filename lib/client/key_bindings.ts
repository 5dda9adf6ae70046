/**
 * What each key does at the input line, as in irssi, weechat and readline: the decoder
 * ({@link KeyDecoder}) turns bytes into keys, this file turns keys into editing actions, and the
 * line editor carries them out. Keeping the table apart keeps the decoder shared with the
 * password reader, which ignores every key it does not know.
 *
 * @module
 */

import type { Key } from "./key_decoder.ts";

/** Where a cursor movement goes. */
export type Movement = "left" | "right" | "home" | "end" | "word-left" | "word-right";

/** One editing action at the input line. */
export type EditAction =
  | { type: "insert"; text: string }
  | { type: "backspace" }
  /** Delete the character under the cursor. */
  | { type: "delete" }
  | { type: "move"; to: Movement }
  /** Ctrl-U: the whole line; Ctrl-K: to its end; Ctrl-W / Alt-Backspace: the word before. */
  | { type: "kill"; what: "line" | "to-end" | "word-back" | "word-forward" }
  | { type: "history"; to: "previous" | "next" }
  | { type: "complete" }
  | { type: "enter" }
  | { type: "interrupt" }
  /** Ctrl-D: end of input on an empty line, else delete under the cursor. */
  | { type: "eof" }
  /** Ctrl-L: redraw the screen. */
  | { type: "redraw" }
  /** Alt-1…9, Alt-0 (10), Ctrl-N, Ctrl-P: change window (room or private conversation). */
  | { type: "window"; to: number | "next" | "previous" }
  /** Bracketed paste markers. */
  | { type: "paste"; edge: "start" | "end" }
  | { type: "none" };

const CONTROL_ACTIONS: Record<number, EditAction> = {
  0x01: { type: "move", to: "home" }, // Ctrl-A
  0x02: { type: "move", to: "left" }, // Ctrl-B
  0x05: { type: "move", to: "end" }, // Ctrl-E
  0x06: { type: "move", to: "right" }, // Ctrl-F
  0x0b: { type: "kill", what: "to-end" }, // Ctrl-K
  0x0c: { type: "redraw" }, // Ctrl-L
  0x0e: { type: "window", to: "next" }, // Ctrl-N
  0x10: { type: "window", to: "previous" }, // Ctrl-P
};

const ESCAPE_ACTIONS: Record<string, EditAction> = {
  "\x1b[A": { type: "history", to: "previous" },
  "\x1bOA": { type: "history", to: "previous" },
  "\x1b[B": { type: "history", to: "next" },
  "\x1bOB": { type: "history", to: "next" },
  "\x1b[C": { type: "move", to: "right" },
  "\x1bOC": { type: "move", to: "right" },
  "\x1b[D": { type: "move", to: "left" },
  "\x1bOD": { type: "move", to: "left" },
  "\x1b[H": { type: "move", to: "home" },
  "\x1bOH": { type: "move", to: "home" },
  "\x1b[1~": { type: "move", to: "home" },
  "\x1b[7~": { type: "move", to: "home" },
  "\x1b[F": { type: "move", to: "end" },
  "\x1bOF": { type: "move", to: "end" },
  "\x1b[4~": { type: "move", to: "end" },
  "\x1b[8~": { type: "move", to: "end" },
  "\x1b[3~": { type: "delete" },
  // Ctrl- and Alt-arrows, as xterm, tmux and rxvt send them.
  "\x1b[1;5C": { type: "move", to: "word-right" },
  "\x1b[1;3C": { type: "move", to: "word-right" },
  "\x1b[5C": { type: "move", to: "word-right" },
  "\x1bOc": { type: "move", to: "word-right" },
  "\x1b[1;5D": { type: "move", to: "word-left" },
  "\x1b[1;3D": { type: "move", to: "word-left" },
  "\x1b[5D": { type: "move", to: "word-left" },
  "\x1bOd": { type: "move", to: "word-left" },
  "\x1bb": { type: "move", to: "word-left" },
  "\x1bf": { type: "move", to: "word-right" },
  "\x1bd": { type: "kill", what: "word-forward" },
  "\x1b\x7f": { type: "kill", what: "word-back" },
  "\x1b\x08": { type: "kill", what: "word-back" },
  "\x1b[200~": { type: "paste", edge: "start" },
  "\x1b[201~": { type: "paste", edge: "end" },
};

/**
 * The editing action of a key.
 *
 * @example
 * ```ts
 * bindingOf({ kind: "escape", sequence: "\x1b[D" }); // { type: "move", to: "left" }
 * bindingOf({ kind: "control", code: 0x0b }); // { type: "kill", what: "to-end" }
 * bindingOf({ kind: "escape", sequence: "\x1b3" }); // { type: "window", to: 3 }
 * ```
 */
export function bindingOf(key: Key): EditAction {
  switch (key.kind) {
    case "char":
      return key.char === "\t" ? { type: "complete" } : { type: "insert", text: key.char };
    case "enter":
      return { type: "enter" };
    case "backspace":
      return { type: "backspace" };
    case "kill-line":
      return { type: "kill", what: "line" };
    case "kill-word":
      return { type: "kill", what: "word-back" };
    case "interrupt":
      return { type: "interrupt" };
    case "eof":
      return { type: "eof" };
    case "control":
      return CONTROL_ACTIONS[key.code] ?? { type: "none" };
    case "escape": {
      const [esc, digit] = key.sequence;
      if (esc === "\x1b" && key.sequence.length === 2 && digit! >= "0" && digit! <= "9") {
        return { type: "window", to: digit === "0" ? 10 : Number(digit) };
      }
      return ESCAPE_ACTIONS[key.sequence] ?? { type: "none" };
    }
  }
}
