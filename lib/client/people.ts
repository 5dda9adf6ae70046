/**
 * The users the client has seen, and in which rooms, most recently active first: what Tab
 * completes user names from (those in the current room first).
 *
 * @module
 */

import type { WireEvent } from "../shared/protocol.ts";

/**
 * @example
 * ```ts
 * const people = new People();
 * people.observe({ type: "message", from: "bob", room: "lobby", text: "hi", time: "" });
 * people.inRoom("lobby"); // ["bob"]
 * ```
 */
export class People {
  /** Room (lower case) → its members seen, most recently active first. */
  readonly #rooms = new Map<string, string[]>();
  /** Everyone seen, most recently active first. */
  #everyone: string[] = [];

  /** Users seen in a room. */
  inRoom(room: string | null): readonly string[] {
    return room === null ? [] : this.#rooms.get(room.toLowerCase()) ?? [];
  }

  /** Everyone seen. */
  get everyone(): readonly string[] {
    return this.#everyone;
  }

  /** Learns from an event: who spoke where, who entered or left, who answered `who`. */
  observe(event: WireEvent): void {
    switch (event.type) {
      case "message":
        return this.#active(event.from, event.room);
      case "private":
      case "broadcast":
      case "group":
        return this.#active(event.from);
      case "notice":
        if (typeof event.user !== "string") return;
        if (event.kind === "leave" && typeof event.room === "string") {
          const members = this.#rooms.get(event.room.toLowerCase());
          if (members) this.#rooms.set(event.room.toLowerCase(), without(members, event.user));
          return;
        }
        if (event.kind === "enter" || event.kind === "back") {
          this.#active(event.user, typeof event.room === "string" ? event.room : undefined);
        }
        return;
      case "reply":
        if ((event.command === "who" || event.command === "whoelse") && Array.isArray(event.data)) {
          for (const entry of event.data) {
            if (typeof entry?.user !== "string") continue;
            const rooms: unknown[] = Array.isArray(entry.rooms) ? entry.rooms : [];
            this.#active(entry.user);
            for (const room of rooms) if (typeof room === "string") this.#active(entry.user, room);
          }
        }
        return;
    }
  }

  #active(user: string, room?: string): void {
    if (user === "*" || user === "") return;
    this.#everyone = [user, ...without(this.#everyone, user)].slice(0, 1000);
    if (room === undefined) return;
    const key = room.toLowerCase();
    this.#rooms.set(key, [user, ...without(this.#rooms.get(key) ?? [], user)].slice(0, 1000));
  }
}

function without(names: readonly string[], name: string): string[] {
  return names.filter((other) => other.toLowerCase() !== name.toLowerCase());
}
