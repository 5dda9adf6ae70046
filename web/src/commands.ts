/**
 * What the web client does with a line typed in the input box. A line starting with `/` is a
 * command, as on the server (`/who`, `/tell bob hi`, `/join games`); `//text` is a message that
 * starts with `/`. A line without `/` is always a message: in a room it is spoken there (sent with
 * `say` when its first word would otherwise be read as a command, so `tell me more` stays a
 * message), in a private conversation it is a `tell`.
 *
 * @module
 */

/** A command the server knows: its name, aliases, whether it takes arguments. */
export interface CommandInfo {
  name: string;
  aliases: readonly string[];
  /** Takes no arguments: such a word is a command only when it stands alone. */
  bare: boolean;
}

/** Every command of docs/protocol.md (the `help` reply may add to it at run time). */
export const COMMANDS: readonly CommandInfo[] = [
  { name: "login", aliases: [], bare: false },
  { name: "register", aliases: [], bare: false },
  { name: "passwd", aliases: [], bare: false },
  { name: "logout", aliases: ["quit", "exit"], bare: true },
  { name: "mode", aliases: [], bare: false },
  { name: "help", aliases: [], bare: false },
  { name: "who", aliases: [], bare: true },
  { name: "whoelse", aliases: [], bare: true },
  { name: "wholasthr", aliases: [], bare: true },
  { name: "status", aliases: [], bare: false },
  { name: "ping", aliases: [], bare: false },
  { name: "info", aliases: [], bare: false },
  { name: "create", aliases: [], bare: false },
  { name: "start", aliases: [], bare: false },
  { name: "rooms", aliases: [], bare: true },
  { name: "enter", aliases: [], bare: false },
  { name: "join", aliases: [], bare: false },
  { name: "switch", aliases: ["cd"], bare: false },
  { name: "leave", aliases: [], bare: false },
  { name: "say", aliases: [], bare: false },
  { name: "tell", aliases: ["msg", "message"], bare: false },
  { name: "offline", aliases: [], bare: false },
  { name: "shout", aliases: ["broadcast"], bare: false },
  { name: "block", aliases: [], bare: false },
  { name: "unblock", aliases: [], bare: false },
  { name: "blocks", aliases: [], bare: true },
];

const BY_WORD = new Map<string, CommandInfo>();
for (const info of COMMANDS) {
  BY_WORD.set(info.name, info);
  for (const alias of info.aliases) BY_WORD.set(alias, info);
}

/**
 * The canonical name of a command word (`msg` → `tell`), or undefined if it is no command.
 *
 * @example
 * ```ts
 * canonicalCommand("CD"); // "switch"
 * ```
 */
export function canonicalCommand(word: string): string | undefined {
  return BY_WORD.get(word.toLowerCase())?.name;
}

/** Every command word, names and aliases, for completion. */
export function commandWords(): string[] {
  return [...BY_WORD.keys()].sort();
}

/**
 * Whether the server would read this line as a command (protocol rule 2): its first word is a
 * command, and a command without arguments stands alone.
 */
export function serverReadsAsCommand(line: string): boolean {
  const words = line.trim().split(/\s+/);
  const first = words[0] ?? "";
  if (first.startsWith("/")) return true;
  const info = BY_WORD.get(first.toLowerCase());
  if (!info) return false;
  return !info.bare || words.length === 1;
}

/** Where the user is typing. */
export type Target =
  | { kind: "room"; room: string; /** its number, when known (`rooms`) */ id?: number }
  | { kind: "private"; user: string }
  | { kind: "server" };

/** The decision for one typed line. */
export type Typed =
  | { kind: "empty" }
  /** Send this line; `command` is the canonical command (undefined for a chat line). */
  | { kind: "send"; line: string; command?: string; text?: string }
  /** Log out (sent to the server, then the page shows the login form). */
  | { kind: "logout"; line: string }
  /** Open a private conversation with a user (`/query bob`), sending nothing. */
  | { kind: "open"; user: string }
  /** Send nothing; show this message. */
  | { kind: "refuse"; message: string };

/**
 * Decides what to do with a line typed while `target` is shown.
 *
 * @example
 * ```ts
 * interpretTyped("/who", { kind: "server" }); // { kind: "send", line: "who", command: "who" }
 * interpretTyped("hi", { kind: "private", user: "bob" }); // send "tell bob hi"
 * interpretTyped("join us", { kind: "room", room: "lobby" }); // send "say lobby join us"
 * ```
 */
export function interpretTyped(line: string, target: Target): Typed {
  if (line.trim() === "") return { kind: "empty" };
  if (line.startsWith("/") && !line.startsWith("//")) return typedCommand(line.slice(1).trim());
  const text = line.startsWith("//") ? line.slice(1) : line;
  switch (target.kind) {
    case "private":
      return { kind: "send", line: `tell ${target.user} ${text}`, command: "tell", text };
    case "room": {
      if (!serverReadsAsCommand(text) && !line.startsWith("//")) {
        return { kind: "send", line: text, text };
      }
      // `say <room> <message>`: the room as one word, its name or its number.
      const ref = /^\S+$/.test(target.room)
        ? target.room
        : target.id !== undefined
        ? `#${target.id}`
        : undefined;
      if (ref === undefined) {
        return {
          kind: "refuse",
          message: `not sent: "${text.split(/\s+/)[0]}" would be read as a command here; ` +
            "start the line with // to send it as a message",
        };
      }
      return { kind: "send", line: `say ${ref} ${text}`, text };
    }
    case "server":
      return {
        kind: "refuse",
        message: "this is the server's window: join a room (/join lobby) or start a command with /",
      };
  }
}

function typedCommand(body: string): Typed {
  const [word = "", ...args] = body.split(/\s+/);
  const lower = word.toLowerCase();
  if (lower === "query" || lower === "q") {
    if (args.length !== 1) return { kind: "refuse", message: "usage: /query <user>" };
    return { kind: "open", user: args[0]! };
  }
  const command = canonicalCommand(word);
  if (command === undefined) {
    // Sent anyway: the server answers UNKNOWN_COMMAND with its own words.
    return { kind: "send", line: `/${body}` };
  }
  switch (command) {
    case "mode":
      return { kind: "refuse", message: "the web client always uses JSON; mode is not needed" };
    case "logout":
      return { kind: "logout", line: "logout" };
    case "login":
      if (args.length < 2 && args[0]?.toLowerCase() !== "guest") {
        return { kind: "refuse", message: "usage: /login <user> <password> (or log out first)" };
      }
      break;
    case "register":
      if (args.length !== 2) {
        return { kind: "refuse", message: "usage: /register <user> <password>" };
      }
      break;
    case "create":
    case "enter":
      if (args.length !== 1) {
        return {
          kind: "refuse",
          message: command === "create"
            ? "usage: /create <room> (one word: the name of a new room)"
            : "usage: /enter <room> (one word: the name or number of an existing room)",
        };
      }
      break;
  }
  return { kind: "send", line: body, command };
}
