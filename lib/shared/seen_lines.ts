/**
 * What a client needs to fill the gap after a reconnect without showing a line twice: the ids of
 * the lines it showed (the newest few thousand), and the newest id per room and conversation, to
 * ask the server for what came after it (`history <target> after <id>`). Shared by the terminal
 * and the web client.
 *
 * @module
 */

import { quoteArgument, type WireEvent } from "./protocol.ts";

/** How many ids are remembered to spot a line shown twice. */
const REMEMBERED = 5000;

/**
 * @example
 * ```ts
 * import type { WireEvent } from "./protocol.ts";
 * declare const event: WireEvent;
 *
 * const seen = new SeenLines();
 * seen.accept(event, "alice"); // true the first time, false for the same id again
 * seen.gapQueries(["lobby"]); // ["history lobby after 1x2y3z"]
 * ```
 */
export class SeenLines {
  readonly #ids = new Set<string>();
  /** Newest id per target: a room name (lower case), a user's name, or `*` for shouts. */
  readonly #newest = new Map<string, { target: string; id: string }>();

  /**
   * Notes a line about to be shown; false when a line with its id was shown already (it is then
   * not to be shown again). Lines without an id (notices, replies) are always shown.
   */
  accept(event: WireEvent, me: string | undefined): boolean {
    const id = "id" in event && typeof event.id === "string" ? event.id : undefined;
    if (id === undefined) return true;
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > REMEMBERED) this.#ids.delete(this.#ids.values().next().value!);
    const target = targetOf(event, me);
    if (target !== undefined) {
      const key = target.toLowerCase();
      const known = this.#newest.get(key);
      if (known === undefined || newer(id, known.id)) this.#newest.set(key, { target, id });
    }
    return true;
  }

  /**
   * The `history … after …` commands that fetch what was said while away: for each room the user
   * is in now, each private conversation seen, and shouts.
   */
  gapQueries(rooms: readonly string[]): string[] {
    const inRoom = new Set(rooms.map((room) => room.toLowerCase()));
    const queries: string[] = [];
    for (const [key, { target, id }] of this.#newest) {
      if (key.startsWith("#")) {
        if (!inRoom.has(key.slice(1))) continue;
        queries.push(`history ${quoteArgument(target.slice(1))} after ${id}`);
      } else queries.push(`history ${target} after ${id}`);
    }
    return queries;
  }
}

/** Whose history a line belongs to, as the `history` command names it. */
function targetOf(event: WireEvent, me: string | undefined): string | undefined {
  switch (event.type) {
    case "message":
      return `#${event.room}`;
    case "private":
      return event.from.toLowerCase() === me?.toLowerCase() ? event.to : event.from;
    case "broadcast":
      return "*";
    default:
      return undefined;
  }
}

/** Whether id `a` is of a later line than `b` (ids are base-36 sequence numbers). */
function newer(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}
