/**
 * A chat room: a number, a name, a leader and its members. Rooms exist only as this membership
 * list; when the leader leaves, the room closes (the permanent lobby has no leader).
 *
 * @module
 */

import type { EncodedEvent } from "../shared/protocol.ts";
import type { SendQueue } from "./send_queue.ts";
import type { User } from "./user.ts";

/**
 * @example
 * ```ts
 * const lobby = new Room(1, "lobby", null);
 * lobby.permanent; // true
 * const games = new Room(2, "games", null, "alice"); // restored: alice leads it once she is back
 * ```
 */
export class Room {
  readonly key: string;
  readonly members: Set<User> = new Set();
  /** Names that entered or left since the last summary (big rooms only). */
  entered: string[] = [];
  left: string[] = [];
  summaryTimer: ReturnType<typeof setTimeout> | undefined;

  /** The leader; null in the permanent lobby and in a restored room until its leader is back. */
  leader: User | null;
  /** A restored room's leader (lower case) until they come back and join it. */
  awaitedLeader: string | null;
  /** Until when a restored room waits for its leader. */
  leaderTimer: ReturnType<typeof setTimeout> | undefined;

  /** `awaitedLeader`: a room restored after a restart, led by that user once they are back. */
  constructor(
    readonly id: number,
    readonly name: string,
    leader: User | null,
    awaitedLeader: string | null = null,
    /** When this room was opened (ms; 0 for the lobby): a room of the same name later is another. */
    readonly since: number = leader === null && awaitedLeader === null ? 0 : Date.now(),
  ) {
    this.key = name.toLowerCase();
    this.leader = leader;
    this.awaitedLeader = awaitedLeader?.toLowerCase() ?? null;
  }

  /**
   * Whose history this room's lines are: this room's, not an earlier room's of the same name
   * (whose lines its members never heard, and must not read).
   */
  get historyKey(): string {
    return this.since === 0 ? `#${this.key}` : `#${this.key}@${this.since}`;
  }

  /** A user joined: if the room was waiting for them as its leader, they lead it again. */
  claim(user: User): boolean {
    if (this.awaitedLeader !== user.key) return false;
    this.leader = user;
    this.awaitedLeader = null;
    clearTimeout(this.leaderTimer);
    this.leaderTimer = undefined;
    return true;
  }

  /** Adds a member (and the room to the member's rooms); false if already one. */
  add(user: User): boolean {
    if (this.members.has(user)) return false;
    this.members.add(user);
    user.joined(this);
    return true;
  }

  /** Removes a member (and the room from the member's rooms); false if not one. */
  remove(user: User): boolean {
    if (!this.members.delete(user)) return false;
    user.left(this);
    return true;
  }

  /** Takes everyone out (the room closes); returns who was in it. */
  empty(): User[] {
    const members = [...this.members];
    this.members.clear();
    for (const member of members) member.left(this);
    return members;
  }

  /** Takes the names that entered and left since the last summary. */
  takeChanges(): { entered: string[]; left: string[] } {
    const changes = { entered: this.entered, left: this.left };
    this.entered = [];
    this.left = [];
    return changes;
  }

  /** The permanent room (the lobby) has no leader to wait for, and never closes. */
  get permanent(): boolean {
    return this.leader === null && this.awaitedLeader === null;
  }

  /**
   * Sends one encoded event to every member except `except` and those who block `senderKey`.
   * The hot path: the bytes are shared, nothing is copied per member.
   */
  broadcast(
    event: EncodedEvent,
    holdLimit: number,
    except?: User,
    senderKey?: string,
    full?: (queue: SendQueue) => void,
  ): void {
    for (const member of this.members) {
      if (member === except) continue;
      if (senderKey !== undefined && member.blocks(senderKey)) continue;
      member.deliver(event, holdLimit);
      // A reader whose queue this filled past its limit: the sender waits for it (flow control).
      if (full !== undefined) {
        const queue = member.session?.queue;
        if (queue?.overLimit) full(queue);
      }
    }
  }
}
