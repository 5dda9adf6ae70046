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
  leader TEXT NOT NULL
) STRICT;
`;

/** A stored room. */
export interface SavedRoom {
  id: number;
  name: string;
  leader: string;
}

/**
 * @example
 * ```ts
 * import type { Store } from "./store.ts";
 *
 * declare const store: Store;
 *
 * store.rooms.save({ id: 2, name: "games", leader: "alice" });
 * store.rooms.list(); // [{ id: 2, name: "games", leader: "alice" }]
 * ```
 */
export class RoomStore {
  readonly #sql: Record<"list" | "save" | "remove" | "rename", StatementSync>;

  constructor(db: DatabaseSync) {
    this.#sql = {
      list: db.prepare("SELECT id, name, leader FROM rooms ORDER BY id"),
      save: db.prepare(
        "INSERT OR REPLACE INTO rooms (id, name, leader_key, leader) VALUES (?, ?, ?, ?)",
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
      }));
  }

  /** Stores an open room (or its new leader). */
  save(room: SavedRoom): void {
    this.#sql.save.run(room.id, room.name, room.leader.toLowerCase(), room.leader);
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
