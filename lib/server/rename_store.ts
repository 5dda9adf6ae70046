/**
 * Renames on disk: each rename is a row that is both the journal of a rename under way and, once
 * done, the record of who a name became. The rename's steps (this row and the moved data in one
 * transaction; then `users.txt`; then `done`) let a restart finish a rename a crash interrupted,
 * so exactly one of the two names works (see `renames.ts`).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The table of {@link RenameStore}; run by `Store.open` with the rest of the schema. */
export const RENAME_SCHEMA = `
CREATE TABLE IF NOT EXISTS renames (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  old_key TEXT NOT NULL,
  old TEXT NOT NULL,
  new_key TEXT NOT NULL,
  new TEXT NOT NULL,
  time INTEGER NOT NULL,
  hold_until INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS renames_by_old ON renames (old_key, id);
`;

/** One rename. */
export interface RenameRecord {
  id: number;
  old: string;
  new: string;
  time: Date;
  /** Until when nobody else may take the old name. */
  holdUntil: Date;
  done: boolean;
}

function record(row: Record<string, unknown>): RenameRecord {
  return {
    id: Number(row.id),
    old: String(row.old),
    new: String(row.new),
    time: new Date(Number(row.time)),
    holdUntil: new Date(Number(row.hold_until)),
    done: row.done === 1,
  };
}

/**
 * @example
 * ```ts
 * import type { Store } from "./store.ts";
 *
 * declare const store: Store;
 * declare const holdUntil: Date;
 *
 * const id = store.renames.begin("alice", "alicia", new Date(), holdUntil);
 * store.renames.finish(id);
 * store.renames.latestFrom("alice")?.new; // "alicia"
 * ```
 */
export class RenameStore {
  readonly #sql: Record<string, StatementSync>;

  constructor(readonly db: DatabaseSync) {
    this.#sql = {
      begin: db.prepare(
        "INSERT INTO renames (old_key, old, new_key, new, time, hold_until) " +
          "VALUES (?, ?, ?, ?, ?, ?)",
      ),
      finish: db.prepare("UPDATE renames SET done = 1 WHERE id = ?"),
      cancel: db.prepare("DELETE FROM renames WHERE id = ?"),
      unfinished: db.prepare("SELECT * FROM renames WHERE done = 0 ORDER BY id"),
      latestFrom: db.prepare(
        "SELECT * FROM renames WHERE old_key = ? AND done = 1 ORDER BY id DESC LIMIT 1",
      ),
    };
  }

  /** Journals a rename (call inside the transaction that moves the data); returns its id. */
  begin(oldName: string, newName: string, time: Date, holdUntil: Date): number {
    const { lastInsertRowid } = this.#sql.begin!.run(
      oldName.toLowerCase(),
      oldName,
      newName.toLowerCase(),
      newName,
      time.getTime(),
      holdUntil.getTime(),
    );
    return Number(lastInsertRowid);
  }

  /** The rename is complete: the account file has the new name. */
  finish(id: number): void {
    this.#sql.finish!.run(id);
  }

  /** Forgets a journaled rename that was undone. */
  cancel(id: number): void {
    this.#sql.cancel!.run(id);
  }

  /** Renames journaled but not finished (a crash came between the steps). */
  unfinished(): RenameRecord[] {
    return this.#sql.unfinished!.all().map(record);
  }

  /** The most recent finished rename away from `name`. */
  latestFrom(name: string): RenameRecord | undefined {
    const row = this.#sql.latestFrom!.get(name.toLowerCase());
    return row ? record(row) : undefined;
  }
}
