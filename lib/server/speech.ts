/**
 * The check every sending path makes before a line goes out (room lines, `say`, `tell`, `shout`,
 * group messages): mutes and the word filter. The services that send call a {@link Screen}
 * first; the chat gives them the moderation service's.
 *
 * @module
 */

import type { CommandError } from "./command_table.ts";
import type { Room } from "./room.ts";
import type { User } from "./user.ts";

/** Where a line is going. */
export type SpeechPlace =
  | { kind: "room"; room: Room }
  | { kind: "private"; to: string }
  | { kind: "shout" }
  | { kind: "group"; group: string; members: string[] };

/** The text to send (masked, maybe), or why it may not be sent (`MUTED`, `FILTERED`). */
export type Screen = (user: User, text: string, place: SpeechPlace) => string | CommandError;

/**
 * A screen that lets everything through (tests of a service on its own).
 *
 * @example
 * ```ts
 * import type { User } from "./user.ts";
 *
 * declare const user: User;
 *
 * allowAll(user, "hi", { kind: "shout" }); // "hi"
 * ```
 */
export const allowAll: Screen = (_user, text) => text;
