/**
 * What the client does with a line the user typed. The client agrees with the server: a line goes
 * to the server as it was typed, and the server decides what it means, so every command `help`
 * lists works here too. The client steps in only where it must:
 *
 * - where a password would otherwise be typed in clear, it asks for it with disguised echo:
 *   `login <user>`, `register <user>` (twice, to catch a typo), `rename <newname>`, `passwd`;
 * - `logout` (or `quit`, `exit`) alone ends the program once the server said goodbye;
 * - `mode` changes how this client shows events, since its connection must stay in JSON.
 *
 * A leading `/` is optional, as on the server; `//text` is a message that starts with `/`.
 *
 * @module
 */

import type { Credentials } from "../shared/reconnect.ts";

/** The commands whose password the client asks for with disguised echo. */
export type SecretCommand = "login" | "register" | "rename" | "passwd";

/** The decision for one typed line. */
export type TypedLine =
  /** Nothing to send (an empty line). */
  | { kind: "empty" }
  /**
   * Send the line as it is. `login` is set for `login <user> <password>` and `newPassword` for
   * `passwd <old> <new>`, to remember once the server accepts them; `secret` lines hold a password
   * and are kept out of the input history.
   */
  | { kind: "send"; line: string; login?: Credentials; newPassword?: string; secret?: boolean }
  /** Ask for the password(s) with disguised echo, then send the command with them. */
  | { kind: "ask"; command: SecretCommand; name?: string }
  /** Send the line, then disconnect and exit. */
  | { kind: "logout"; line: string }
  /** Show events as the text presentation does, or as raw JSON lines (no argument: say which). */
  | { kind: "mode"; choice?: string };

const LOGOUT_WORDS = new Set(["logout", "quit", "exit"]);

/**
 * The command word of a line (lower-cased, without its optional `/`), or undefined for a line that
 * is a plain message.
 *
 * @example
 * ```ts
 * commandWord("/Login alice"); // "login"
 * commandWord("//login"); // undefined: a message
 * ```
 */
export function commandWord(line: string): string | undefined {
  const first = line.trimStart().split(/\s+/, 1)[0] ?? "";
  if (first.startsWith("//")) return undefined;
  const word = first.startsWith("/") ? first.slice(1) : first;
  return word === "" ? undefined : word.toLowerCase();
}

/**
 * Decides what to do with a typed line.
 *
 * @example
 * ```ts
 * classifyTyped("login alice"); // { kind: "ask", command: "login", name: "alice" }
 * classifyTyped("login alice s3cret").kind; // "send"
 * classifyTyped("enter big topic here"); // { kind: "send", line: "enter big topic here" }
 * ```
 */
export function classifyTyped(line: string): TypedLine {
  if (line.trim() === "") return { kind: "empty" };
  const word = commandWord(line);
  const args = line.trim().split(/\s+/).slice(1);
  switch (word) {
    case "login":
      if (args.length === 1 && args[0]!.toLowerCase() !== "guest") {
        return { kind: "ask", command: "login", name: args[0]! };
      }
      if (args.length === 1) return { kind: "send", line, login: { user: "guest" } };
      if (args.length === 2) {
        return { kind: "send", line, login: { user: args[0]!, password: args[1]! }, secret: true };
      }
      return { kind: "send", line };
    case "register":
      if (args.length === 1) return { kind: "ask", command: "register", name: args[0]! };
      return { kind: "send", line, secret: args.length > 1 };
    case "rename":
      if (args.length === 1) return { kind: "ask", command: "rename", name: args[0]! };
      return { kind: "send", line, secret: args.length > 1 };
    case "passwd":
      if (args.length === 0) return { kind: "ask", command: "passwd" };
      if (args.length === 2) return { kind: "send", line, newPassword: args[1]!, secret: true };
      return { kind: "send", line, secret: true };
    case "mode":
      return args.length === 0 ? { kind: "mode" } : { kind: "mode", choice: args.join(" ") };
    default:
      // Like the server, `logout` followed by more words is a chat line, not the command.
      if (word !== undefined && LOGOUT_WORDS.has(word) && args.length === 0) {
        return { kind: "logout", line };
      }
      return { kind: "send", line };
  }
}
