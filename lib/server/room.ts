/**
 * A chat room: a number, a name, a leader and its members. Rooms exist only as this membership
 * list; when the leader leaves, the room closes (the permanent lobby has no leader).
 *
 * @module
 */

import type { EncodedEvent } from "../shared/protocol.ts";
import type { User } from "./user.ts";

/**
 * @example
 * ```ts
 * const lobby = new Room(1, "lobby", null);
 * lobby.permanent; // true
 * ```
 */
export class Room {
  readonly key: string;
  readonly members: Set<User> = new Set();
  /** Names that entered or left since the last summary (big rooms only). */
  entered: string[] = [];
  left: string[] = [];
  summaryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly id: number, readonly name: string, readonly leader: User | null) {
    this.key = name.toLowerCase();
  }

  /** The permanent room never closes. */
  get permanent(): boolean {
    return this.leader === null;
  }

  /**
   * Sends one encoded event to every member except `except` and those who block `senderKey`.
   * The hot path: the bytes are shared, nothing is copied per member.
   */
  broadcast(event: EncodedEvent, holdLimit: number, except?: User, senderKey?: string): number {
    let delivered = 0;
    for (const member of this.members) {
      if (member === except) continue;
      if (senderKey !== undefined && member.blocks(senderKey)) continue;
      member.deliver(event, holdLimit);
      delivered++;
    }
    return delivered;
  }
}
