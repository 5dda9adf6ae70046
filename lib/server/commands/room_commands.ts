/**
 * Commands about rooms: create, start, rooms, enter, join, switch, leave, say.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import { nameList } from "../name_list.ts";
import { type CommandError, fail, type Outcome } from "../command_table.ts";
import { MAX_ROOM_NAME } from "../../shared/protocol.ts";
import type { Room } from "../room.ts";
import { sanitizeText } from "../../shared/sanitize.ts";
import type { User } from "../user.ts";
import { type Command, type CommandContext, findRoom, isError, roomState } from "./context.ts";

/** A usable room name: printable, 1-64 characters, not a bare number (numbers name rooms). */
function checkRoomName(name: string): CommandError | null {
  if (sanitizeText(name) !== name || name.length === 0 || name.length > MAX_ROOM_NAME) {
    return fail("BAD_FORMAT", `a room name is 1-${MAX_ROOM_NAME} printable characters`);
  }
  if (/^#?\d+$/.test(name)) return fail("BAD_FORMAT", "a room name cannot be a number");
  return null;
}

/** Replies to a room change with the user's rooms as data. */
function roomReply(context: CommandContext, command: string, room: Room, text: string): void {
  context.session.reply(command, text, roomState(context.user, room));
}

function membersText(room: Room): string {
  const names = (function* () {
    for (const member of room.members) yield member.name;
  })();
  return `${room.members.size} here: ${nameList(names, room.members.size)}`;
}

/** Opens a room led by the user; with `alone`, the user leaves every other room first. */
function openRoom(context: CommandContext, command: string, name: string, alone: boolean): Outcome {
  const { chat, user } = context;
  const bad = checkRoomName(name);
  if (bad) return bad;
  if (chat.rooms.has(name)) return fail("ROOM_EXISTS", `room ${name} exists; join it instead`);
  if (chat.rooms.size >= chat.config.maxRooms) {
    return fail("FORBIDDEN", "the server has too many rooms");
  }
  if (!alone) {
    const full = checkRoomLimit(chat, user);
    if (full) return full;
  }
  const room = chat.rooms.create(name, user);
  if (alone) leaveAllBut(chat, user, room);
  chat.joinRoom(user, room);
  chat.log("room opened", { room: room.name, leader: user.name });
  roomReply(context, command, room, `you opened room #${room.id} ${room.name} and lead it`);
}

function checkRoomLimit(chat: Chat, user: User): CommandError | null {
  return user.rooms.size >= chat.config.maxRoomsPerUser
    ? fail("FORBIDDEN", `you are in ${user.rooms.size} rooms, the most allowed; leave one first`)
    : null;
}

function leaveAllBut(chat: Chat, user: User, keep: Room): void {
  for (const room of [...user.rooms]) if (room !== keep) chat.leaveRoom(user, room);
}

/** The room a user names, which they must be in. */
function memberRoom(chat: Chat, user: User, ref: string): Room | CommandError {
  const room = findRoom(chat, ref);
  if (isError(room)) return room;
  return room.members.has(user)
    ? room
    : fail("NOT_IN_ROOM", `you are not in ${room.name}; join it first`);
}

const create: Command = {
  name: "create",
  usage: "<room>",
  summary: "open a room (one word) that you lead, leaving your other rooms",
  access: "user",
  run: (context, [name]) => openRoom(context, "create", name!, true),
};

const start: Command = {
  name: "start",
  usage: "<topic...>",
  summary: "open a room named by a topic (spaces allowed) that you lead",
  access: "user",
  run: (context, [topic]) => openRoom(context, "start", topic!.replace(/\s+/g, " "), false),
};

const rooms: Command = {
  name: "rooms",
  usage: "",
  summary: "the open rooms: number, name, leader, members",
  access: "user",
  cost: 0.5,
  run({ chat, session }) {
    const list = chat.rooms.list().map((room) => ({
      id: room.id,
      name: room.name,
      leader: room.leader?.name ?? null,
      members: room.members.size,
    }));
    const lines = list.map((room) =>
      `  #${room.id} ${room.name}: ${room.members} member${room.members === 1 ? "" : "s"}, ` +
      (room.leader ? `led by ${room.leader}` : "permanent")
    );
    session.reply(
      "rooms",
      [`${list.length} room${list.length === 1 ? "" : "s"}:`, ...lines].join("\n"),
      list,
    );
  },
};

const enter: Command = {
  name: "enter",
  usage: "<room...>",
  summary: "leave your rooms and enter this one",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = findRoom(chat, ref!);
    if (isError(room)) return room;
    leaveAllBut(chat, user, room);
    chat.joinRoom(user, room);
    roomReply(context, "enter", room, `you entered ${room.name} (${membersText(room)})`);
  },
};

const join: Command = {
  name: "join",
  usage: "<room...>",
  summary: "join a room as well as the ones you are in; it becomes your current room",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = findRoom(chat, ref!);
    if (isError(room)) return room;
    if (!room.members.has(user)) {
      const full = checkRoomLimit(chat, user);
      if (full) return full;
    }
    chat.joinRoom(user, room);
    roomReply(context, "join", room, `you joined ${room.name} (${membersText(room)})`);
  },
};

const switchRoom: Command = {
  name: "switch",
  aliases: ["cd"],
  usage: "<room...>",
  summary: "make a room you are in your current room",
  access: "user",
  cost: 0.5,
  run(context, [ref]) {
    const room = memberRoom(context.chat, context.user, ref!);
    if (isError(room)) return room;
    context.user.current = room;
    roomReply(context, "switch", room, `now speaking in ${room.name}`);
  },
};

const leave: Command = {
  name: "leave",
  usage: "[room...]",
  summary: "leave a room (your current one by default)",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = ref === undefined ? user.current : memberRoom(chat, user, ref);
    if (room === null) return fail("NOT_IN_ROOM", "you are not in any room");
    if (isError(room)) return room;
    chat.leaveRoom(user, room);
    const now = user.current ? `; now speaking in ${user.current.name}` : "";
    roomReply(context, "leave", room, `you left ${room.name}${now}`);
  },
};

const say: Command = {
  name: "say",
  usage: "<room> <message...>",
  summary: "speak in a room you are in (a plain line speaks in your current room)",
  access: "user",
  run({ chat, user }, [ref, message]) {
    const room = memberRoom(chat, user, ref!);
    if (isError(room)) return room;
    chat.say(user, room, message!);
  },
};

/** The room commands. */
export const ROOM_COMMANDS: Command[] = [create, start, rooms, enter, join, switchRoom, leave, say];
