/**
 * What every command handler is given, and helpers the handlers share.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import { type CommandError, type CommandSpec, fail } from "../command_table.ts";
import type { Room } from "../room.ts";
import type { Session } from "../session.ts";
import type { User } from "../user.ts";

/** A command's surroundings. `user` is set for commands with `user` access. */
export interface CommandContext {
  chat: Chat;
  session: Session;
  user: User;
  now: Date;
}

/** A command of the server's table. */
export type Command = CommandSpec<CommandContext>;

/** Finds a room by number or name, or says there is none. */
export function findRoom(chat: Chat, ref: string): Room | CommandError {
  return chat.rooms.find(ref) ??
    fail("NO_SUCH_ROOM", `no such room: ${ref.slice(0, 64)}; rooms lists them`);
}

/** Whether a value is a {@link CommandError} rather than what was looked for. */
export function isError(value: unknown): value is CommandError {
  return typeof value === "object" && value !== null && "code" in value;
}

/** An account by name, or NO_SUCH_USER. */
export function findAccount(
  chat: Chat,
  name: string,
): { name: string; role: "user" | "admin" } | CommandError {
  return chat.accounts.get(name) ?? fail("NO_SUCH_USER", `no such user: ${name.slice(0, 32)}`);
}

/** Whether the user named `target` blocks the user with key `senderKey`, online or not. */
export function blocks(chat: Chat, target: string, senderKey: string): boolean {
  const online = chat.users.get(target.toLowerCase());
  if (online) return online.blocks(senderKey);
  return chat.store.blocksOf(target).some((name) => name.toLowerCase() === senderKey);
}

/** The reply data of every command that changes a user's rooms. */
export function roomState(user: User, room: Room): {
  room: string;
  rooms: string[];
  current: string | null;
} {
  return { room: room.name, rooms: user.roomNames(), current: user.current?.name ?? null };
}
