/**
 * Moderation on disk: bans (of accounts and of address ranges), mutes (server-wide or in one
 * room), the moderation log and users' reports. Tables in the store's database (see `store.ts`);
 * every write is synchronous, so an acknowledged ban survives a `kill -9`.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The tables of {@link ModerationStore}; run by `Store.open` with the rest of the schema. */
export const MODERATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS bans (
  kind TEXT NOT NULL,
  target_key TEXT NOT NULL,
  target TEXT NOT NULL,
  until INTEGER,
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (kind, target_key)
) STRICT;
CREATE TABLE IF NOT EXISTS mutes (
  user_key TEXT NOT NULL,
  user TEXT NOT NULL,
  room_key TEXT NOT NULL,
  room TEXT NOT NULL,
  until INTEGER,
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (user_key, room_key)
) STRICT;
CREATE TABLE IF NOT EXISTS modlog (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  reporter TEXT NOT NULL,
  reported TEXT NOT NULL,
  reason TEXT NOT NULL,
  lines TEXT NOT NULL,
  closed_by TEXT,
  closed_time INTEGER
) STRICT;
`;

/** A ban: of an account (`user`, by lower-case name) or of an address range (`address`). */
export interface Ban {
  kind: "user" | "address";
  /** The account's name, or the range as text (`192.0.2.0/24`). */
  target: string;
  /** When it ends by itself; null: until lifted. */
  until: Date | null;
  reason: string;
  by: string;
  time: Date;
}

/** A mute: server-wide (`room` empty) or in one room. */
export interface Mute {
  user: string;
  room: string;
  until: Date | null;
  reason: string;
  by: string;
  time: Date;
}

/** One line of the moderation log. */
export interface ModlogEntry {
  id: number;
  time: Date;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

/** A user's report of another user, with the lines the reporter could see. */
export interface Report {
  id: number;
  time: Date;
  reporter: string;
  reported: string;
  reason: string;
  lines: string[];
  closedBy: string | null;
}

const date = (ms: unknown) => new Date(Number(ms));
const maybeDate = (ms: unknown) => (ms === null || ms === undefined ? null : date(ms));

/**
 * @example
 * ```ts
 * import type { Store } from "./store.ts";
 *
 * declare const store: Store;
 *
 * store.moderation.putBan({ kind: "user", target: "mallory", until: null, reason: "spam",
 *   by: "root", time: new Date() });
 * store.moderation.bans().length; // 1
 * ```
 */
export class ModerationStore {
  readonly #sql: Record<string, StatementSync>;

  constructor(readonly db: DatabaseSync) {
    this.#sql = {
      putBan: db.prepare(
        "INSERT OR REPLACE INTO bans (kind, target_key, target, until, reason, by, time) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      deleteBan: db.prepare("DELETE FROM bans WHERE kind = ? AND target_key = ?"),
      bans: db.prepare("SELECT * FROM bans ORDER BY time"),
      putMute: db.prepare(
        "INSERT OR REPLACE INTO mutes (user_key, user, room_key, room, until, reason, by, time) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      deleteMute: db.prepare("DELETE FROM mutes WHERE user_key = ? AND room_key = ?"),
      mutes: db.prepare("SELECT * FROM mutes ORDER BY time"),
      pruneBans: db.prepare("DELETE FROM bans WHERE until IS NOT NULL AND until <= ?"),
      pruneMutes: db.prepare("DELETE FROM mutes WHERE until IS NOT NULL AND until <= ?"),
      log: db.prepare(
        "INSERT INTO modlog (time, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
      ),
      modlog: db.prepare("SELECT * FROM modlog ORDER BY id DESC LIMIT ?"),
      report: db.prepare(
        "INSERT INTO reports (time, reporter, reported, reason, lines) VALUES (?, ?, ?, ?, ?)",
      ),
      openReports: db.prepare("SELECT * FROM reports WHERE closed_by IS NULL ORDER BY id"),
      closeReport: db.prepare(
        "UPDATE reports SET closed_by = ?, closed_time = ? WHERE id = ? AND closed_by IS NULL",
      ),
      renameBans: db.prepare(
        "UPDATE bans SET target_key = ?, target = ? WHERE kind = 'user' AND target_key = ?",
      ),
      renameMutes: db.prepare("UPDATE mutes SET user_key = ?, user = ? WHERE user_key = ?"),
      renameReported: db.prepare(
        "UPDATE reports SET reported = ? WHERE lower(reported) = ?",
      ),
      renameReporter: db.prepare(
        "UPDATE reports SET reporter = ? WHERE lower(reporter) = ?",
      ),
    };
  }

  /** Stores a ban, replacing one of the same target. */
  putBan(ban: Ban): void {
    this.#sql.putBan!.run(
      ban.kind,
      ban.target.toLowerCase(),
      ban.target,
      ban.until?.getTime() ?? null,
      ban.reason,
      ban.by,
      ban.time.getTime(),
    );
  }

  /** Lifts a ban; false if there was none. */
  deleteBan(kind: Ban["kind"], target: string): boolean {
    return Number(this.#sql.deleteBan!.run(kind, target.toLowerCase()).changes) > 0;
  }

  /** Every stored ban, oldest first (expired ones too, until {@link prune}). */
  bans(): Ban[] {
    return this.#sql.bans!.all().map((row) => ({
      kind: row.kind === "address" ? "address" : "user",
      target: String(row.target),
      until: maybeDate(row.until),
      reason: String(row.reason),
      by: String(row.by),
      time: date(row.time),
    }));
  }

  /** Stores a mute, replacing one of the same user and room. */
  putMute(mute: Mute): void {
    this.#sql.putMute!.run(
      mute.user.toLowerCase(),
      mute.user,
      mute.room.toLowerCase(),
      mute.room,
      mute.until?.getTime() ?? null,
      mute.reason,
      mute.by,
      mute.time.getTime(),
    );
  }

  /** Lifts a mute; false if there was none. */
  deleteMute(user: string, room: string): boolean {
    return Number(this.#sql.deleteMute!.run(user.toLowerCase(), room.toLowerCase()).changes) > 0;
  }

  /** Every stored mute, oldest first. */
  mutes(): Mute[] {
    return this.#sql.mutes!.all().map((row) => ({
      user: String(row.user),
      room: String(row.room),
      until: maybeDate(row.until),
      reason: String(row.reason),
      by: String(row.by),
      time: date(row.time),
    }));
  }

  /** Forgets bans and mutes that ended before `now`. */
  prune(now: Date): void {
    this.#sql.pruneBans!.run(now.getTime());
    this.#sql.pruneMutes!.run(now.getTime());
  }

  /** Adds a line to the moderation log. */
  log(entry: Omit<ModlogEntry, "id">): void {
    this.#sql.log!.run(entry.time.getTime(), entry.actor, entry.action, entry.target, entry.detail);
  }

  /** The newest `limit` lines of the moderation log, newest first. */
  modlog(limit: number): ModlogEntry[] {
    return this.#sql.modlog!.all(limit).map((row) => ({
      id: Number(row.id),
      time: date(row.time),
      actor: String(row.actor),
      action: String(row.action),
      target: String(row.target),
      detail: String(row.detail),
    }));
  }

  /** Stores a report; returns its number. */
  addReport(report: Omit<Report, "id" | "closedBy">): number {
    const { lastInsertRowid } = this.#sql.report!.run(
      report.time.getTime(),
      report.reporter,
      report.reported,
      report.reason,
      JSON.stringify(report.lines),
    );
    return Number(lastInsertRowid);
  }

  /** The reports not yet closed, oldest first. */
  openReports(): Report[] {
    return this.#sql.openReports!.all().map((row) => ({
      id: Number(row.id),
      time: date(row.time),
      reporter: String(row.reporter),
      reported: String(row.reported),
      reason: String(row.reason),
      lines: parseLines(row.lines),
      closedBy: null,
    }));
  }

  /** Closes an open report; false if there is no open report with that number. */
  closeReport(id: number, by: string, time: Date): boolean {
    return Number(this.#sql.closeReport!.run(by, time.getTime(), id).changes) > 0;
  }

  /** A renamed account keeps its bans, mutes and reports (inside the rename transaction). */
  renameUser(oldName: string, newName: string): void {
    const oldKey = oldName.toLowerCase();
    this.#sql.renameBans!.run(newName.toLowerCase(), newName, oldKey);
    this.#sql.renameMutes!.run(newName.toLowerCase(), newName, oldKey);
    this.#sql.renameReported!.run(newName, oldKey);
    this.#sql.renameReporter!.run(newName, oldKey);
  }
}

function parseLines(text: unknown): string[] {
  try {
    const lines = JSON.parse(String(text));
    return Array.isArray(lines) ? lines.map(String) : [];
  } catch {
    return [];
  }
}
