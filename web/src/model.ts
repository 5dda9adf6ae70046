/**
 * What the page shows, kept up to date from the server's events: the conversations in the side
 * list (the server's window, rooms, private conversations) with their lines and unread counts,
 * the members of each room with their presence, the users blocked, and the rooms that exist. No
 * DOM here: the components render it, and tests drive it with events.
 *
 * @module
 */

import type { NoticeKind, WireEvent } from "../../lib/shared/protocol.ts";
import { loginData, ROOM_COMMANDS } from "../../lib/shared/reconnect.ts";
import { mentions } from "./mention.ts";

/** The most lines kept per conversation. */
export const MAX_LINES = 500;

/** One line shown. `from` is a user, `*` (the server) or `!` (this page). */
export interface Line {
  id: number;
  kind: "message" | "private" | "broadcast" | "notice" | "reply" | "error" | "local";
  from: string;
  time: Date;
  text: string;
  /** A line this user sent. */
  own?: boolean;
  /** Mentions this user's name. */
  mention?: boolean;
  /** A private message kept while this user was offline. */
  offline?: boolean;
  /** Typed while the connection was down; sent when it is back. */
  queued?: boolean;
  noticeKind?: NoticeKind;
  /** Who a notice is about. */
  user?: string;
}

/** A conversation in the side list. */
export interface Conversation {
  /** `server`, `room:<name>` or `private:<name>`, lower case. */
  key: string;
  kind: "server" | "room" | "private";
  name: string;
  lines: Line[];
  unread: number;
  mentions: number;
  /** A room: whether this user is in it. */
  joined: boolean;
  /** A room closed by its leader: why. */
  closed?: string;
}

/** A member of a room as shown in the member list. */
export interface Member {
  name: string;
  /** `online`, or `reconnecting` (their connection dropped; the server holds their session). */
  presence: "online" | "reconnecting";
}

/** An open room, from the `rooms` reply. */
export interface RoomInfo {
  id: number;
  name: string;
  leader: string | null;
  members: number;
}

/** Something to alert the user about (a mention, a private message). */
export interface Alert {
  key: string;
  title: string;
  body: string;
}

/** What applying an event asks of the page. */
export interface Applied {
  alert?: Alert;
  /** The member lists are stale: ask `who`. */
  needWho?: boolean;
  /** Room numbers are needed (a room whose name has spaces): ask `rooms`. */
  needRooms?: boolean;
}

export const SERVER_KEY = "server";

/** The key of a room's conversation. */
export function roomKey(name: string): string {
  return `room:${name.toLowerCase()}`;
}

/** The key of a private conversation. */
export function privateKey(name: string): string {
  return `private:${name.toLowerCase()}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The page's state.
 *
 * @example
 * ```ts
 * const model = new ChatModel();
 * model.apply({ type: "message", from: "bob", room: "lobby", text: "hi", time: "…" }, false);
 * model.conversation("room:lobby")?.lines.length; // 1
 * ```
 */
export class ChatModel {
  readonly conversations = new Map<string, Conversation>();
  activeKey = SERVER_KEY;
  /** The logged-in user's name (empty when logged out), and whether a guest. */
  me = "";
  guest = false;
  /** Room (lower case) → member (lower case) → member. */
  readonly members = new Map<string, Map<string, Member>>();
  /** Blocked users, lower case. */
  readonly blocks = new Set<string>();
  /** Open rooms, from the last `rooms` reply. */
  rooms: RoomInfo[] = [];
  /** Names seen (for completion), lower case → as written. */
  readonly names = new Map<string, string>();
  /** Bumped on every change (the components re-render on it). */
  version = 0;
  #nextId = 1;

  constructor() {
    this.#ensure(SERVER_KEY, "server", "server");
  }

  /** A conversation by key. */
  conversation(key: string): Conversation | undefined {
    return this.conversations.get(key);
  }

  /** The conversation shown. */
  get active(): Conversation {
    return this.conversations.get(this.activeKey) ?? this.conversations.get(SERVER_KEY)!;
  }

  /** The side list: the server's window, rooms, then private conversations. */
  list(): Conversation[] {
    const all = [...this.conversations.values()];
    return [
      ...all.filter((c) => c.kind === "server"),
      ...all.filter((c) => c.kind === "room"),
      ...all.filter((c) => c.kind === "private"),
    ];
  }

  /** The members of a room, sorted by name. */
  membersOf(room: string): Member[] {
    const map = this.members.get(room.toLowerCase());
    if (!map) return [];
    return [...map.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether lines from this user are hidden. */
  isBlocked(name: string): boolean {
    return this.blocks.has(name.toLowerCase());
  }

  /** Shows a conversation, clearing its unread counts. */
  select(key: string): void {
    if (!this.conversations.has(key)) return;
    this.activeKey = key;
    const c = this.conversations.get(key)!;
    c.unread = 0;
    c.mentions = 0;
    this.version++;
  }

  /** Opens (or shows) the private conversation with a user. */
  openPrivate(name: string): void {
    this.#ensure(privateKey(name), "private", name);
    this.select(privateKey(name));
  }

  /** Removes a private conversation or a room no longer joined from the list. */
  close(key: string): void {
    const c = this.conversations.get(key);
    if (!c || c.kind === "server" || (c.kind === "room" && c.joined)) return;
    this.conversations.delete(key);
    if (this.activeKey === key) this.activeKey = SERVER_KEY;
    this.version++;
  }

  /** Forgets everything of the session (logout). */
  reset(): void {
    for (const key of [...this.conversations.keys()]) {
      if (key !== SERVER_KEY) this.conversations.delete(key);
    }
    this.activeKey = SERVER_KEY;
    this.me = "";
    this.guest = false;
    this.members.clear();
    this.blocks.clear();
    this.rooms = [];
    this.version++;
  }

  /** A line from the page itself (`!`), in the conversation shown (and the server's window). */
  local(text: string, error = false): void {
    const line = this.#line({
      kind: error ? "error" : "local",
      from: "!",
      time: new Date(),
      text,
    });
    this.#add(this.active, line, false);
  }

  /** A line this user sent, shown at once (the server does not echo room lines). */
  own(key: string, text: string, queued: boolean, broadcast = false): void {
    const c = this.conversations.get(key) ?? this.active;
    const line = this.#line({
      kind: broadcast ? "broadcast" : c.kind === "private" ? "private" : "message",
      from: this.me,
      time: new Date(),
      text,
      own: true,
      queued,
    });
    this.#add(c, line, false);
  }

  /** Marks the queued lines as sent (the connection is back). */
  unqueue(): void {
    for (const c of this.conversations.values()) {
      for (const line of c.lines) if (line.queued) line.queued = false;
    }
    this.version++;
  }

  /** Applies one event from the server; `internal` when it answers the page's own query. */
  apply(event: WireEvent, internal: boolean): Applied {
    this.version++;
    const time = new Date(event.time);
    switch (event.type) {
      case "message": {
        const c = this.#ensure(roomKey(event.room), "room", event.room);
        this.#seen(event.from);
        const mention = mentions(event.text, this.me) && !this.#isMe(event.from);
        this.#add(
          c,
          this.#line({ kind: "message", from: event.from, time, text: event.text, mention }),
        );
        return mention
          ? { alert: { key: c.key, title: `${event.from} in ${event.room}`, body: event.text } }
          : {};
      }
      case "private": {
        const other = this.#isMe(event.from) ? event.to : event.from;
        this.#seen(other);
        const c = this.#ensure(privateKey(other), "private", other);
        const line = this.#line({
          kind: "private",
          from: event.from,
          time,
          text: event.text,
          offline: event.offline === true,
          mention: mentions(event.text, this.me),
        });
        this.#add(c, line);
        return {
          alert: {
            key: c.key,
            title: `${event.from} (${event.offline ? "offline message" : "private"})`,
            body: event.text,
          },
        };
      }
      case "broadcast": {
        this.#seen(event.from);
        const mention = mentions(event.text, this.me);
        const line = this.#line({
          kind: "broadcast",
          from: event.from,
          time,
          text: event.text,
          mention,
        });
        this.#add(this.active, line);
        if (this.active.key !== SERVER_KEY) {
          this.#add(this.#server, { ...line, id: this.#nextId++ });
        }
        return mention
          ? { alert: { key: this.active.key, title: `${event.from} (shout)`, body: event.text } }
          : {};
      }
      case "group": {
        // Shown where the user is looking, like a shout, naming the group; `/group msg` answers.
        this.#seen(event.from);
        const mention = mentions(event.text, this.me);
        this.#add(
          this.active,
          this.#line({
            kind: "private",
            from: event.from,
            time,
            text: `[${event.group}] ${event.text}`,
            offline: event.offline === true,
            mention,
          }),
        );
        return {
          alert: {
            key: this.active.key,
            title: `${event.from} in ${event.group}`,
            body: event.text,
          },
        };
      }
      case "notice":
        return this.#notice(event, time);
      case "reply":
        return this.#reply(event, time, internal);
      case "error":
        if (!internal) {
          this.#add(
            this.active,
            this.#line({ kind: "error", from: "*", time, text: event.text }),
            false,
          );
        }
        return {};
    }
  }

  #notice(event: WireEvent & { type: "notice" }, time: Date): Applied {
    const line = this.#line({
      kind: "notice",
      from: "*",
      time,
      text: event.text,
      noticeKind: event.kind,
      user: event.user,
    });
    if (event.room !== undefined) {
      const key = roomKey(event.room);
      const c = this.conversations.get(key);
      const members = this.members.get(event.room.toLowerCase());
      if (event.user) this.#seen(event.user);
      switch (event.kind) {
        case "enter":
        case "back":
          if (event.user) {
            members?.set(event.user.toLowerCase(), { name: event.user, presence: "online" });
          }
          break;
        case "leave":
          if (event.user) members?.delete(event.user.toLowerCase());
          break;
        case "lost":
          if (event.user) {
            members?.set(event.user.toLowerCase(), { name: event.user, presence: "reconnecting" });
          }
          break;
        case "closed":
          if (c) {
            c.joined = false;
            c.closed = event.text;
          }
          this.members.delete(event.room.toLowerCase());
          break;
      }
      if (c) this.#add(c, line, false);
      else this.#add(this.#server, line, false);
      return event.kind === "summary" ? { needWho: true } : {};
    }
    this.#add(this.#server, line, false);
    if (this.active.key !== SERVER_KEY && event.kind !== "welcome") {
      this.#add(this.active, { ...line, id: this.#nextId++ }, false);
    }
    return {};
  }

  #reply(event: WireEvent & { type: "reply" }, time: Date, internal: boolean): Applied {
    const data = event.data;
    const command = event.command;
    const line = this.#line({ kind: "reply", from: "*", time, text: event.text });
    const applied: Applied = {};
    const login = command === "login" ? loginData(data) : undefined;
    if (login) {
      const first = this.me === "";
      this.me = login.user;
      this.guest = login.guest;
      this.#seen(login.user);
      this.#syncRooms(login.rooms);
      if (first && login.current !== null) this.select(roomKey(login.current));
      this.#add(this.#server, line, false);
      applied.needWho = !this.guest;
      return applied;
    }
    if (ROOM_COMMANDS.has(command) && isRecord(data) && Array.isArray(data.rooms)) {
      const rooms = data.rooms.filter((r): r is string => typeof r === "string");
      const room = typeof data.room === "string" ? data.room : undefined;
      this.#syncRooms(rooms, command === "leave" && !internal ? room : undefined);
      if (room !== undefined && command !== "leave") {
        const c = this.#ensure(roomKey(room), "room", room);
        c.closed = undefined;
        if (!internal) {
          this.#add(c, line, false);
          this.select(c.key);
        }
        applied.needWho = true;
        if (/\s/.test(room)) applied.needRooms = true;
      } else if (!internal) {
        this.#add(this.active, line, false);
      }
      return applied;
    }
    switch (command) {
      case "who":
      case "whoelse":
        if (Array.isArray(data)) this.#members(data, command === "who");
        break;
      case "rooms":
        if (Array.isArray(data)) {
          this.rooms = data.filter(isRecord).map((r) => ({
            id: Number(r.id),
            name: String(r.name),
            leader: typeof r.leader === "string" ? r.leader : null,
            members: Number(r.members),
          }));
        }
        break;
      case "block":
      case "unblock":
        if (isRecord(data) && typeof data.user === "string") {
          if (data.blocked === true) this.blocks.add(data.user.toLowerCase());
          else this.blocks.delete(data.user.toLowerCase());
        }
        break;
      case "blocks":
        if (Array.isArray(data)) {
          this.blocks.clear();
          for (const name of data) {
            if (typeof name === "string") this.blocks.add(name.toLowerCase());
          }
        }
        break;
      case "tell":
        if (isRecord(data) && typeof data.to === "string" && typeof data.text === "string") {
          const c = this.#ensure(privateKey(data.to), "private", data.to);
          this.#add(
            c,
            this.#line({
              kind: "private",
              from: this.me,
              time,
              text: data.text,
              own: true,
              offline: data.offline === true,
            }),
            false,
          );
          if (data.offline === true && !internal) this.#add(c, line, false);
          return applied;
        }
        break;
      case "logout":
        return applied;
    }
    if (!internal) this.#add(this.active, line, false);
    return applied;
  }

  /** Rebuilds member lists from a `who` (or `whoelse`) reply. */
  #members(data: unknown[], complete: boolean): void {
    if (complete) this.members.clear();
    for (const entry of data) {
      if (!isRecord(entry) || typeof entry.user !== "string" || !Array.isArray(entry.rooms)) {
        continue;
      }
      this.#seen(entry.user);
      for (const room of entry.rooms) {
        if (typeof room !== "string") continue;
        const key = room.toLowerCase();
        const map = this.members.get(key) ?? new Map<string, Member>();
        map.set(entry.user.toLowerCase(), {
          name: entry.user,
          presence: entry.online === false ? "reconnecting" : "online",
        });
        this.members.set(key, map);
      }
    }
  }

  /** Marks the rooms joined: these are in, every other room is not (`left` is removed). */
  #syncRooms(rooms: string[], left?: string): void {
    const inRooms = new Set(rooms.map((r) => r.toLowerCase()));
    for (const room of rooms) {
      const c = this.#ensure(roomKey(room), "room", room);
      c.joined = true;
      c.closed = undefined;
    }
    for (const c of this.conversations.values()) {
      if (c.kind === "room" && !inRooms.has(c.name.toLowerCase())) c.joined = false;
    }
    if (left !== undefined) {
      const key = roomKey(left);
      this.conversations.delete(key);
      if (this.activeKey === key) {
        const next = rooms.length ? roomKey(rooms.at(-1)!) : SERVER_KEY;
        this.activeKey = this.conversations.has(next) ? next : SERVER_KEY;
      }
    }
  }

  get #server(): Conversation {
    return this.conversations.get(SERVER_KEY)!;
  }

  #isMe(name: string): boolean {
    return this.me !== "" && name.toLowerCase() === this.me.toLowerCase();
  }

  #seen(name: string): void {
    if (name !== "*" && name !== "!") this.names.set(name.toLowerCase(), name);
  }

  #ensure(key: string, kind: Conversation["kind"], name: string): Conversation {
    let c = this.conversations.get(key);
    if (!c) {
      c = { key, kind, name, lines: [], unread: 0, mentions: 0, joined: kind !== "room" };
      this.conversations.set(key, c);
      this.version++;
    }
    return c;
  }

  #line(fields: Omit<Line, "id">): Line {
    return { id: this.#nextId++, ...fields };
  }

  /** Adds a line; `counts` says whether it counts as unread when the conversation is not shown. */
  #add(c: Conversation, line: Line, counts = true): void {
    c.lines.push(line);
    if (c.lines.length > MAX_LINES) c.lines.splice(0, c.lines.length - MAX_LINES);
    const hidden = line.from !== "*" && line.from !== "!" && this.isBlocked(line.from);
    if (counts && !line.own && !hidden && c.key !== this.activeKey) {
      c.unread++;
      if (line.mention || c.kind === "private") c.mentions++;
    }
    this.version++;
  }
}
