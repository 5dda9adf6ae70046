/**
 * The durable store for everything besides accounts that must outlive a restart: blocks, info
 * texts, last logins and the offline mailbox. It is one SQLite database, `<dataDir>/parley.db`, in
 * WAL mode with `synchronous=FULL`: every write is one synchronous statement that has reached the
 * disk when the method returns, so an acknowledged write survives a `kill -9`. The one exception
 * is last-login times, written in batches (see {@link Store.recordLogin}).
 *
 * User names are keys case-insensitively (a lowercase key column) while the name as written is
 * kept for display. Rows whose names fail {@link isValidUserName} (a hand-edited or damaged
 * database) are reported at open and ignored, never fatal.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { join } from "node:path";
import { isValidUserName } from "../shared/protocol.ts";
import { openSecretDatabase, SECRET_DIR_MODE, tighten } from "./secret_files.ts";
import { GROUP_SCHEMA, GroupStore } from "./group_store.ts";
import { MODERATION_SCHEMA, ModerationStore } from "./moderation_store.ts";
import { RENAME_SCHEMA, RenameStore } from "./rename_store.ts";
import { ROOM_SCHEMA, RoomStore } from "./room_store.ts";

/** Options for {@link Store.open}. */
export interface StoreOptions {
  /**
   * Most messages kept for one recipient (default 100). Messages not yet delivered are never
   * dropped: a tell that would make more of them than this is refused. Delivered ones make room
   * for new ones, oldest first.
   */
  maxOfflinePerUser?: number;
  /** Where problems found in the database are reported (default: `console.error`). */
  log?: (msg: string) => void;
}

/** A private message kept for a user who was offline. */
export interface OfflineMessage {
  from: string;
  text: string;
  time: Date;
  /** Whether it had been delivered before (at an earlier login). */
  delivered: boolean;
  /** The group (`owner/name`) for a group message; absent for a private one. */
  group?: string;
  /** The message's history id (private messages kept since history has ids). */
  id?: string;
}

/** One user's most recent login. */
export interface LoginRecord {
  user: string;
  time: Date;
}

/** The database file inside the data directory. */
export const STORE_FILE = "parley.db";

/** Logins are written together at most this often (milliseconds). */
export const LOGIN_BATCH_MS = 1000;

/** Default for {@link StoreOptions.maxOfflinePerUser}. */
export const DEFAULT_MAX_OFFLINE_PER_USER = 100;

/**
 * 2: offline messages carry `delivered`, so each is delivered at one login only.
 * 3: groups, moderation (bans, mutes, modlog, reports) and renames; offline messages carry `grp`
 *    and `msg_id` (the message's history id, so a client shows it once).
 */
const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blocks (
  user_key TEXT NOT NULL,
  target_key TEXT NOT NULL,
  user TEXT NOT NULL,
  target TEXT NOT NULL,
  PRIMARY KEY (user_key, target_key)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS info (
  user_key TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS logins (
  user_key TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  time INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS logins_by_time ON logins (time);
CREATE TABLE IF NOT EXISTS offline (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  to_key TEXT NOT NULL,
  to_user TEXT NOT NULL,
  from_user TEXT NOT NULL,
  text TEXT NOT NULL,
  time INTEGER NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0,
  grp TEXT,
  msg_id TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS offline_by_recipient ON offline (to_key, id);
${GROUP_SCHEMA}
${MODERATION_SCHEMA}
${RENAME_SCHEMA}
${ROOM_SCHEMA}
`;

/** A row's name is usable when it is a valid user name and matches its lowercase key. */
function validName(name: unknown, key?: unknown): name is string {
  return typeof name === "string" && isValidUserName(name) &&
    (key === undefined || key === name.toLowerCase());
}

function validTime(time: unknown): time is number {
  return typeof time === "number" && Number.isSafeInteger(time);
}

/**
 * The persistent store. Methods are synchronous; a write has reached the disk when it returns.
 *
 * @example
 * ```ts
 * const store = Store.open("data");
 * store.block("alice", "bob");
 * store.isBlocked("bob", "alice"); // true: alice has blocked bob
 * store.close();
 * ```
 */
export class Store {
  readonly #db: DatabaseSync;
  readonly #maxOffline: number;
  /** blocker key -> (blocked key -> blocked name as written); checked on every message. */
  readonly #blocks = new Map<string, Map<string, string>>();
  readonly #sql: Statements;
  /** Private groups (group_store.ts). */
  readonly groups: GroupStore;
  /** Bans, mutes, the moderation log and reports (moderation_store.ts). */
  readonly moderation: ModerationStore;
  /** The rename journal and who old names became (rename_store.ts). */
  readonly renames: RenameStore;
  /** Open rooms and their leaders, kept across restarts (room_store.ts). */
  readonly rooms: RoomStore;
  /** Logins not yet written: they go to disk together, in one transaction (see recordLogin). */
  #pendingLogins = new Map<string, { user: string; time: number }>();
  #loginTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(db: DatabaseSync, maxOffline: number) {
    this.#db = db;
    this.#maxOffline = maxOffline;
    this.#sql = prepareAll(db);
    this.groups = new GroupStore(db);
    this.moderation = new ModerationStore(db);
    this.renames = new RenameStore(db);
    this.rooms = new RoomStore(db);
  }

  /**
   * Opens (creating if needed) `<dataDir>/parley.db` and loads the blocks into memory. Invalid
   * rows are reported through `options.log` and ignored. Throws for I/O errors only.
   *
   * @example
   * ```ts
   * const store = Store.open("data", { maxOfflinePerUser: 50, log: console.error });
   * ```
   */
  static open(dataDir: string, options: StoreOptions = {}): Store {
    const maxOffline = options.maxOfflinePerUser ?? DEFAULT_MAX_OFFLINE_PER_USER;
    if (!Number.isInteger(maxOffline) || maxOffline < 0) {
      throw new RangeError("maxOfflinePerUser must be a non-negative integer");
    }
    const log = options.log ?? ((msg: string) => console.error(msg));
    Deno.mkdirSync(dataDir, { recursive: true, mode: SECRET_DIR_MODE });
    const path = join(dataDir, STORE_FILE);
    // Private messages live here: the folder and the files are the server's user's only.
    const warn = (msg: string) => log(`warning: ${msg}`);
    tighten(dataDir, SECRET_DIR_MODE, warn);
    const { db, version } = openSecretDatabase(path, "FULL", SCHEMA_VERSION, warn);
    try {
      // Version 1 databases lack the delivered column; their messages count as not delivered.
      // Versions 1 and 2 lack the group column (their messages are private ones).
      const upgrade = (version === 1
        ? "ALTER TABLE offline ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;"
        : "") +
        (version === 1 || version === 2
          ? "ALTER TABLE offline ADD COLUMN grp TEXT; ALTER TABLE offline ADD COLUMN msg_id TEXT;"
          : "");
      db.exec(`BEGIN; ${upgrade} ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
      const store = new Store(db, maxOffline);
      store.#loadAndCheck((msg) =>
        log(`${path}: ${msg}`)
      );
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Closes the database (pending data is already on disk).
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.close();
   * ```
   */
  close(): void {
    this.#flushLogins();
    this.#db.close();
  }

  /**
   * Makes `user` block `target`. Returns false when the block already existed.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.block("alice", "bob"); // true
   * store.block("alice", "BOB"); // false: already blocked
   * ```
   */
  block(user: string, target: string): boolean {
    checkName(user);
    checkName(target);
    const userKey = user.toLowerCase();
    const targetKey = target.toLowerCase();
    const { changes } = this.#sql.insertBlock.run(userKey, targetKey, user, target);
    if (changes === 0) return false;
    let targets = this.#blocks.get(userKey);
    if (targets === undefined) this.#blocks.set(userKey, targets = new Map());
    targets.set(targetKey, target);
    return true;
  }

  /**
   * Lifts a block. Returns false when `user` had not blocked `target`.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.unblock("alice", "bob"); // true, then false on a second call
   * ```
   */
  unblock(user: string, target: string): boolean {
    const userKey = user.toLowerCase();
    const targetKey = target.toLowerCase();
    const { changes } = this.#sql.deleteBlock.run(userKey, targetKey);
    const targets = this.#blocks.get(userKey);
    const had = targets?.delete(targetKey) ?? false;
    if (targets?.size === 0) this.#blocks.delete(userKey);
    return had || Number(changes) > 0;
  }

  /**
   * The users `user` has blocked, as they were written when blocked, sorted.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.blocksOf("alice"); // ["bob", "Carol"]
   * ```
   */
  blocksOf(user: string): string[] {
    const targets = this.#blocks.get(user.toLowerCase());
    if (targets === undefined) return [];
    return [...targets.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  /**
   * Whether `user` is blocked by `by`, i.e. `by` has blocked `user` and must not hear from them.
   * Answered from memory: this is on the path of every message.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.block("alice", "bob");
   * store.isBlocked("bob", "alice"); // true
   * store.isBlocked("alice", "bob"); // false
   * ```
   */
  isBlocked(user: string, by: string): boolean {
    return this.#blocks.get(by.toLowerCase())?.has(user.toLowerCase()) ?? false;
  }

  /**
   * Sets a user's info text; an empty text removes it.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.setInfo("alice", "away until Monday");
   * ```
   */
  setInfo(user: string, text: string): void {
    checkName(user);
    if (text === "") this.#sql.deleteInfo.run(user.toLowerCase());
    else this.#sql.upsertInfo.run(user.toLowerCase(), user, text);
  }

  /**
   * A user's info text, if set.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.info("ALICE"); // "away until Monday"
   * ```
   */
  info(user: string): string | undefined {
    const row = this.#sql.selectInfo.get(user.toLowerCase());
    if (row === undefined || !validName(row.user, row.user_key)) return undefined;
    return typeof row.text === "string" ? row.text : undefined;
  }

  /**
   * Records a login, replacing the user's previous one. Unlike every other write, logins are
   * written in batches, one transaction at most every {@link LOGIN_BATCH_MS}: a login storm
   * must not cost one synchronous disk flush per login on the server's only thread. A kill -9
   * can lose the last moment's login times; nothing a user was told is stored depends on them.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.recordLogin("alice", new Date());
   * ```
   */
  recordLogin(user: string, time: Date): void {
    checkName(user);
    this.#pendingLogins.set(user.toLowerCase(), { user, time: checkTime(time) });
    if (this.#loginTimer === undefined) {
      this.#loginTimer = setTimeout(() => this.#flushLogins(), LOGIN_BATCH_MS);
      this.#loginTimer.unref();
    }
  }

  #flushLogins(): void {
    clearTimeout(this.#loginTimer);
    this.#loginTimer = undefined;
    if (this.#pendingLogins.size === 0) return;
    this.#inTransaction(() => {
      for (const [key, { user, time }] of this.#pendingLogins) {
        this.#sql.upsertLogin.run(key, user, time);
      }
    });
    this.#pendingLogins.clear();
  }

  /** Runs `work` in one transaction: all of its writes reach the disk, or none. */
  #inTransaction<T>(work: () => T): T {
    this.#db.exec("BEGIN");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * When the user last logged in, if ever.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.lastLogin("alice")?.toISOString();
   * ```
   */
  lastLogin(user: string): Date | undefined {
    this.#flushLogins();
    const row = this.#sql.selectLogin.get(user.toLowerCase());
    if (row === undefined || !validName(row.user, row.user_key) || !validTime(row.time)) {
      return undefined;
    }
    return new Date(row.time);
  }

  /**
   * Users whose last login is at or after `time`, most recent first.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.loginsSince(new Date(Date.now() - 3600_000)); // [{ user: "alice", time }, ...]
   * ```
   */
  loginsSince(time: Date): LoginRecord[] {
    this.#flushLogins();
    const records: LoginRecord[] = [];
    for (const row of this.#sql.selectLoginsSince.all(checkTime(time))) {
      if (!validName(row.user, row.user_key) || !validTime(row.time)) continue;
      records.push({ user: row.user, time: new Date(row.time) });
    }
    return records;
  }

  /**
   * Keeps a private message for an offline user. Returns false, storing nothing, when
   * `maxOfflinePerUser` messages are already waiting to be delivered; otherwise the oldest
   * delivered messages make room, so at most `maxOfflinePerUser` are kept.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * if (!store.addOffline("bob", "alice", "call me", new Date())) console.log("mailbox full");
   * ```
   */
  addOffline(
    to: string,
    from: string,
    text: string,
    time: Date,
    group?: string,
    id?: string,
  ): boolean {
    checkName(to);
    checkName(from);
    const toKey = to.toLowerCase();
    if (this.mailboxFull(to)) return false;
    this.#inTransaction(() => {
      this.#sql.insertOffline.run(
        toKey,
        to,
        from,
        text,
        checkTime(time),
        group ?? null,
        id ?? null,
      );
      this.#sql.pruneDelivered.run(toKey, toKey, this.#maxOffline);
    });
    return true;
  }

  /** Whether a user's mailbox holds as many undelivered messages as it may (a tell would fail). */
  mailboxFull(to: string): boolean {
    const waiting = Number(this.#sql.countUndelivered.get(to.toLowerCase())?.n ?? 0);
    return waiting >= this.#maxOffline;
  }

  /**
   * The messages kept for a user, oldest first, delivered or not. They stay until
   * {@link Store.clearOffline}, or until newer ones push delivered ones out.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * for (const m of store.offlineFor("bob")) console.log(m.from, m.time, m.text);
   * ```
   */
  offlineFor(to: string): OfflineMessage[] {
    return this.#offlineRows(this.#sql.selectOffline.all(to.toLowerCase()));
  }

  /**
   * The messages not yet delivered to a user, oldest first, marked delivered as they are
   * returned: a login shows each message once.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * for (const m of store.deliverOffline("bob")) console.log(m.from, m.text);
   * store.deliverOffline("bob"); // []
   * ```
   */
  deliverOffline(to: string): OfflineMessage[] {
    const toKey = to.toLowerCase();
    const rows = this.#inTransaction(() => {
      const undelivered = this.#sql.selectUndelivered.all(toKey);
      this.#sql.markDelivered.run(toKey);
      return undelivered;
    });
    return this.#offlineRows(rows);
  }

  #offlineRows(rows: Record<string, unknown>[]): OfflineMessage[] {
    const messages: OfflineMessage[] = [];
    for (const row of rows) {
      if (!validName(row.from_user) || !validTime(row.time) || typeof row.text !== "string") {
        continue;
      }
      messages.push({
        from: row.from_user,
        text: row.text,
        time: new Date(row.time),
        delivered: row.delivered === 1,
        ...(typeof row.grp === "string" ? { group: row.grp } : {}),
        ...(typeof row.msg_id === "string" ? { id: row.msg_id } : {}),
      });
    }
    return messages;
  }

  /**
   * How many messages are kept for a user.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.offlineCount("bob"); // 3
   * ```
   */
  offlineCount(to: string): number {
    return Number(this.#sql.countOffline.get(to.toLowerCase())?.n ?? 0);
  }

  /**
   * Deletes every message kept for a user and returns how many there were.
   *
   * @example
   * ```ts
   * declare const store: Store;
   *
   * store.clearOffline("bob"); // 3
   * ```
   */
  clearOffline(to: string): number {
    return Number(this.#sql.deleteOffline.run(to.toLowerCase()).changes);
  }

  /**
   * Moves everything stored under `oldName` to `newName` in one transaction — blocks in both
   * directions, info, last login, the mailbox (and the sender of messages in others' mailboxes),
   * groups, bans, mutes, reports — and journals the rename (see rename_store.ts). Returns the
   * journal id, for {@link RenameStore.finish} once the account file has the new name.
   *
   * @example
   * ```ts
   * declare const store: Store;
   * declare const holdUntil: Date;
   *
   * const id = store.renameUser("alice", "alicia", new Date(), holdUntil);
   * ```
   */
  renameUser(oldName: string, newName: string, time: Date, holdUntil: Date): number {
    checkName(oldName);
    checkName(newName);
    this.#flushLogins();
    const oldKey = oldName.toLowerCase();
    const newKey = newName.toLowerCase();
    const id = this.#inTransaction(() => {
      for (const sql of this.#sql.renames) sql.run(newKey, newName, oldKey);
      this.groups.renameUser(oldName, newName);
      this.moderation.renameUser(oldName, newName);
      this.rooms.renameUser(oldName, newName);
      return this.renames.begin(oldName, newName, time, holdUntil);
    });
    // The blocks in memory follow: the user's own list, and the lists naming them.
    const own = this.#blocks.get(oldKey);
    this.#blocks.delete(oldKey);
    if (own) this.#blocks.set(newKey, own);
    for (const targets of this.#blocks.values()) {
      if (targets.delete(oldKey)) targets.set(newKey, newName);
    }
    return id;
  }

  /** Loads blocks into memory and reports rows that fail validation. */
  #loadAndCheck(report: (msg: string) => void): void {
    for (const row of this.#db.prepare("SELECT * FROM blocks").all()) {
      if (!validName(row.user, row.user_key) || !validName(row.target, row.target_key)) {
        report(`blocks: ignoring invalid row ${describe(row.user)} -> ${describe(row.target)}`);
        continue;
      }
      let targets = this.#blocks.get(row.user_key as string);
      if (targets === undefined) this.#blocks.set(row.user_key as string, targets = new Map());
      targets.set(row.target_key as string, row.target);
    }
    for (const row of this.#db.prepare("SELECT user_key, user FROM info").all()) {
      if (!validName(row.user, row.user_key)) {
        report(`info: ignoring row for invalid user name ${describe(row.user)}`);
      }
    }
    for (const row of this.#db.prepare("SELECT user_key, user, time FROM logins").all()) {
      if (!validName(row.user, row.user_key) || !validTime(row.time)) {
        report(`logins: ignoring invalid row for ${describe(row.user)}`);
      }
    }
    const offline = this.#db.prepare("SELECT id, to_key, to_user, from_user, time FROM offline");
    for (const row of offline.all()) {
      if (
        !validName(row.to_user, row.to_key) || !validName(row.from_user) || !validTime(row.time)
      ) {
        report(`offline: ignoring invalid message ${String(row.id)}`);
      }
    }
  }
}

interface Statements {
  insertBlock: StatementSync;
  deleteBlock: StatementSync;
  upsertInfo: StatementSync;
  deleteInfo: StatementSync;
  selectInfo: StatementSync;
  upsertLogin: StatementSync;
  selectLogin: StatementSync;
  selectLoginsSince: StatementSync;
  countOffline: StatementSync;
  countUndelivered: StatementSync;
  insertOffline: StatementSync;
  pruneDelivered: StatementSync;
  selectOffline: StatementSync;
  selectUndelivered: StatementSync;
  markDelivered: StatementSync;
  deleteOffline: StatementSync;
  /** Each takes (new key, new name, old key): the rows of a renamed account. */
  renames: StatementSync[];
}

/** Every statement is prepared once, at open. */
function prepareAll(db: DatabaseSync): Statements {
  return {
    insertBlock: db.prepare(
      "INSERT OR IGNORE INTO blocks (user_key, target_key, user, target) VALUES (?, ?, ?, ?)",
    ),
    deleteBlock: db.prepare("DELETE FROM blocks WHERE user_key = ? AND target_key = ?"),
    upsertInfo: db.prepare(
      "INSERT INTO info (user_key, user, text) VALUES (?, ?, ?) " +
        "ON CONFLICT (user_key) DO UPDATE SET user = excluded.user, text = excluded.text",
    ),
    deleteInfo: db.prepare("DELETE FROM info WHERE user_key = ?"),
    selectInfo: db.prepare("SELECT user_key, user, text FROM info WHERE user_key = ?"),
    upsertLogin: db.prepare(
      "INSERT INTO logins (user_key, user, time) VALUES (?, ?, ?) " +
        "ON CONFLICT (user_key) DO UPDATE SET user = excluded.user, time = excluded.time",
    ),
    selectLogin: db.prepare("SELECT user_key, user, time FROM logins WHERE user_key = ?"),
    selectLoginsSince: db.prepare(
      "SELECT user_key, user, time FROM logins WHERE time >= ? ORDER BY time DESC, user_key",
    ),
    countOffline: db.prepare("SELECT COUNT(*) AS n FROM offline WHERE to_key = ?"),
    countUndelivered: db.prepare(
      "SELECT COUNT(*) AS n FROM offline WHERE to_key = ? AND delivered = 0",
    ),
    insertOffline: db.prepare(
      "INSERT INTO offline (to_key, to_user, from_user, text, time, grp, msg_id) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    // Delivered messages beyond the newest `limit` go; undelivered ones are always the newest.
    pruneDelivered: db.prepare(
      "DELETE FROM offline WHERE to_key = ? AND delivered = 1 AND id NOT IN " +
        "(SELECT id FROM offline WHERE to_key = ? ORDER BY id DESC LIMIT ?)",
    ),
    selectOffline: db.prepare(
      "SELECT from_user, text, time, delivered, grp, msg_id FROM offline WHERE to_key = ? ORDER BY id",
    ),
    selectUndelivered: db.prepare(
      "SELECT from_user, text, time, delivered, grp, msg_id FROM offline " +
        "WHERE to_key = ? AND delivered = 0 ORDER BY id",
    ),
    markDelivered: db.prepare(
      "UPDATE offline SET delivered = 1 WHERE to_key = ? AND delivered = 0",
    ),
    deleteOffline: db.prepare("DELETE FROM offline WHERE to_key = ?"),
    renames: [
      "UPDATE OR REPLACE blocks SET user_key = ?1, user = ?2 WHERE user_key = ?3",
      "UPDATE OR REPLACE blocks SET target_key = ?1, target = ?2 WHERE target_key = ?3",
      "UPDATE OR REPLACE info SET user_key = ?1, user = ?2 WHERE user_key = ?3",
      "UPDATE OR REPLACE logins SET user_key = ?1, user = ?2 WHERE user_key = ?3",
      "UPDATE offline SET to_key = ?1, to_user = ?2 WHERE to_key = ?3",
      "UPDATE offline SET from_user = ?2 WHERE lower(from_user) = ?3 AND ?1 = ?1",
    ].map((sql) => db.prepare(sql)),
  };
}

/** Names reaching a write are validated by the caller; an invalid one here is a bug. */
function checkName(name: string): void {
  if (!isValidUserName(name)) throw new RangeError(`invalid user name ${JSON.stringify(name)}`);
}

function checkTime(time: Date): number {
  const ms = time.getTime();
  if (!Number.isSafeInteger(ms)) throw new RangeError("invalid date");
  return ms;
}

function describe(value: unknown): string {
  return JSON.stringify(typeof value === "string" ? value.slice(0, 40) : value) ?? "null";
}
