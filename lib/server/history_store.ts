/**
 * Where every room line, shout and private message is kept: its own SQLite database
 * (`history.db` in the data folder), apart from the accounts' store, because it is written far
 * more often and may lose a little more in a crash. Lines are written in batches, one short
 * transaction at most every {@link FLUSH_MS} ms, off the per-message path; a crash (kill -9) loses
 * at most the lines of the last window. Old lines are removed in small batches that never stall
 * the event loop. Full-text search is SQLite's FTS5.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { join } from "node:path";
import { openSecretDatabase } from "./secret_files.ts";

/** The history database's file name, in the data folder. */
export const HISTORY_FILE = "history.db";

/** The most a batch waits before it is written: what a crash may lose (docs/security.md). */
export const FLUSH_MS = 50;

/** Rows removed per expiry step, and the pause between steps while there is more to remove. */
const EXPIRY_BATCH = 500;
const EXPIRY_PAUSE_MS = 20;
/** How often retention is applied. */
const EXPIRY_EVERY_MS = 60_000;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lines (
  seq INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT,
  room TEXT,
  text TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS lines_by_target ON lines (target, time, seq);
CREATE INDEX IF NOT EXISTS lines_by_time ON lines (time);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_text USING fts5(text, content='lines', content_rowid='seq');
`;

/** One kept line. `seq` orders lines totally (it grows with time); `target` says whose it is. */
export interface StoredLine {
  seq: number;
  /** `#room` (lower case), `@alice|bob` (a private conversation, names sorted) or `*` (shouts). */
  target: string;
  time: number;
  kind: "message" | "private" | "broadcast";
  sender: string;
  /** The recipient of a private message. */
  recipient: string | null;
  /** The room of a room line, as it was named. */
  room: string | null;
  text: string;
}

/** How lines are kept: for how long, and how many per target at most (0: no limit). */
export interface Retention {
  days: number;
  maxPerTarget: number;
}

/** Which lines a query wants, relative to a line (`seq`, `time`) or to now. */
export type Range =
  | { kind: "latest" }
  | { kind: "before" | "after" | "around"; seq: number; time: number };

/**
 * @example
 * ```ts
 * const history = HistoryStore.open("data", { days: 30, maxPerTarget: 0 });
 * history.add({ seq: 1, target: "#lobby", time: Date.now(), kind: "message", sender: "alice",
 *   recipient: null, room: "lobby", text: "hi" });
 * history.close();
 * ```
 */
export class HistoryStore {
  #pending: StoredLine[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #sql: Record<string, StatementSync>;

  private constructor(
    readonly db: DatabaseSync,
    readonly retention: Retention,
    readonly now: () => number,
  ) {
    this.#sql = {
      insert: db.prepare(
        "INSERT INTO lines (seq, target, time, kind, sender, recipient, room, text) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      index: db.prepare("INSERT INTO lines_text (rowid, text) VALUES (?, ?)"),
      latest: db.prepare(
        "SELECT * FROM lines WHERE target = ? ORDER BY time DESC, seq DESC LIMIT ?",
      ),
      before: db.prepare(
        "SELECT * FROM lines WHERE target = ? AND (time, seq) < (?, ?) " +
          "ORDER BY time DESC, seq DESC LIMIT ?",
      ),
      after: db.prepare(
        "SELECT * FROM lines WHERE target = ? AND (time, seq) > (?, ?) " +
          "ORDER BY time, seq LIMIT ?",
      ),
      find: db.prepare("SELECT * FROM lines WHERE seq = ?"),
      maxSeq: db.prepare("SELECT MAX(seq) AS seq FROM lines"),
      expireOld: db.prepare(
        "SELECT seq, text FROM lines WHERE time < ? ORDER BY time LIMIT " + EXPIRY_BATCH,
      ),
      crowded: db.prepare(
        "SELECT target, COUNT(*) AS n FROM lines GROUP BY target HAVING n > ?",
      ),
      overflow: db.prepare(
        "SELECT seq, text FROM lines WHERE target = ? ORDER BY time DESC, seq DESC " +
          "LIMIT " + EXPIRY_BATCH + " OFFSET ?",
      ),
      remove: db.prepare("DELETE FROM lines WHERE seq = ?"),
      unindex: db.prepare(
        "INSERT INTO lines_text (lines_text, rowid, text) VALUES ('delete', ?, ?)",
      ),
    };
  }

  /** Opens (or creates) `history.db` in `dataDir`, owner-only like every secret. */
  static open(
    dataDir: string,
    retention: Retention,
    options: { now?: () => number; log?: (msg: string) => void } = {},
  ): HistoryStore {
    const path = join(dataDir, HISTORY_FILE);
    const warn = (msg: string) => (options.log ?? console.error)(`warning: ${msg}`);
    // Batches are the unit of loss anyway: a commit need not wait for the disk.
    const { db } = openSecretDatabase(path, "NORMAL", SCHEMA_VERSION, warn);
    try {
      db.exec(`BEGIN; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
    } catch (error) {
      db.close();
      throw error;
    }
    const store = new HistoryStore(db, retention, options.now ?? Date.now);
    store.#scheduleExpiry(EXPIRY_PAUSE_MS);
    return store;
  }

  /** The highest sequence number kept (0 when empty). */
  maxSeq(): number {
    return Number(this.#sql.maxSeq!.get()?.seq ?? 0);
  }

  /** Keeps a line: written with the next batch, at most {@link FLUSH_MS} ms from now. */
  add(line: StoredLine): void {
    if (this.#closed) return;
    this.#pending.push(line);
    this.#flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes the lines waiting, in one transaction. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const lines = this.#pending;
    if (lines.length === 0 || this.#closed) return;
    this.#pending = [];
    const { insert, index } = this.#sql;
    this.#transaction(() => {
      for (const l of lines) {
        insert!.run(l.seq, l.target, l.time, l.kind, l.sender, l.recipient, l.room, l.text);
        index!.run(l.seq, l.text);
      }
    });
  }

  /**
   * Up to `limit` lines of `target` in ascending order: the latest, or those strictly before or
   * after a line, or (around) about half before and half after it, the line itself included.
   * `keep` leaves out lines the reader may not see (blocked senders).
   */
  read(
    target: string,
    range: Range,
    limit: number,
    keep: (l: StoredLine) => boolean,
  ): StoredLine[] {
    this.flush();
    const pick = (statement: StatementSync, args: (string | number)[], want: number) => {
      const found: StoredLine[] = [];
      // Blocked senders' lines are skipped, so read on until `want` are found (bounded).
      let offsetArgs = args;
      for (let round = 0; round < 10 && found.length < want; round++) {
        const rows = statement.all(...offsetArgs, want * 2) as unknown as StoredLine[];
        for (const row of rows) if (keep(row) && found.length < want) found.push(row);
        if (rows.length < want * 2) break;
        const last = rows.at(-1)!;
        offsetArgs = [target, last.time, last.seq];
        statement = statement === this.#sql.latest ? this.#sql.before! : statement;
      }
      return found;
    };
    switch (range.kind) {
      case "latest":
        return pick(this.#sql.latest!, [target], limit).reverse();
      case "before":
        return pick(this.#sql.before!, [target, range.time, range.seq], limit).reverse();
      case "after":
        return pick(this.#sql.after!, [target, range.time, range.seq], limit);
      case "around": {
        const before = Math.floor((limit - 1) / 2);
        const self = this.find(range.seq);
        const older = pick(this.#sql.before!, [target, range.time, range.seq], before).reverse();
        const middle = self && self.target === target && keep(self) ? [self] : [];
        const newer = pick(
          this.#sql.after!,
          [target, range.time, range.seq],
          limit - older.length - middle.length,
        );
        return [...older, ...middle, ...newer];
      }
    }
  }

  /**
   * A user was renamed: their lines and conversations follow the new name (a private
   * conversation's target is re-made, since it names both people in order).
   */
  rename(oldName: string, newName: string): void {
    this.flush();
    const rows = this.db.prepare(
      "SELECT seq, sender, recipient FROM lines WHERE kind = 'private' AND " +
        "(sender = ? COLLATE NOCASE OR recipient = ? COLLATE NOCASE)",
    ).all(oldName, oldName) as { seq: number; sender: string; recipient: string }[];
    const same = (a: string) => a.toLowerCase() === oldName.toLowerCase();
    const retarget = this.db.prepare("UPDATE lines SET target = ? WHERE seq = ?");
    this.#transaction(() => {
      this.db.prepare("UPDATE lines SET sender = ? WHERE sender = ? COLLATE NOCASE").run(
        newName,
        oldName,
      );
      this.db.prepare("UPDATE lines SET recipient = ? WHERE recipient = ? COLLATE NOCASE").run(
        newName,
        oldName,
      );
      for (const row of rows) {
        const sender = same(row.sender) ? newName : row.sender;
        const recipient = same(row.recipient) ? newName : row.recipient;
        retarget.run(pairTarget(sender, recipient), row.seq);
      }
    });
  }

  /** The targets of the private conversations a user (by key) has kept lines in. */
  conversationsOf(userKey: string): string[] {
    this.flush(); // a conversation whose only lines wait in the batch is one too
    const rows = this.db.prepare(
      "SELECT DISTINCT target FROM lines WHERE target LIKE ? OR target LIKE ?",
    ).all(`@${userKey}|%`, `@%|${userKey}`) as { target: string }[];
    return rows.map((row) => row.target);
  }

  /** The line with this sequence number, if it is kept. */
  find(seq: number): StoredLine | undefined {
    this.flush();
    return this.#sql.find!.get(seq) as unknown as StoredLine | undefined;
  }

  /**
   * Lines of these targets whose text matches all `words` (full-text, newest first), at most
   * `limit`, leaving out what `keep` refuses.
   */
  search(
    targets: string[],
    words: string[],
    limit: number,
    keep: (l: StoredLine) => boolean,
  ): StoredLine[] {
    if (targets.length === 0 || words.length === 0) return [];
    this.flush();
    // Each word is one quoted FTS5 string: operators and syntax in it are just characters.
    const query = words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
    const placeholders = targets.map(() => "?").join(", ");
    const rows = this.db.prepare(
      "SELECT lines.* FROM lines_text JOIN lines ON lines.seq = lines_text.rowid " +
        `WHERE lines_text MATCH ? AND lines.target IN (${placeholders}) ` +
        "ORDER BY lines.time DESC, lines.seq DESC LIMIT ?",
    ).all(query, ...targets, limit * 4) as unknown as StoredLine[];
    return rows.filter(keep).slice(0, limit);
  }

  /**
   * Applies retention now, one small batch at a time with pauses between (tests call it; the
   * store does it every minute). Resolves when nothing more is due.
   */
  async expire(): Promise<number> {
    let removed = 0;
    while (!this.#closed) {
      const batch = this.#expireBatch();
      removed += batch;
      if (batch < EXPIRY_BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, EXPIRY_PAUSE_MS));
    }
    return removed;
  }

  /** Removes at most one batch of lines past retention; returns how many. */
  #expireBatch(): number {
    this.flush();
    const { days, maxPerTarget } = this.retention;
    const rows: { seq: number; text: string }[] = [];
    if (days > 0) {
      const cutoff = this.now() - days * 86_400_000;
      rows.push(...this.#sql.expireOld!.all(cutoff) as unknown as typeof rows);
    }
    if (maxPerTarget > 0 && rows.length < EXPIRY_BATCH) {
      const crowded = this.#sql.crowded!.all(maxPerTarget) as unknown as { target: string }[];
      for (const { target } of crowded) {
        if (rows.length >= EXPIRY_BATCH) break;
        rows.push(...this.#sql.overflow!.all(target, maxPerTarget) as unknown as typeof rows);
      }
    }
    if (rows.length === 0) return 0;
    this.#transaction(() => {
      for (const row of rows) {
        this.#sql.unindex!.run(row.seq, row.text);
        this.#sql.remove!.run(row.seq);
      }
    });
    return rows.length;
  }

  #scheduleExpiry(ms: number): void {
    this.#expiryTimer = setTimeout(() => {
      if (this.#closed) return;
      const batch = this.#expireBatch();
      this.#scheduleExpiry(batch === EXPIRY_BATCH ? EXPIRY_PAUSE_MS : EXPIRY_EVERY_MS);
    }, ms);
    // Housekeeping never keeps the process alive.
    Deno.unrefTimer(this.#expiryTimer as unknown as number);
  }

  #transaction(work: () => void): void {
    this.db.exec("BEGIN");
    try {
      work();
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Writes what is waiting and closes the database. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    clearTimeout(this.#expiryTimer);
    this.db.close();
  }
}

/**
 * The target of a private conversation between two users (names in any case, in either order).
 *
 * @example
 * ```ts
 * pairTarget("Bob", "alice"); // "@alice|bob"
 * ```
 */
export function pairTarget(a: string, b: string): string {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()].sort();
  return `@${x}|${y}`;
}
