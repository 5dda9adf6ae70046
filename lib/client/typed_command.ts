/**
 * What the client does with a line the user typed. Most lines go to the server as they are; the
 * exceptions are the commands the client must understand itself: `login <user>` (asks for the
 * password), `create <room>` and `enter <room>` (exactly one word), `logout` (ends the program),
 * `register <user>` (asks for the password too) and `mode` (the client needs JSON mode).
 *
 * A leading `/` is optional, as on the server; `//text` is a message that starts with `/`.
 *
 * @module
 */

/** The decision for one typed line. */
export type TypedLine =
  /** Nothing to send (an empty line). */
  | { kind: "empty" }
  /** Send the line as it is. `newPassword` is set for `passwd old new`, to remember on success. */
  | { kind: "send"; line: string; newPassword?: string }
  /** Ask for the password with disguised echo, then send `login <user> <password>`. */
  | { kind: "login"; user: string }
  /** `login guest`: no password to ask for. */
  | { kind: "guest"; line: string }
  /** Ask for the password with disguised echo, then send `register <user> <password>`. */
  | { kind: "register"; user: string }
  /** Send the line, then disconnect and exit. */
  | { kind: "logout"; line: string }
  /** Send nothing; show the message instead. */
  | { kind: "usage"; message: string };

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
 * classifyTyped("login alice"); // { kind: "login", user: "alice" }
 * classifyTyped("login"); // { kind: "usage", message: "usage: login <user> …" }
 * classifyTyped("hello all"); // { kind: "send", line: "hello all" }
 * ```
 */
export function classifyTyped(line: string): TypedLine {
  if (line.trim() === "") return { kind: "empty" };
  const word = commandWord(line);
  const args = line.trim().split(/\s+/).slice(1);
  switch (word) {
    case "login":
      if (args.length !== 1) {
        return {
          kind: "usage",
          message: "usage: login <user> (one word; the password is asked for next)",
        };
      }
      if (args[0]!.toLowerCase() === "guest") return { kind: "guest", line: "login guest" };
      return { kind: "login", user: args[0]! };
    case "create":
    case "enter":
      if (args.length !== 1) {
        return {
          kind: "usage",
          message: word === "create"
            ? "usage: create <room> (one word: the name of a new room)"
            : "usage: enter <room> (one word: the name or number of an existing room)",
        };
      }
      return { kind: "send", line };
    case "register":
      if (args.length === 1) return { kind: "register", user: args[0]! };
      return { kind: "send", line };
    case "passwd":
      if (args.length === 2) return { kind: "send", line, newPassword: args[1]! };
      return { kind: "send", line };
    case "mode":
      return {
        kind: "usage",
        message: "the client always talks JSON to the server; mode cannot be changed here",
      };
    default:
      // Like the server, `logout` followed by more words is a chat line, not the command.
      if (word !== undefined && LOGOUT_WORDS.has(word) && args.length === 0) {
        return { kind: "logout", line };
      }
      return { kind: "send", line };
  }
}
