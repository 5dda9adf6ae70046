/**
 * Tab completion at the input line, as irssi and weechat do it: the word before the cursor is
 * completed to a command name (as the first word), a user name (those seen in the current room
 * first, then the others; as the first word of a line it gets `: ` after it) or a room name (first
 * after the commands that take a room). Pressing Tab again goes on to the next candidate.
 *
 * @module
 */

import { quoteArgument } from "../shared/protocol.ts";

/** What names there are to complete to. */
export interface CompletionSources {
  /** Command names and aliases the server knows. */
  commands: readonly string[];
  /** Users seen in the current room, most recently active first. */
  usersHere: readonly string[];
  /** Every other user seen. */
  users: readonly string[];
  /** Rooms the user is in or has seen. */
  rooms: readonly string[];
}

/** The commands whose first argument is a room. */
const ROOM_COMMANDS = new Set([
  "join",
  "enter",
  "switch",
  "cd",
  "leave",
  "say",
  "history",
  "close",
]);
/** The word the cursor ends: where it starts, and its text. */
export function wordBefore(line: string, cursor: number): { start: number; word: string } {
  const before = line.slice(0, cursor);
  const start = before.search(/\S*$/);
  return { start, word: before.slice(start) };
}

/**
 * The texts that may replace the word before the cursor, best first, each with what follows it
 * (a space, or `: ` after a user name that starts a line).
 *
 * @example
 * ```ts
 * const sources = { commands: ["join", "who"], usersHere: ["bob"], users: ["bea"], rooms: ["lobby"] };
 * completionsFor("jo", 2, sources); // ["join "]
 * completionsFor("hi b", 4, sources); // ["bob ", "bea "]
 * completionsFor("join l", 6, sources); // ["lobby "]
 * completionsFor("b", 1, sources); // ["bob: ", "bea: "]
 * ```
 */
export function completionsFor(line: string, cursor: number, sources: CompletionSources): string[] {
  const { start, word } = wordBefore(line, cursor);
  const before = line.slice(0, start).trim();
  const slash = word.startsWith("/") && !word.startsWith("//") ? "/" : "";
  const prefix = word.slice(slash.length).toLowerCase();
  if (prefix === "" && slash === "") return [];
  const matching = (names: readonly string[]) =>
    names.filter((name) => name.toLowerCase().startsWith(prefix));
  const users = unique([...matching(sources.usersHere), ...matching(sources.users)]);
  const rooms = matching(sources.rooms);
  if (before === "") {
    const commands = matching(sources.commands).map((name) => `${slash}${name} `);
    return unique(slash ? commands : [...commands, ...users.map((user) => `${user}: `)]);
  }
  const command = before.split(/\s+/)[0]!.replace(/^\//, "").toLowerCase();
  const firstArgument = !/\s/.test(before);
  if (firstArgument && ROOM_COMMANDS.has(command)) {
    // A room's name with spaces is quoted, as the server reads it.
    return unique([...rooms.map(quoteArgument), ...users].map((name) => `${name} `));
  }
  // After a user command, and everywhere else: users first, then rooms.
  return unique([...users, ...rooms].map((name) => `${name} `));
}

function unique(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
