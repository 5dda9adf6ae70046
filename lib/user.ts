/**
 * A logged-in user: identity, presence, room memberships and blocks. A user outlives its session
 * (one connection): when the connection is lost, the user is held for a grace period so that a
 * reconnect resumes where it left off.
 *
 * @module
 */

import type { EncodedEvent } from "./protocol.ts";
import type { Room } from "./room.ts";
import type { Session } from "./session.ts";

/**
 * @example
 * ```ts
 * const alice = new User("alice", "user", new Set());
 * alice.online; // false until a session is attached
 * ```
 */
export class User {
  /** Lower-case name: the key users are looked up by. */
  readonly key: string;
  /** Rooms the user is in, in the order they were joined. */
  readonly rooms: Set<Room> = new Set();
  /** The room plain lines go to. */
  current: Room | null = null;
  /** The connection, or null while the user is in the grace period after losing it. */
  session: Session | null = null;
  /** Events that arrived while the connection was lost, replayed on resume. */
  held: EncodedEvent[] = [];
  heldBytes = 0;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly loginTime: Date = new Date();

  constructor(
    readonly name: string,
    readonly role: "user" | "admin",
    /** Lower-case names of the users this user blocks. */
    readonly blocked: Set<string>,
  ) {
    this.key = name.toLowerCase();
  }

  /** Whether the user has a live connection (false during the grace period). */
  get online(): boolean {
    return this.session !== null;
  }

  /** Whether this user blocks the user with the given lower-case name. */
  blocks(senderKey: string): boolean {
    return this.blocked.size !== 0 && this.blocked.has(senderKey);
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
    const size = event.bytes("json").length;
    this.held.push(event);
    this.heldBytes += size;
    while (this.heldBytes > holdLimit && this.held.length > 0) {
      this.heldBytes -= this.held.shift()!.bytes("json").length;
    }
  }

  /** Room names in join order (for replies and `who`). */
  roomNames(): string[] {
    return [...this.rooms].map((room) => room.name);
  }
}
