/**
 * The chat itself, independent of any transport: sessions come in, lines go in, events go out.
 * It owns the sessions and their lifecycle (admission, login, the grace period, the end of a
 * session, shutdown) and the core's services, whose operations the command handlers in
 * `commands/` call: {@link RoomService} (rooms), {@link Directory} (people, blocks, presence),
 * {@link Messaging} (tell, shout, mailbox) and {@link Logins} (passwords, lock-outs).
 *
 * @module
 */

import type { Account, Accounts } from "./accounts.ts";
import { isError } from "./command_table.ts";
import { CommandTable } from "./command_table.ts";
import { type Command, COMMANDS } from "./commands/index.ts";
import type { ServerConfig } from "./config.ts";
import type { Connection } from "./connection.ts";
import { Directory } from "./directory.ts";
import { Groups } from "./groups.ts";
import { Moderation, untilText } from "./moderation.ts";
import type { Ban } from "./moderation_store.ts";
import { Renames } from "./renames.ts";
import { History, type KeptEvent } from "./history.ts";
import { Transcripts } from "./transcripts.ts";
import type { Logger } from "./log.ts";
import { Logins } from "./logins.ts";
import { Messaging } from "./messaging.ts";
import { EncodedEvent } from "../shared/protocol.ts";
import { RoomService } from "./room_service.ts";
import { type IncomingLine, Session, type SessionOptions } from "./session.ts";
import type { Store } from "./store.ts";
import type { Room } from "./room.ts";
import type { User } from "./user.ts";

/** How a session ends. */
export type SessionEnd =
  | { kind: "logout" }
  | { kind: "lost"; reason: string }
  | { kind: "takeover" }
  | { kind: "expelled"; reason: string }
  | { kind: "idle" }
  | { kind: "shutdown" };

/** `you are banned until … (reason)`: what a banned account or address is told. */
export function banText(who: string, ban: Ban): string {
  return `${who} banned ${untilText(ban.until)}` + (ban.reason ? ` (${ban.reason})` : "");
}

/** What the chat needs from its surroundings. */
export interface ChatDeps {
  config: ServerConfig;
  accounts: Accounts;
  store: Store;
  log: Logger;
}

const SWEEP_MS = 60_000;

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { ServerConfig } from "./config.ts";
 * import type { Connection } from "./connection.ts";
 * import { stderrLogger } from "./log.ts";
 * import type { Store } from "./store.ts";
 *
 * declare const config: ServerConfig;
 * declare const accounts: Accounts;
 * declare const store: Store;
 * declare const connection: Connection;
 *
 * const chat = new Chat({ config, accounts, store, log: stderrLogger });
 * const admitted = chat.admit("127.0.0.1");
 * if (admitted === null) chat.open(connection).receive("login alice secret");
 * ```
 */
export class Chat {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly commands: CommandTable<Command> = new CommandTable(COMMANDS);
  readonly rooms: RoomService;
  readonly directory: Directory;
  readonly messages: Messaging;
  readonly history: History;
  /** Room transcripts and users' activity logs (null with `--transcripts off`). */
  readonly transcripts: Transcripts | null;
  readonly logins: Logins;
  readonly moderation: Moderation;
  readonly groups: Groups;
  readonly renames: Renames;
  /** Called after an account is renamed (history re-attributes its lines here). */
  readonly #renameListeners: ((oldName: string, newName: string) => void)[] = [];
  readonly #sessions = new Set<Session>();
  #perAddress = new Map<string, number>();
  readonly #sessionOptions: SessionOptions;
  #unauthenticated = 0;
  #sweepTimer: ReturnType<typeof setInterval>;
  #shuttingDown = false;
  /** Connections waiting for their queue to drain before they close. */
  #closing = new Set<Promise<void>>();

  constructor(deps: ChatDeps) {
    this.config = deps.config;
    this.log = deps.config.quiet ? () => {} : deps.log;
    this.directory = new Directory(deps.accounts, deps.store);
    // History finds rooms through the room service, which keeps its lines through history.
    this.history = History.open(
      this.config,
      (ref) => this.rooms.find(ref),
      deps.accounts,
      (msg) => this.log(msg),
    );
    const keep = <E extends KeptEvent>(event: E, target?: string) =>
      this.history.keep(event, target);
    this.transcripts = this.config.transcripts
      ? new Transcripts({
        dir: this.config.logsDir ?? `${this.config.dataDir}/logs`,
        maxBytes: this.config.logMaxBytes,
        keepDays: this.config.logKeepDays,
        archiveDays: this.config.logArchiveDays,
        log: (msg) => this.log(msg),
      })
      : null;
    this.rooms = new RoomService(
      this.config,
      this.log,
      keep,
      (room, sender, text) => this.transcripts?.room(room, sender, text),
      deps.store.rooms,
      (room) => this.moderation.roomClosed(room.name),
    );
    this.rooms.restore();
    this.messages = new Messaging(this.config, this.directory, keep);
    this.logins = new Logins(this.config, deps.accounts, this.log);
    this.moderation = new Moderation(this.config, deps.store.moderation, deps.accounts, this.log);
    // Every sending path checks mutes and the filter first.
    this.rooms.screen = this.moderation.screen;
    this.messages.screen = this.moderation.screen;
    this.groups = new Groups(
      this.config,
      this.directory,
      deps.store.groups,
      (name) => !isError(this.rooms.find(name)),
      this.moderation.screen,
    );
    this.renames = new Renames(this.config, deps.accounts, deps.store, this.log);
    // One options object for every session: nothing per connection that need not be.
    this.#sessionOptions = {
      sendq: this.config.sendq,
      rate: this.config.rate,
      burst: this.config.burst,
      maxWaiting: this.config.maxWaiting,
      maxLine: this.config.maxLine,
      cost: (_session, line) => this.#costOf(line),
      jumpsQueue: (line) =>
        typeof line === "string" && this.#commandOf(line)?.name === "logout" &&
        this.commands.parse(line).kind === "command",
      onThrottled: (session, waiting) =>
        session.notice(
          "info",
          `slow down: ${waiting} line${waiting === 1 ? "" : "s"} waiting ` +
            `(at most ${this.config.rate} a second after a burst of ${this.config.burst})`,
        ),
      handle: (session, line) => this.#handleLine(session, line),
      onQueueFailure: (session, reason) => this.endSession(session, { kind: "lost", reason }),
      onHandlerError: (session, error) => {
        this.log("error", {
          peer: session.connection.peer,
          user: session.user?.name,
          error: String((error as Error)?.stack ?? error),
        });
        session.error("SERVER_ERROR", "the server failed to handle that line; it has been logged");
      },
    };
    this.#sweepTimer = setInterval(() => {
      this.logins.sweep();
      this.moderation.sweep();
    }, SWEEP_MS);
    this.#sweepTimer.unref(); // housekeeping never keeps the process alive
  }

  /** Whether a new connection from `address` may come in; null if so, else the reason. */
  admit(address: string): string | null {
    if (this.#shuttingDown) return "the server is shutting down";
    if (this.#sessions.size >= this.config.maxConnections) return "the server is full";
    if ((this.#perAddress.get(address) ?? 0) >= this.config.maxPerAddress) {
      return "too many connections from your address";
    }
    if (this.#unauthenticated >= this.config.maxUnauthenticated) {
      return "too many connections are waiting to log in; try again soon";
    }
    return null;
  }

  /** Starts a session for a connection that {@link admit} let in. */
  open(connection: Connection): Session {
    const session = new Session(connection, this.#sessionOptions);
    this.#sessions.add(session);
    this.#perAddress.set(connection.address, (this.#perAddress.get(connection.address) ?? 0) + 1);
    this.#unauthenticated++;
    if (this.config.idleTimeout > 0) {
      session.idleTimer = setTimeout(() => {
        session.notice("info", `no login within ${this.config.idleTimeout} s; closing`);
        this.endSession(session, { kind: "idle" });
      }, this.config.idleTimeout * 1000);
    }
    this.log("connect", { peer: connection.peer, session: session.id });
    // A banned address is refused before anything else (admission itself only counts).
    const ban = this.moderation.banFor(null, connection.address);
    if (ban) {
      session.error("BANNED", banText("your address is", ban));
      this.endSession(session, { kind: "expelled", reason: "banned address" });
      return session;
    }
    session.notice(
      "welcome",
      "welcome to parley. login <user> <password>, or login guest to register; help lists commands",
    );
    return session;
  }

  #costOf(line: IncomingLine): number {
    if (typeof line !== "string") return 1;
    return this.#commandOf(line)?.cost ?? 1;
  }

  /** The command a line's first word names, if any (a cheap look, not the full parse). */
  #commandOf(line: string): Command | undefined {
    const word = /^\s*\/?(\S+)/.exec(line)?.[1];
    return word === undefined ? undefined : this.commands.get(word);
  }

  #handleLine(session: Session, line: IncomingLine): void | Promise<void> {
    if (typeof line !== "string") {
      session.error("LINE_TOO_LONG", `line longer than ${this.config.maxLine} bytes; discarded`);
      return;
    }
    const awaited = session.takeAwaitedPassword();
    if (awaited !== null) {
      return this.#runCommand(session, awaited.command, [...awaited.args, line.trim()]);
    }
    const parsed = this.commands.parse(line);
    if (parsed.kind === "error") {
      session.error(parsed.error.code, parsed.error.text, parsed.spec?.name);
      return;
    }
    if (parsed.kind === "chat") return this.#chatLine(session, parsed.text);
    return this.#runCommand(session, parsed.spec.name, parsed.args);
  }

  async #runCommand(session: Session, name: string, args: string[]): Promise<void> {
    const spec = this.commands.get(name)!;
    const now = new Date();
    let outcome;
    if (spec.access === "anyone" || spec.access === "guest") {
      if (spec.access === "guest" && !session.loggedIn && !session.guest) {
        session.error("NOT_LOGGED_IN", "log in first: login <user> <password>", name);
        return;
      }
      outcome = await spec.run({ chat: this, session, now }, args);
    } else {
      const user = session.user;
      if (user === null) {
        if (session.guest) {
          session.error("FORBIDDEN", `guests cannot use ${spec.name}; register, then log in`, name);
        } else session.error("NOT_LOGGED_IN", "log in first: login <user> <password>", name);
        return;
      }
      // Checked before the arguments are looked at: a refusal says nothing about the target.
      if (spec.access === "admin" && !this.directory.isAdmin(user.name)) {
        session.error("FORBIDDEN", `${spec.name} is for administrators only`, name);
        return;
      }
      outcome = await spec.run({ chat: this, session, user, now }, args);
    }
    if (outcome) session.error(outcome.code, outcome.text, spec.name);
    else if (spec.activity && session.user) {
      // The activity log: what changed, never a password or a private message's text.
      const what = spec.activity === "args" ? [spec.name, ...args].join(" ") : spec.name;
      this.transcripts?.user(session.user.name, what);
    }
  }

  #chatLine(session: Session, text: string): void {
    if (text.trim() === "") return;
    const user = session.user;
    if (!user) {
      if (session.guest) {
        session.error("FORBIDDEN", "guests cannot chat; register, then log in");
      } else {
        session.error("NOT_LOGGED_IN", "log in first: login <user> <password>, or help");
      }
      return;
    }
    if (!user.current) {
      session.error(
        "UNKNOWN_COMMAND",
        "you are not in a room: join lobby (or rooms to list them), or help for commands",
      );
      return;
    }
    const refused = this.rooms.say(user, user.current, text);
    if (refused) session.error(refused.code, refused.text);
  }

  /**
   * Binds a session to an account after a successful password check. A user already online is
   * taken over (the old connection is told and closed); one in the grace period is resumed.
   */
  attach(
    session: Session,
    account: Pick<Account, "name" | "role">,
  ): { user: User; resumed: boolean } {
    let user = this.directory.present(account.name);
    let resumed = false;
    if (user) {
      resumed = true;
      const old = user.session;
      user.attach(session);
      if (old) {
        old.notice("takeover", "you logged in from another connection; closing this one");
        this.endSession(old, { kind: "takeover" });
      } else {
        this.rooms.announceToRoomsOf(user, "back", () => `${user!.name} is back`);
        const held = user.takeHeld();
        queueMicrotask(() => this.#replay(session, held));
      }
    } else {
      user = this.directory.arrive(account);
      user.attach(session);
    }
    this.#unauthenticated--; // guests count as not logged in until now
    session.bind(user);
    clearTimeout(session.idleTimer);
    this.directory.recordLogin(user, new Date());
    this.log("login", { user: user.name, peer: session.connection.peer, resumed });
    this.transcripts?.user(
      user.name,
      `login from ${session.connection.peer} over ${session.connection.kind}` +
        (resumed ? " (resumed)" : ""),
    );
    return { user, resumed };
  }

  /**
   * Sends a resumed session the events held for it. The queue already holds the login reply and
   * any offline mail, so only the newest events that fit are sent (with a note of how many older
   * ones were dropped): a replay never overflows the queue and cuts the user off again.
   */
  #replay(session: Session, held: EncodedEvent[]): void {
    if (session.closed || held.length === 0) return;
    let room = session.queue.limit - session.queue.queued - 256; // 256: the note below
    let first = held.length;
    while (first > 0) {
      const size = held[first - 1]!.bytes(session.mode).length;
      if (size > room) break;
      room -= size;
      first--;
    }
    if (first > 0) {
      session.notice(
        "info",
        `${first} older message${first === 1 ? "" : "s"} held for you dropped`,
      );
    }
    for (let i = first; i < held.length; i++) session.send(held[i]!);
  }

  /** Makes a session a guest session (it may register). */
  attachGuest(session: Session): void {
    session.becomeGuest();
    this.log("guest", { peer: session.connection.peer });
  }

  /** A user leaves the system for good: every room is left (rooms they lead close). */
  userGone(user: User, why: string): void {
    this.moderation.forget(user);
    this.rooms.leaveAll(user);
    user.gone();
    this.directory.depart(user);
    this.log("user gone", { user: user.name, why });
  }

  /**
   * Ends a session — the one path every way out takes. A lost connection keeps its user for the
   * grace period; a logout ends the user too. The connection closes once its queue has drained
   * (bounded by the shutdown deadline).
   */
  endSession(session: Session, how: SessionEnd): void {
    if (session.closed) return;
    session.markClosed();
    clearTimeout(session.idleTimer);
    this.#sessions.delete(session);
    const address = session.connection.address;
    const count = (this.#perAddress.get(address) ?? 1) - 1;
    if (count > 0) this.#perAddress.set(address, count);
    else this.#perAddress.delete(address);
    const user = session.unbind();
    if (!user) this.#unauthenticated--;
    if (user && user.session === session) {
      if (how.kind === "logout" || how.kind === "expelled") {
        this.userGone(user, how.kind === "expelled" ? how.reason : "logout");
      } else if (how.kind !== "shutdown") {
        this.#lose(user, how.kind === "lost" ? how.reason : how.kind);
      }
    }
    if (user) {
      this.transcripts?.user(
        user.name,
        how.kind === "lost" ? `connection lost (${how.reason})` : how.kind,
      );
    }
    this.log("disconnect", {
      peer: session.connection.peer,
      user: user?.name,
      how: how.kind,
      reason: how.kind === "lost" || how.kind === "expelled" ? how.reason : undefined,
    });
    const closing = this.#closeWhenDrained(session);
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }

  async #closeWhenDrained(session: Session): Promise<void> {
    if (!session.queue.failed) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        session.queue.drained(),
        new Promise((resolve) =>
          timer = setTimeout(resolve, this.config.shutdownDrainSeconds * 1000)
        ),
      ]);
      clearTimeout(timer);
    }
    session.connection.close();
  }

  /** A connection went away without a logout: rooms are told; the user is held for the grace. */
  #lose(user: User, reason: string): void {
    this.rooms.announceToRoomsOf(user, "lost", () => `${user.name} lost connection (${reason})`);
    if (this.config.grace <= 0) {
      this.userGone(user, "connection lost");
      return;
    }
    user.detach(this.config.grace * 1000, () => this.userGone(user, "grace period over"));
  }

  /** The transport saw the connection close or fail. */
  connectionClosed(session: Session, reason: string): void {
    this.endSession(session, { kind: "lost", reason });
  }

  /** Tells everyone the server is stopping, drains queues (bounded) and closes every session. */
  async shutdown(why = "the server is shutting down"): Promise<void> {
    this.#shuttingDown = true;
    clearInterval(this.#sweepTimer);
    const sessions = [...this.#sessions];
    for (const session of sessions) session.notice("shutdown", why);
    for (const session of sessions) this.endSession(session, { kind: "shutdown" });
    await Promise.all(this.#closing);
    for (const user of this.directory.everyone()) user.gone();
    this.rooms.stop();
    this.history.close();
    await this.transcripts?.close();
  }

  /**
   * Removes a user from the server now (kick, ban): they are told why, their rooms are told,
   * and the session ends without a grace period.
   */
  expel(user: User, kind: "kicked" | "banned", text: string, roomText: string): void {
    this.rooms.announceToRoomsOf(user, kind, () => roomText);
    const session = user.session;
    if (session) {
      session.notice(kind, text);
      this.endSession(session, { kind: "expelled", reason: kind });
    } else this.userGone(user, kind);
  }

  /** Puts a user out of one room (a leader's kick): they and the room are told; the session goes on. */
  kickFromRoom(user: User, room: Room, text: string): void {
    this.rooms.announce(room, "kicked", user, text);
    user.session?.notice("kicked", text, room.name);
    this.rooms.leave(user, room);
  }

  /** Ends every session a new ban covers (its account, or connections from its range). */
  enforceBan(ban: Ban): number {
    let ended = 0;
    for (const session of [...this.#sessions]) {
      const user = session.user;
      const hit = ban.kind === "user"
        ? user?.key === ban.target.toLowerCase()
        : this.moderation.banFor(null, session.connection.address) !== undefined;
      if (!hit) continue;
      ended++;
      const text = banText(ban.kind === "user" ? "you are" : "your address is", ban);
      if (user) this.expel(user, "banned", text, `${user.name} was banned`);
      else {
        session.error("BANNED", text);
        this.endSession(session, { kind: "expelled", reason: "banned" });
      }
    }
    return ended;
  }

  /** A notice from the server to everyone online. */
  announce(text: string): number {
    const event = new EncodedEvent({ type: "notice", kind: "announce", text, time: new Date() });
    let reached = 0;
    for (const session of this.#sessions) {
      if (!session.loggedIn) continue;
      session.send(event);
      reached++;
    }
    return reached;
  }

  /** Runs `listener` after every rename (e.g. history re-attributing lines). */
  onRename(listener: (oldName: string, newName: string) => void): void {
    this.#renameListeners.push(listener);
  }

  /** A user's account was renamed on disk: the online user, rooms and listeners follow. */
  renamed(user: User, oldName: string, newName: string): void {
    const oldKey = user.key;
    this.directory.rename(user, newName);
    this.moderation.renamed(oldKey, user.key);
    this.rooms.announceToRoomsOf(user, "rename", () => `${oldName} is now known as ${newName}`);
    this.history.renamed(oldName, newName);
    for (const listener of this.#renameListeners) listener(oldName, newName);
  }

  /**
   * The account file was re-read (SIGHUP, or a change seen by the poll): users whose account is
   * gone are logged out. Roles are read at each command, so nothing else needs doing.
   */
  accountsReloaded(accounts: Accounts): void {
    for (const user of [...this.directory.everyone()]) {
      if (accounts.has(user.name) || this.renames.busy(user.name)) continue;
      this.expel(user, "kicked", "your account was removed", `${user.name} left (account removed)`);
    }
  }

  /** Sessions open now (admitted and not ended). */
  get sessionCount(): number {
    return this.#sessions.size;
  }
}
