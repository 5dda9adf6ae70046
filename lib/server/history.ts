/**
 * The core's history: every room line, shout and private message gets a message id as it is
 * said, is kept in the {@link HistoryStore} (unless `--history off`), and can be read back — the
 * last lines of a room on `join`/`enter`, `history` in the forms of IRCv3 CHATHISTORY (latest,
 * before, after, around an id), and `search`. Only members of a room read its history, only the
 * two people in a private conversation read theirs, shouts are for every user, and lines from
 * users the reader blocks are left out.
 *
 * @module
 */

import { type CommandError, fail, isError } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import {
  type BroadcastEvent,
  EncodedEvent,
  type MessageEvent,
  type PrivateEvent,
  quoteArgument,
} from "../shared/protocol.ts";
import { sanitizeText } from "../shared/sanitize.ts";
import type { Session } from "./session.ts";
import { HistoryStore, pairTarget, type Range, type StoredLine } from "./history_store.ts";
import type { Accounts } from "./accounts.ts";
import type { Room } from "./room.ts";
import type { User } from "./user.ts";
import { counted } from "./name_list.ts";

/** How history finds a room a reader names (the room service's lookup). */
export type FindRoom = (ref: string) => Room | CommandError;

/** A line that is kept: a room line, a private message or a shout. */
export type KeptEvent = MessageEvent | PrivateEvent | BroadcastEvent;

/** The most lines one `history` or `search` answers with (`help history` says so). */
export const MAX_PAGE = 100;
/** The most lines one `search` answers with. */
export const SEARCH_RESULTS = 20;
/** The longest `search` query, in characters, and the most words in it. */
export const MAX_SEARCH_CHARS = 200;
export const MAX_SEARCH_WORDS = 10;

/** Sequence numbers grow with time: this many per millisecond (ids stay unique across restarts). */
const SEQ_PER_MS = 1024;

/** A message id for a sequence number, and back (undefined for anything that is not one). */
export function idOf(seq: number): string {
  return seq.toString(36);
}

export function seqOf(id: string): number | undefined {
  if (!/^[0-9a-z]{1,12}$/.test(id)) return undefined;
  const seq = parseInt(id, 36);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { ServerConfig } from "./config.ts";
 * import type { RoomService } from "./room_service.ts";
 * import type { MessageEvent } from "../shared/protocol.ts";
 *
 * declare const config: ServerConfig;
 * declare const rooms: RoomService;
 * declare const accounts: Accounts;
 *
 * const history = History.open(config, (ref) => rooms.find(ref), accounts, console.error);
 * const event = history.keep<MessageEvent>({
 *   type: "message",
 *   from: "alice",
 *   room: "lobby",
 *   text: "hi",
 *   time: new Date(),
 * });
 * event.id; // "…", the same whenever the line is shown again
 * ```
 */
export class History {
  #lastSeq = 0;

  private constructor(
    readonly config: ServerConfig,
    readonly store: HistoryStore | null,
    readonly findRoom: FindRoom,
    readonly accounts: Accounts,
  ) {
    this.#lastSeq = store?.maxSeq() ?? 0;
  }

  /** Opens the history store in the data folder (none with `--history off`). */
  static open(
    config: ServerConfig,
    findRoom: FindRoom,
    accounts: Accounts,
    log: (msg: string) => void,
  ): History {
    const store = config.history
      ? HistoryStore.open(config.dataDir, {
        days: config.historyDays,
        maxPerTarget: config.historyMax,
      }, { log })
      : null;
    return new History(config, store, findRoom, accounts);
  }

  /**
   * Gives a line its id and time order, and keeps it; returns the line as it goes out. A room line
   * comes with its room's history key (its name and when it was opened).
   */
  keep<E extends KeptEvent>(event: E, target?: string): E {
    // Time-based, so a line said after a restart sorts after any said before a crash that lost
    // the last batch (whose ids clients may have seen).
    const seq = this.#lastSeq = Math.max(this.#lastSeq + 1, event.time.getTime() * SEQ_PER_MS);
    // The event is the caller's own, just made: it takes its id rather than being copied.
    const kept = Object.assign(event, { id: idOf(seq) });
    this.store?.add({
      seq,
      target: target ?? this.#targetOf(kept),
      time: event.time.getTime(),
      kind: event.type,
      sender: event.from,
      recipient: event.type === "private" ? event.to : null,
      room: event.type === "message" ? event.room : null,
      text: event.text,
    });
    return kept;
  }

  /**
   * Sends a user who just joined a room its last `--join-replay` lines (as history), then a
   * `history` notice marking the end, before any live line. A room with nothing kept sends
   * nothing.
   */
  replay(session: Session, user: User, room: Room): void {
    const roomName = room.name;
    const count = this.config.joinReplay;
    if (count === 0 || this.store === null) return;
    const lines = this.store.read(
      room.historyKey,
      { kind: "latest" },
      count,
      (l) => !user.blocks(l.sender.toLowerCase()),
    );
    if (lines.length === 0) return;
    this.#send(session, lines);
    session.sendEvent({
      type: "notice",
      kind: "history",
      room: roomName,
      text: `end of history: ${counted(lines.length, "earlier line")} of ${roomName}${
        olderHint(roomName, lines)
      }`,
      time: new Date(),
    });
  }

  /**
   * `history <target> [before|after|around <id>] [N]`: sends the lines as history events and
   * returns how many, or why not.
   */
  read(
    session: Session,
    user: User,
    targetRef: string,
    range: { kind: Range["kind"]; id?: string },
    count: number,
  ): { target: string; count: number; older: string } | CommandError {
    if (this.store === null) {
      return fail("FORBIDDEN", "this server keeps no history (--history off)");
    }
    const target = this.#readableTarget(user, targetRef);
    if (isError(target)) return target;
    let where: Range = { kind: "latest" };
    if (range.kind !== "latest") {
      const seq = seqOf(range.id ?? "");
      if (seq === undefined) {
        return fail("BAD_FORMAT", `not a message id: ${(range.id ?? "").slice(0, 20)}`);
      }
      // An id of a line no longer kept still orders by the time it stands for.
      const line = this.store.find(seq);
      where = { kind: range.kind, seq, time: line?.time ?? Math.floor(seq / SEQ_PER_MS) };
    }
    const lines = this.store.read(
      target.key,
      where,
      Math.min(count, MAX_PAGE),
      (l) => !user.blocks(l.sender.toLowerCase()),
    );
    this.#send(session, lines);
    return { target: target.name, count: lines.length, older: olderHint(target.name, lines) };
  }

  /** `search <words>`: lines the user may read whose text has all the words, newest first. */
  search(session: Session, user: User, query: string): number | CommandError {
    if (this.store === null) {
      return fail("FORBIDDEN", "this server keeps no history (--history off)");
    }
    if (query.length > MAX_SEARCH_CHARS) {
      return fail("BAD_FORMAT", `a search is at most ${MAX_SEARCH_CHARS} characters`);
    }
    // Control characters (a NUL ends an FTS5 string) are no part of a word anyone typed.
    const words = sanitizeText(query).split(/\s+/).filter(Boolean);
    if (words.length === 0) return fail("BAD_FORMAT", "usage: search <words...>");
    if (words.length > MAX_SEARCH_WORDS) {
      return fail("BAD_FORMAT", `a search is at most ${MAX_SEARCH_WORDS} words`);
    }
    const targets = [
      ...[...user.rooms].map((room) => room.historyKey),
      ...this.store.conversationsOf(user.key),
      "*",
    ];
    let lines: StoredLine[];
    try {
      lines = this.store.search(
        targets,
        words,
        SEARCH_RESULTS,
        (l) => !user.blocks(l.sender.toLowerCase()),
      );
    } catch {
      // Every word is quoted for FTS5; should its parser still refuse one, say so, plainly.
      return fail("BAD_FORMAT", "that search could not be read; try plain words");
    }
    this.#send(session, lines);
    return lines.length;
  }

  /** A user was renamed: their lines and private conversations follow the new name. */
  renamed(oldName: string, newName: string): void {
    this.store?.rename(oldName, newName);
  }

  /** Writes what is waiting and closes the store (shutdown). */
  close(): void {
    this.store?.close();
  }

  #targetOf(event: KeptEvent): string {
    switch (event.type) {
      case "message":
        return `#${event.room.toLowerCase()}`;
      case "private":
        return pairTarget(event.from, event.to);
      case "broadcast":
        return "*";
    }
  }

  /** The history a user names, if they may read it: a room they are in, a user, or `*`. */
  #readableTarget(user: User, ref: string): { key: string; name: string } | CommandError {
    if (ref === "*") return { key: "*", name: "*" };
    const room = this.findRoom(ref);
    if (!isError(room)) {
      return room.members.has(user)
        ? { key: room.historyKey, name: room.name }
        : fail("NOT_IN_ROOM", `you are not in ${room.name}; only its members read its history`);
    }
    const account = this.accounts.get(ref);
    if (account) return { key: pairTarget(user.name, account.name), name: account.name };
    return fail("NO_SUCH_ROOM", `no room or user called ${ref.slice(0, 64)}`);
  }

  #send(session: Session, lines: StoredLine[]): void {
    for (const line of lines) session.send(new EncodedEvent(eventOf(line)));
  }
}

/**
 * ` (older: history <target> before <id>)` after a page of lines, or nothing: the text
 * presentation shows no ids, so this is how a telnet user pages back.
 */
function olderHint(target: string, lines: StoredLine[]): string {
  const first = lines[0];
  if (first === undefined) return "";
  return ` (older: history ${quoteArgument(target)} before ${idOf(first.seq)})`;
}

/** A kept line as the event it was, marked as history. */
function eventOf(line: StoredLine): KeptEvent {
  const base = { id: idOf(line.seq), time: new Date(line.time), text: line.text, history: true };
  switch (line.kind) {
    case "message":
      return { type: "message", from: line.sender, room: line.room ?? "", ...base };
    case "private":
      return { type: "private", from: line.sender, to: line.recipient ?? "", ...base };
    case "broadcast":
      return { type: "broadcast", from: line.sender, ...base };
  }
}
