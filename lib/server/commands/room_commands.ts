/**
 * Commands about rooms: create, start, rooms, enter, join, switch, leave, say.
 *
 * @module
 */

import { fail, isError, type Outcome } from "../command_table.ts";
import type { Room } from "../room.ts";
import type { RoomSummary } from "../room_service.ts";
import { type Command, roomState, type UserContext } from "./context.ts";
import { counted } from "../name_list.ts";

/** Replies to a room change with the user's rooms as data. */
function roomReply(context: UserContext, command: string, room: Room, text: string): void {
  context.session.reply(command, text, roomState(context.user, room));
}

/** Opens a room led by the user (see {@link RoomService.open}) and replies. */
function openRoom(context: UserContext, command: string, name: string, alone: boolean): Outcome {
  const room = context.chat.rooms.open(context.user, name, alone);
  if (isError(room)) return room;
  roomReply(context, command, room, `you opened room #${room.id} ${room.name} and lead it`);
}

const create: Command = {
  name: "create",
  activity: "args",
  usage: "<room>",
  summary: "open a room (one word) that you lead, leaving your other rooms",
  access: "user",
  run: (context, [name]) => openRoom(context, "create", name!, true),
};

const start: Command = {
  name: "start",
  activity: "args",
  usage: "<topic...>",
  summary: "open a room named by a topic (spaces allowed) that you lead",
  access: "user",
  run: (context, [topic]) => openRoom(context, "start", topic!.replace(/\s+/g, " "), false),
};

const rooms: Command = {
  name: "rooms",
  usage: "[all]",
  summary: "the open rooms: number, name, leader, members (rooms all: administrators, with names)",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }, [all]) {
    if (all !== undefined) {
      if (all.toLowerCase() !== "all") return fail("BAD_FORMAT", "usage: rooms [all]");
      if (!chat.directory.isAdmin(user.name)) {
        return fail("FORBIDDEN", "rooms all is for administrators only");
      }
    }
    // rooms all adds each room's member names to the same lines and data.
    const list: (RoomSummary & { names?: string[] })[] = all === undefined
      ? chat.rooms.list()
      : chat.rooms.list().map((summary) => {
        const room = chat.rooms.find(`#${summary.id}`);
        return { ...summary, names: isError(room) ? [] : [...room.members].map((m) => m.name) };
      });
    const lines = list.map((room) =>
      `  #${room.id} ${room.name}: ${counted(room.members, "member")}, ` +
      (room.leader ? `led by ${room.leader}` : "permanent") +
      (room.names?.length ? `: ${room.names.join(", ")}` : "")
    );
    session.reply(
      "rooms",
      [`${counted(list.length, "room")}:`, ...lines].join("\n"),
      list,
    );
  },
};

const enter: Command = {
  name: "enter",
  activity: "args",
  usage: "<room...>",
  summary: "leave your rooms and enter this one",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = chat.rooms.find(ref!);
    if (isError(room)) return room;
    chat.rooms.enter(user, room);
    roomReply(context, "enter", room, `you entered ${room.name} (${chat.rooms.membersText(room)})`);
    chat.history.replay(context.session, user, room);
  },
};

const join: Command = {
  name: "join",
  activity: "args",
  usage: "<room...>",
  summary: "join a room as well as the ones you are in; it becomes your current room",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = chat.rooms.find(ref!);
    if (isError(room)) return room;
    const joined = chat.rooms.join(user, room);
    if (isError(joined)) return joined;
    const text = joined.already
      ? `you are already in ${room.name}; it is your current room`
      : `you joined ${room.name} (${chat.rooms.membersText(room)})`;
    roomReply(context, "join", room, text);
    if (!joined.already) chat.history.replay(context.session, user, room);
  },
};

const switchRoom: Command = {
  name: "switch",
  activity: "args",
  aliases: ["cd"],
  usage: "<room...>",
  summary: "make a room you are in your current room",
  access: "user",
  cost: 0.5,
  run(context, [ref]) {
    const room = context.chat.rooms.memberRoom(context.user, ref!);
    if (isError(room)) return room;
    context.user.speakIn(room);
    roomReply(context, "switch", room, `now speaking in ${room.name}`);
  },
};

const leave: Command = {
  name: "leave",
  activity: "args",
  usage: "[room...]",
  summary: "leave a room (your current one by default)",
  access: "user",
  run(context, [ref]) {
    const { chat, user } = context;
    const room = ref === undefined ? user.current : chat.rooms.memberRoom(user, ref);
    if (room === null) return fail("NOT_IN_ROOM", "you are not in any room");
    if (isError(room)) return room;
    chat.rooms.leave(user, room);
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
    const room = chat.rooms.memberRoom(user, ref!, true);
    if (isError(room)) return room;
    return chat.rooms.say(user, room, message!);
  },
};

/** The room commands. */
export const ROOM_COMMANDS: Command[] = [create, start, rooms, enter, join, switchRoom, leave, say];
