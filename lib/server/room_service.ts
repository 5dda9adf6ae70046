/**
 * The core's room operations: finding, opening, entering, joining, switching, leaving and closing
 * rooms, speaking in them, and the notices members get (summarised in big rooms). Command
 * handlers call these; nothing else changes a room's membership.
 *
 * @module
 */

import { type CommandError, fail, isError } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import { nameList } from "./name_list.ts";
import {
  EncodedEvent,
  MAX_ROOM_NAME,
  type MessageEvent,
  type NoticeKind,
} from "../shared/protocol.ts";
import { sanitizeText } from "../shared/sanitize.ts";
import type { Room } from "./room.ts";
import { Rooms } from "./rooms.ts";
import type { RoomStore } from "./room_store.ts";
import { allowAll, type Screen } from "./speech.ts";
import type { User } from "./user.ts";

/** A room as `rooms` lists it. */
export interface RoomSummary {
  id: number;
  name: string;
  leader: string | null;
  members: number;
}

/**
 * @example
 * ```ts
 * import type { ServerConfig } from "./config.ts";
 * import type { History } from "./history.ts";
 * import type { Logger } from "./log.ts";
 *
 * declare const config: ServerConfig;
 * declare const log: Logger;
 * declare const history: History;
 *
 * const rooms = new RoomService(config, log, (event) => history.keep(event));
 * const lobby = rooms.find("lobby");
 * ```
 */
export class RoomService {
  readonly #rooms = new Rooms();
  /** Mutes and the word filter, checked before a line is spoken (the chat sets moderation's). */
  screen: Screen = allowAll;

  /**
   * `keep` gives a room line its id and keeps it in history (the core's {@link History});
   * `transcribe` writes a room's lines and notices to its transcript.
   */
  constructor(
    readonly config: ServerConfig,
    readonly log: Logger,
    readonly keep: <E extends MessageEvent>(event: E, target: string) => E = (event) => event,
    readonly transcribe: (room: string, sender: string, text: string) => void = () => {},
    readonly saved: RoomStore | null = null,
    /** Told when a room closes (its room mutes end with it). */
    readonly onClosed: (room: Room) => void = () => {},
  ) {}

  /**
   * Brings back the rooms open before a restart, with their numbers; each waits `--grace`
   * seconds for its leader to come back and join it, and closes if they do not.
   */
  restore(): void {
    for (const saved of this.saved?.list() ?? []) {
      const room = this.#rooms.restore(saved.id, saved.name, saved.leader, saved.since);
      if (room === undefined) continue;
      room.leaderTimer = setTimeout(() => {
        room.leaderTimer = undefined;
        if (room.awaitedLeader !== null) {
          this.close(room, `its leader ${saved.leader} did not come back after the restart`);
        }
      }, this.config.grace * 1000);
    }
  }

  /** A room by number (`3`, `#3`) or name, or NO_SUCH_ROOM. */
  find(ref: string): Room | CommandError {
    return this.#rooms.find(ref) ??
      fail("NO_SUCH_ROOM", `no such room: ${ref.slice(0, 64)}; rooms lists them`);
  }

  /**
   * The room a one-word reference names (`say`'s first argument), or NO_SUCH_ROOM saying how to
   * name a room whose name has spaces.
   */
  findWord(ref: string): Room | CommandError {
    return this.#rooms.find(ref) ??
      fail(
        "NO_SUCH_ROOM",
        `no such room: ${ref.slice(0, 64)} (for a room whose name has spaces, use its number ` +
          `or quote the name: rooms lists them)`,
      );
  }

  /** A room the user names, which they must be in (`oneWord`: named by one word, as `say`'s). */
  memberRoom(user: User, ref: string, oneWord = false): Room | CommandError {
    const room = oneWord ? this.findWord(ref) : this.find(ref);
    if (isError(room)) return room;
    return room.members.has(user)
      ? room
      : fail("NOT_IN_ROOM", `you are not in ${room.name}; join it first`);
  }

  /** Every open room, oldest first. */
  list(): RoomSummary[] {
    return this.#rooms.list().map((room) => ({
      id: room.id,
      name: room.name,
      leader: room.leader?.name ?? room.awaitedLeader,
      members: room.members.size,
    }));
  }

  /**
   * Opens a room led by `user`, who joins it; with `alone` (create), the user leaves every other
   * room first, otherwise (start) the per-user room limit applies.
   */
  open(user: User, name: string, alone: boolean): Room | CommandError {
    const bad = checkRoomName(name);
    if (bad) return bad;
    if (this.#rooms.has(name)) return fail("ROOM_EXISTS", `room ${name} exists; join it instead`);
    if (this.#rooms.size >= this.config.maxRooms) {
      return fail("FORBIDDEN", "the server has too many rooms");
    }
    if (!alone) {
      const full = this.#roomLimit(user);
      if (full) return full;
    }
    const room = this.#rooms.create(name, user);
    this.saved?.save({ id: room.id, name: room.name, leader: user.name, since: room.since });
    if (alone) this.#leaveAllBut(user, room);
    this.#add(user, room);
    this.log("room opened", { room: room.name, leader: user.name });
    return room;
  }

  /** Leaves every other room and enters this one. */
  enter(user: User, room: Room): void {
    this.#leaveAllBut(user, room);
    this.#add(user, room);
  }

  /**
   * Joins a room as well as the others; returns whether the user was in it already (it then just
   * becomes the current room).
   */
  join(user: User, room: Room): CommandError | { already: boolean } {
    const already = room.members.has(user);
    if (!already) {
      const full = this.#roomLimit(user);
      if (full) return full;
    }
    this.#add(user, room);
    return { already };
  }

  /**
   * Takes a user out of a room; a room whose leader leaves closes, and the leader is told too when
   * still here (moving on with `enter` or `create`, or leaving it).
   */
  leave(user: User, room: Room): void {
    if (!room.remove(user)) return;
    this.announce(room, "leave", user, `${user.name} left ${room.name}`);
    if (room.leader === user) {
      this.close(room, `its leader ${user.name} left`, user.online ? user : undefined);
    }
  }

  /** Takes a user out of every room (those they lead close). */
  leaveAll(user: User): void {
    for (const room of [...user.rooms]) this.leave(user, room);
  }

  /** Closes a room: every member (and `alsoTell`, its leader who just left) is told and taken out. */
  close(room: Room, why: string, alsoTell?: User): void {
    clearTimeout(room.summaryTimer);
    clearTimeout(room.leaderTimer);
    this.#rooms.remove(room);
    this.saved?.remove(room.id);
    this.onClosed(room);
    const event = new EncodedEvent({
      type: "notice",
      kind: "closed",
      text: `room ${room.name} closed: ${why}`,
      room: room.name,
      time: new Date(),
    });
    for (const member of room.empty()) member.deliver(event, this.config.sendq);
    this.transcribe(room.name, "*", event.event.text);
    alsoTell?.deliver(event, this.config.sendq);
    this.log("room closed", { room: room.name, why });
  }

  /** `3 here: alice, bob, carol` (names cut short in big rooms). */
  membersText(room: Room): string {
    const names = (function* () {
      for (const member of room.members) yield member.name;
    })();
    return `${room.members.size} here: ${nameList(names, room.members.size)}`;
  }

  /** Speaks a line in a room: one encoding, shared by every member who does not block the sender. */
  say(user: User, room: Room, text: string): CommandError | undefined {
    const screened = this.screen(user, text, { kind: "room", room });
    if (isError(screened)) return screened;
    const clean = sanitizeText(screened);
    if (clean === "") return;
    const event = new EncodedEvent(this.keep({
      type: "message",
      from: user.name,
      room: room.name,
      text: clean,
      time: new Date(),
    }, room.historyKey));
    const speaker = user.session;
    room.broadcast(
      event,
      this.config.sendq,
      user,
      user.key,
      speaker ? (queue) => speaker.waitFor(queue) : undefined,
    );
    this.transcribe(room.name, user.name, clean);
  }

  /** Tells a room's members (but `user`) something; big rooms get periodic summaries. */
  announce(room: Room, kind: NoticeKind, user: User, text: string): void {
    this.transcribe(room.name, "*", text);
    if (room.members.size > this.config.bigRoom && kind !== "closed") {
      (kind === "enter" || kind === "back" ? room.entered : room.left).push(user.name);
      room.summaryTimer ??= setTimeout(
        () => this.#summarise(room),
        this.config.summarySeconds * 1000,
      );
      return;
    }
    const event = new EncodedEvent({
      type: "notice",
      kind,
      text,
      room: room.name,
      user: user.name,
      time: new Date(),
    });
    room.broadcast(event, this.config.sendq, user);
  }

  /** Tells each of a user's rooms something about them. */
  announceToRoomsOf(user: User, kind: NoticeKind, text: (room: Room) => string): void {
    for (const room of user.rooms) this.announce(room, kind, user, text(room));
  }

  /** Stops every room's timers (shutdown); the rooms stay stored for the next start. */
  stop(): void {
    for (const room of this.#rooms.list()) {
      clearTimeout(room.summaryTimer);
      clearTimeout(room.leaderTimer);
    }
  }

  #summarise(room: Room): void {
    room.summaryTimer = undefined;
    const parts: string[] = [];
    const { entered, left } = room.takeChanges();
    if (entered.length) {
      parts.push(`${entered.length} entered (${nameList(entered, entered.length, 10)})`);
    }
    if (left.length) parts.push(`${left.length} left (${nameList(left, left.length, 10)})`);
    if (parts.length === 0) return;
    const event = new EncodedEvent({
      type: "notice",
      kind: "summary",
      text: `${room.name}: ${parts.join(", ")}`,
      room: room.name,
      time: new Date(),
    });
    room.broadcast(event, this.config.sendq);
  }

  /** Puts a user in a room (telling its members) and makes it their current room. */
  #add(user: User, room: Room): void {
    if (room.add(user)) {
      this.announce(room, "enter", user, `${user.name} entered ${room.name}`);
      if (room.claim(user)) this.log("room leader back", { room: room.name, leader: user.name });
    } else user.speakIn(room);
  }

  #leaveAllBut(user: User, keep: Room): void {
    for (const room of [...user.rooms]) if (room !== keep) this.leave(user, room);
  }

  #roomLimit(user: User): CommandError | null {
    return user.rooms.size >= this.config.maxRoomsPerUser
      ? fail("FORBIDDEN", `you are in ${user.rooms.size} rooms, the most allowed; leave one first`)
      : null;
  }
}

/** A usable room name: printable, 1-64 characters, not a bare number (numbers name rooms). */
function checkRoomName(name: string): CommandError | null {
  if (sanitizeText(name) !== name || name.length === 0 || name.length > MAX_ROOM_NAME) {
    return fail("BAD_FORMAT", `a room name is 1-${MAX_ROOM_NAME} printable characters`);
  }
  if (/^#?\d+$/.test(name)) return fail("BAD_FORMAT", "a room name cannot be a number");
  return null;
}
