/**
 * A logged-in user: identity, presence, room memberships and blocks. A user outlives its session
 * (one connection): when the connection is lost, the user is held for a grace period so that a
 * reconnect resumes where it left off.
 *
 * @module
 */

import type { EncodedEvent } from "../shared/protocol.ts";
import type { Room } from "./room.ts";
import type { Session } from "./session.ts";

/**
 * @example
 * ```ts
 * const alice = new User("alice", "user", ["mallory"]);
 * alice.blocks("mallory"); // true
 * alice.online; // false until a session is attached
 * ```
 */
export class User {
  /** Lower-case name: the key users are looked up by. */
  key: string;
  #name: string;
  /** Rooms the user is in, in the order they were joined. */
  readonly rooms: Set<Room> = new Set();
  /** The room plain lines go to. */
  current: Room | null = null;
  /** The connection, or null while the user is in the grace period after losing it. */
  session: Session | null = null;
  /** Events that arrived while the connection was lost, replayed on resume. */
  held: EncodedEvent[] | null = null;
  heldBytes = 0;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Lower-case names of the users this user blocks; null for none (most users). */
  #blocked: Set<string> | null = null;

  constructor(name: string, readonly role: "user" | "admin", blocked: string[] = []) {
    this.#name = name;
    this.key = name.toLowerCase();
    for (const other of blocked) this.block(other);
  }

  /** The account's name (it changes only by a rename). */
  get name(): string {
    return this.#name;
  }

  /** The account was renamed (the directory re-files the user under the new key). */
  rename(name: string): void {
    this.#name = name;
    this.key = name.toLowerCase();
  }

  /** Called by {@link Room.add}: the room is joined and becomes the current one. */
  joined(room: Room): void {
    this.rooms.add(room);
    this.current = room;
  }

  /** Called by {@link Room.remove}: the room is left; the current one becomes the last joined. */
  left(room: Room): void {
    this.rooms.delete(room);
    if (this.current === room) {
      let last: Room | null = null;
      for (const other of this.rooms) last = other;
      this.current = last;
    }
  }

  /** Makes a room this user is in the current one (plain lines go there). */
  speakIn(room: Room): void {
    if (this.rooms.has(room)) this.current = room;
  }

  /** A connection takes this user over (a login, or a resume after the grace period). */
  attach(session: Session): void {
    this.session = session;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  /** The connection is gone; `expire` runs after `graceMs` unless a session comes back. */
  detach(graceMs: number, expire: () => void): void {
    this.session = null;
    this.graceTimer = setTimeout(expire, graceMs);
  }

  /** The user leaves for good: no grace timer, no current room. */
  gone(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.session = null;
    this.current = null;
  }

  /** Starts blocking a user (by name, any case). */
  block(name: string): void {
    (this.#blocked ??= new Set()).add(name.toLowerCase());
  }

  /** Stops blocking a user. */
  unblock(name: string): void {
    this.#blocked?.delete(name.toLowerCase());
  }

  /** Whether the user has a live connection (false during the grace period). */
  get online(): boolean {
    return this.session !== null;
  }

  /** Whether this user blocks the user with the given lower-case name. */
  blocks(senderKey: string): boolean {
    return this.#blocked !== null && this.#blocked.has(senderKey);
  }

  /**
   * Sends an event to the user's connection; while the connection is lost, holds it (up to
   * `holdLimit` bytes, oldest dropped first) for the resume.
   */
  deliver(event: EncodedEvent, holdLimit: number): void {
    const session = this.session;
    if (session) {
      session.send(event);
      return;
    }
    const held = this.held ??= [];
    held.push(event);
    this.heldBytes += event.bytes("json").length;
    while (this.heldBytes > holdLimit && held.length > 0) {
      this.heldBytes -= held.shift()!.bytes("json").length;
    }
  }

  /** Takes the events held during the grace period (for the resumed session). */
  takeHeld(): EncodedEvent[] {
    const held = this.held ?? [];
    this.held = null;
    this.heldBytes = 0;
    return held;
  }

  /** Room names in join order (for replies and `who`). */
  roomNames(): string[] {
    return [...this.rooms].map((room) => room.name);
  }
}
