/**
 * The server's rooms, found by number or by name (case-insensitively).
 *
 * @module
 */

import { Room } from "./room.ts";
import type { User } from "./user.ts";

/** The room that exists from the start and never closes. */
export const LOBBY = "lobby";

/**
 * @example
 * ```ts
 * const rooms = new Rooms();
 * rooms.find("1")?.name; // "lobby"
 * rooms.find("LOBBY")?.id; // 1
 * ```
 */
export class Rooms {
  #byId = new Map<number, Room>();
  #byKey = new Map<string, Room>();
  #nextId = 1;

  constructor() {
    this.create(LOBBY, null);
  }

  /** Number of open rooms. */
  get size(): number {
    return this.#byId.size;
  }

  /** Opens a room; the caller has checked that the name is free. */
  create(name: string, leader: User | null): Room {
    return this.#add(new Room(this.#nextId++, name, leader));
  }

  /** Brings back a room kept across a restart, with its number, waiting for its leader. */
  restore(id: number, name: string, leader: string, since: number): Room | undefined {
    if (this.#byId.has(id) || this.has(name)) return undefined;
    this.#nextId = Math.max(this.#nextId, id + 1);
    return this.#add(new Room(id, name, null, leader, since));
  }

  #add(room: Room): Room {
    this.#byId.set(room.id, room);
    this.#byKey.set(room.key, room);
    return room;
  }

  /** Whether a room has this name. */
  has(name: string): boolean {
    return this.#byKey.has(name.toLowerCase());
  }

  /** A room by its number (`3`, `#3`) or its name. */
  find(ref: string): Room | undefined {
    const trimmed = ref.trim();
    const number = /^#?(\d{1,9})$/.exec(trimmed);
    if (number) {
      const room = this.#byId.get(Number(number[1]));
      if (room) return room;
    }
    return this.#byKey.get(trimmed.toLowerCase());
  }

  /** Removes a room (its members have already been taken out). */
  remove(room: Room): void {
    this.#byId.delete(room.id);
    this.#byKey.delete(room.key);
  }

  /** Every open room, oldest first. */
  list(): Room[] {
    return [...this.#byId.values()];
  }
}
