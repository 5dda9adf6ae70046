/**
 * Rooms on disk: every open room's number, name and leader, so that a restart keeps them and a
 * reconnecting member re-joins the same room with the same leader (the lobby, permanent, is not
 * stored). A restored room whose leader does not come back within the grace period closes.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The table of {@link RoomStore}; run by `Store.open` with the rest of the schema. */
export const ROOM_SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  leader_key TEXT NOT NULL,
  leader TEXT NOT NULL,
  since INTEGER NOT NULL DEFAULT 0
) STRICT;
`;

/** A stored room. */
export interface SavedRoom {
  id: number;
  name: string;
  leader: string;
  /** When it was opened (ms): its history is its own, not a same-named earlier room's. */
  since: number;
}

/**
 * @example
 * ```ts
 * import type { Store } from "./store.ts";
 *
 * declare const store: Store;
 *
 * store.rooms.save({ id: 2, name: "games", leader: "alice", since: Date.now() });
 * store.rooms.list(); // [{ id: 2, name: "games", leader: "alice", since: … }]
 * ```
 */
export class RoomStore {
  readonly #sql: Record<"list" | "save" | "remove" | "rename", StatementSync>;

  constructor(db: DatabaseSync) {
    // The table as the first version of this file made it lacked `since`.
    const columns = db.prepare("PRAGMA table_info(rooms)").all() as { name: string }[];
    if (!columns.some((column) => column.name === "since")) {
      db.exec("ALTER TABLE rooms ADD COLUMN since INTEGER NOT NULL DEFAULT 0");
    }
    this.#sql = {
      list: db.prepare("SELECT id, name, leader, since FROM rooms ORDER BY id"),
      save: db.prepare(
        "INSERT OR REPLACE INTO rooms (id, name, leader_key, leader, since) VALUES (?, ?, ?, ?, ?)",
      ),
      remove: db.prepare("DELETE FROM rooms WHERE id = ?"),
      rename: db.prepare("UPDATE rooms SET leader_key = ?, leader = ? WHERE leader_key = ?"),
    };
  }

  /** Every stored room, by number. */
  list(): SavedRoom[] {
    return (this.#sql.list.all() as Record<string, unknown>[])
      .filter((row) =>
        typeof row.id === "number" && typeof row.name === "string" && typeof row.leader === "string"
      )
      .map((row) => ({
        id: row.id as number,
        name: row.name as string,
        leader: row.leader as string,
        since: typeof row.since === "number" ? row.since : 0,
      }));
  }

  /** Stores an open room (or its new leader). */
  save(room: SavedRoom): void {
    this.#sql.save.run(room.id, room.name, room.leader.toLowerCase(), room.leader, room.since);
  }

  /** Forgets a closed room. */
  remove(id: number): void {
    this.#sql.remove.run(id);
  }

  /** A leader was renamed: their rooms follow (inside the rename's transaction). */
  renameUser(oldName: string, newName: string): void {
    this.#sql.rename.run(newName.toLowerCase(), newName, oldName.toLowerCase());
  }
}
