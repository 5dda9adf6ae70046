/**
 * The client's windows, as irssi calls them: the rooms the user is in and the private
 * conversations they had, numbered in that order, with how many lines arrived in each since it
 * was last the current one and whether the user's name was mentioned there. Alt-1…9 and
 * Ctrl-N/Ctrl-P choose one. A room is made current on the server (`switch`); a private
 * conversation is current here only: plain lines typed there go to that person (`tell`).
 *
 * @module
 */

import type { WireEvent } from "../shared/protocol.ts";

/** One room or private conversation. */
export interface ChatWindow {
  kind: "room" | "private";
  name: string;
  /** Lines that arrived while it was not the current window. */
  unread: number;
  /** Whether one of those lines mentioned the user, or was a private message. */
  mentioned: boolean;
}

/** What one arriving line means for its reader. */
export interface Arrival {
  /** It names the user, or it is a private message: it rings and stands out. */
  alert: boolean;
}

/**
 * Whether a text mentions a name as a word (case-insensitive).
 *
 * @example
 * ```ts
 * mentions("hi Alice!", "alice"); // true
 * mentions("alicebot says hi", "alice"); // false
 * ```
 */
export function mentions(text: string, name: string): boolean {
  if (name === "" || name === "guest") return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_-])@?${escaped}($|[^\\p{L}\\p{N}_-])`, "iu").test(text);
}

/**
 * @example
 * ```ts
 * const windows = new Windows();
 * windows.setRooms(["lobby", "den"], "lobby");
 * windows.arrived({ type: "message", from: "bob", room: "den", text: "hi alice", time: "" }, "alice");
 * windows.list()[1]; // { kind: "room", name: "den", unread: 1, mentioned: true }
 * ```
 */
export class Windows {
  #rooms: ChatWindow[] = [];
  #privates: ChatWindow[] = [];
  #current: { kind: "room" | "private"; name: string } | undefined;
  /** The server's current room as last told. */
  #serverCurrent: string | null = null;

  /** Every window in order: rooms (as joined), then private conversations. */
  list(): ChatWindow[] {
    return [...this.#rooms, ...this.#privates];
  }

  /** The current window, if any. */
  get current(): ChatWindow | undefined {
    const current = this.#current;
    return current &&
      this.list().find((w) => w.kind === current.kind && same(w.name, current.name));
  }

  /**
   * The rooms as the server says the user is in them. When the server's current room changes
   * (a `join`, `switch`…), that room becomes the current window; otherwise a private
   * conversation stays current.
   */
  setRooms(rooms: readonly string[], current: string | null): void {
    const old = new Map(this.#rooms.map((w) => [w.name.toLowerCase(), w]));
    this.#rooms = rooms.map((name) =>
      old.get(name.toLowerCase()) ?? { kind: "room", name, unread: 0, mentioned: false }
    );
    const moved = current !== this.#serverCurrent;
    this.#serverCurrent = current;
    if (this.#current?.kind === "private" && !moved) return;
    if (current === null) {
      if (this.#current?.kind === "room") this.#current = undefined;
      return;
    }
    this.#select({ kind: "room", name: current });
  }

  /** Counts an arriving line in its window (opening a private one); says whether it alerts. */
  arrived(event: WireEvent, me: string | undefined): Arrival {
    const text = typeof event.text === "string" ? event.text : "";
    const mentioned = me !== undefined && mentions(text, me);
    let window: ChatWindow | undefined;
    if (event.type === "message") {
      window = this.#rooms.find((w) => same(w.name, event.room));
    } else if (event.type === "private") {
      window = this.openPrivate(event.from);
    }
    const alert = mentioned || event.type === "private";
    if (window && window !== this.current) {
      window.unread++;
      window.mentioned ||= alert;
    }
    return { alert };
  }

  /** The private conversation with `name`, opened if new. */
  openPrivate(name: string): ChatWindow {
    let window = this.#privates.find((w) => same(w.name, name));
    if (!window) {
      window = { kind: "private", name, unread: 0, mentioned: false };
      this.#privates.push(window);
    }
    return window;
  }

  /** The window Alt-N, Ctrl-N or Ctrl-P leads to, or undefined when there is none. */
  target(to: number | "next" | "previous"): ChatWindow | undefined {
    const all = this.list();
    if (typeof to === "number") return all[to - 1];
    if (all.length === 0) return undefined;
    const at = this.current ? all.indexOf(this.current) : -1;
    const step = to === "next" ? 1 : -1;
    return all[(at + step + all.length) % all.length];
  }

  /** Makes a window current here (a room also needs the server's `switch`). */
  select(window: ChatWindow): void {
    this.#select(window);
  }

  #select(target: { kind: "room" | "private"; name: string }): void {
    this.#current = { kind: target.kind, name: target.name };
    const window = this.current;
    if (window) {
      window.unread = 0;
      window.mentioned = false;
    }
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
