/**
 * Private groups on disk: a group has an owner, a name (unique per owner, case-insensitive) and a
 * fixed list of members (the owner among them). Tables in the store's database (see `store.ts`).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The tables of {@link GroupStore}; run by `Store.open` with the rest of the schema. */
export const GROUP_SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_key TEXT NOT NULL,
  owner TEXT NOT NULL,
  name_key TEXT NOT NULL,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (owner_key, name_key)
) STRICT;
CREATE TABLE IF NOT EXISTS group_members (
  group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_key TEXT NOT NULL,
  user TEXT NOT NULL,
  PRIMARY KEY (group_id, user_key)
) STRICT;
CREATE INDEX IF NOT EXISTS group_members_by_user ON group_members (user_key);
`;

/** A group as stored: its members in the order they were added, the owner first. */
export interface Group {
  id: number;
  owner: string;
  name: string;
  members: string[];
}

/**
 * @example
 * ```ts
 * import type { Store } from "./store.ts";
 *
 * declare const store: Store;
 *
 * const id = store.groups.create("alice", "team", ["alice", "bob"], new Date());
 * store.groups.groupsOf("bob"); // [{ id, owner: "alice", name: "team", members: [...] }]
 * ```
 */
export class GroupStore {
  readonly #sql: Record<string, StatementSync>;

  constructor(readonly db: DatabaseSync) {
    this.#sql = {
      insertGroup: db.prepare(
        "INSERT INTO groups (owner_key, owner, name_key, name, created) VALUES (?, ?, ?, ?, ?)",
      ),
      insertMember: db.prepare(
        "INSERT OR IGNORE INTO group_members (group_id, user_key, user) VALUES (?, ?, ?)",
      ),
      deleteMember: db.prepare("DELETE FROM group_members WHERE group_id = ? AND user_key = ?"),
      deleteMembers: db.prepare("DELETE FROM group_members WHERE group_id = ?"),
      deleteGroup: db.prepare("DELETE FROM groups WHERE id = ?"),
      byId: db.prepare("SELECT id, owner, name FROM groups WHERE id = ?"),
      members: db.prepare("SELECT user FROM group_members WHERE group_id = ? ORDER BY rowid"),
      ofUser: db.prepare(
        "SELECT g.id, g.owner, g.name FROM groups g JOIN group_members m ON m.group_id = g.id " +
          "WHERE m.user_key = ? ORDER BY g.id",
      ),
      countOwned: db.prepare("SELECT COUNT(*) AS n FROM groups WHERE owner_key = ?"),
      renameOwner: db.prepare("UPDATE groups SET owner_key = ?, owner = ? WHERE owner_key = ?"),
      renameMember: db.prepare(
        "UPDATE group_members SET user_key = ?, user = ? WHERE user_key = ?",
      ),
    };
  }

  /** Makes a group (members as given, the owner first); returns its id. */
  create(owner: string, name: string, members: string[], time: Date): number {
    this.db.exec("BEGIN");
    try {
      const { lastInsertRowid } = this.#sql.insertGroup!.run(
        owner.toLowerCase(),
        owner,
        name.toLowerCase(),
        name,
        time.getTime(),
      );
      const id = Number(lastInsertRowid);
      for (const member of [owner, ...members]) {
        this.#sql.insertMember!.run(id, member.toLowerCase(), member);
      }
      this.db.exec("COMMIT");
      return id;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** A group by id, with its members. */
  get(id: number): Group | undefined {
    const row = this.#sql.byId!.get(id);
    return row ? this.#withMembers(row) : undefined;
  }

  /** Every group `user` is a member of (owned ones included), oldest first. */
  groupsOf(user: string): Group[] {
    return this.#sql.ofUser!.all(user.toLowerCase()).map((row) => this.#withMembers(row));
  }

  /** How many groups `owner` owns. */
  countOwned(owner: string): number {
    return Number(this.#sql.countOwned!.get(owner.toLowerCase())?.n ?? 0);
  }

  /** Adds a member; false if they were one already. */
  addMember(id: number, user: string): boolean {
    return Number(this.#sql.insertMember!.run(id, user.toLowerCase(), user).changes) > 0;
  }

  /** Removes a member; false if they were none. */
  removeMember(id: number, user: string): boolean {
    return Number(this.#sql.deleteMember!.run(id, user.toLowerCase()).changes) > 0;
  }

  /** Deletes a group and its member list. */
  delete(id: number): void {
    this.#sql.deleteMembers!.run(id);
    this.#sql.deleteGroup!.run(id);
  }

  /** A renamed account keeps its groups (called inside the store's rename transaction). */
  renameUser(oldName: string, newName: string): void {
    const oldKey = oldName.toLowerCase();
    this.#sql.renameOwner!.run(newName.toLowerCase(), newName, oldKey);
    this.#sql.renameMember!.run(newName.toLowerCase(), newName, oldKey);
  }

  #withMembers(row: Record<string, unknown>): Group {
    const id = Number(row.id);
    return {
      id,
      owner: String(row.owner),
      name: String(row.name),
      members: this.#sql.members!.all(id).map((m) => String(m.user)),
    };
  }
}
