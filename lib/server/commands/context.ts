/**
 * What every command handler is given, typed by who may use the command: a handler of a `user`
 * command gets the user; one that guests or anyone may use gets no user to reach for.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Room } from "../room.ts";
import type { Session } from "../session.ts";
import type { User } from "../user.ts";

/** A command's surroundings before login (or as a guest). */
export interface SessionContext {
  chat: Chat;
  session: Session;
  now: Date;
}

/** A logged-in user's command's surroundings. */
export interface UserContext extends SessionContext {
  user: User;
}

/** A command of the server's table: its access decides its context. */
export type Command =
  | (CommandSpec<UserContext> & { access: "user" | "admin" })
  | (CommandSpec<SessionContext> & { access: "anyone" | "guest" });

/** The reply data of every command that changes a user's rooms. */
export function roomState(user: User, room: Room): {
  room: string;
  rooms: string[];
  current: string | null;
} {
  return { room: room.name, rooms: user.roomNames(), current: user.current?.name ?? null };
}
