/**
 * The core's private groups (seed 003): a group's owner fixes its members; a group message
 * reaches every member online and the mailbox of the others. A group is not a room: nobody joins
 * it, and to anyone outside it a group does not exist — every error about a group a user is not in
 * reads as for a group that does not exist.
 *
 * Names are the owner's own (`alice/team`); a member names a group by its name alone, or as
 * `owner/name` when two of their groups share a name.
 *
 * @module
 */

import { type CommandError, fail, isError } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import type { Directory } from "./directory.ts";
import type { Group, GroupStore } from "./group_store.ts";
import { EncodedEvent, NEW_USER_NAME_PATTERN } from "../shared/protocol.ts";
import { sanitizeText } from "../shared/sanitize.ts";
import type { Screen } from "./speech.ts";
import type { User } from "./user.ts";

/** How a group is shown and named unambiguously: `owner/name`. */
export function groupLabel(group: Group): string {
  return `${group.owner}/${group.name}`;
}

/** Where a group message went. */
export interface GroupDelivery {
  group: string;
  text: string;
  /** Members it reached at once, and members whose mailbox got it. */
  online: number;
  offline: number;
  /** Members whose mailbox was full (they will not get it). */
  full: string[];
}

/**
 * @example
 * ```ts
 * import type { ServerConfig } from "./config.ts";
 * import type { Directory } from "./directory.ts";
 * import type { Rooms } from "./rooms.ts";
 * import type { Screen } from "./speech.ts";
 * import type { Store } from "./store.ts";
 * import type { User } from "./user.ts";
 *
 * declare const config: ServerConfig;
 * declare const directory: Directory;
 * declare const store: Store;
 * declare const rooms: Rooms;
 * declare const screen: Screen;
 * declare const alice: User;
 *
 * const groups = new Groups(config, directory, store.groups, (name) => rooms.has(name), screen);
 * const team = groups.create(alice, "team", ["bob", "carol"], new Date());
 * ```
 */
export class Groups {
  constructor(
    readonly config: ServerConfig,
    readonly directory: Directory,
    readonly store: GroupStore,
    readonly roomExists: (name: string) => boolean,
    readonly screen: Screen,
  ) {}

  /** Every group `user` is in, oldest first. */
  list(user: User): Group[] {
    return this.store.groupsOf(user.name);
  }

  /** A group of the user's by `name` or `owner/name`; NO_SUCH_GROUP for any other. */
  resolve(user: User, ref: string): Group | CommandError {
    const [owner, name] = ref.includes("/") ? ref.split("/", 2) : [undefined, ref];
    const matches = this.list(user).filter((group) =>
      group.name.toLowerCase() === name!.toLowerCase() &&
      (owner === undefined || group.owner.toLowerCase() === owner.toLowerCase())
    );
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      return fail(
        "BAD_FORMAT",
        `you are in ${matches.length} groups named ${name}: say which, as ` +
          matches.map(groupLabel).join(" or "),
      );
    }
    return fail("NO_SUCH_GROUP", `you are in no group ${ref.slice(0, 65)}; groups lists yours`);
  }

  /** A group the user owns, by reference. */
  #owned(user: User, ref: string): Group | CommandError {
    const group = this.resolve(user, ref);
    if (isError(group)) return group;
    if (group.owner.toLowerCase() !== user.key) {
      return fail("FORBIDDEN", `only ${group.owner}, its owner, may change ${groupLabel(group)}`);
    }
    return group;
  }

  /** Makes a group owned by `owner` with these members (and the owner). */
  create(owner: User, name: string, members: string[], _now: Date): Group | CommandError {
    // A group name follows the rule for a new user name.
    if (!NEW_USER_NAME_PATTERN.test(name)) {
      return fail(
        "BAD_FORMAT",
        "a group name starts with a letter, then up to 31 letters, digits, _ or -",
      );
    }
    if (this.directory.accounts.has(name) || this.roomExists(name)) {
      return fail("NAME_TAKEN", `${name} is the name of a user or a room; choose another`);
    }
    if (this.list(owner).some((group) => group.name.toLowerCase() === name.toLowerCase())) {
      return fail("NAME_TAKEN", `you are already in a group named ${name}`);
    }
    if (this.store.countOwned(owner.name) >= this.config.maxGroupsPerUser) {
      return fail("FORBIDDEN", `you own ${this.config.maxGroupsPerUser} groups, the most allowed`);
    }
    const names = this.#members(owner, members, 1);
    if (isError(names)) return names;
    const id = this.store.create(owner.name, name, names, new Date());
    const group = this.store.get(id)!;
    this.#tell(names, `${owner.name} added you to group ${groupLabel(group)}`);
    return group;
  }

  /** Adds a member (owner only). */
  add(owner: User, ref: string, name: string): Group | CommandError {
    const group = this.#owned(owner, ref);
    if (isError(group)) return group;
    const names = this.#members(owner, [name], group.members.length, group);
    if (isError(names)) return names;
    this.store.addMember(group.id, names[0]!);
    this.#tell(names, `${owner.name} added you to group ${groupLabel(group)}`);
    return this.store.get(group.id)!;
  }

  /** Removes a member (owner only; the owner leaves by deleting the group). */
  remove(owner: User, ref: string, name: string): Group | CommandError {
    const group = this.#owned(owner, ref);
    if (isError(group)) return group;
    const member = group.members.find((m) => m.toLowerCase() === name.toLowerCase());
    if (!member) return fail("NO_SUCH_USER", `${name.slice(0, 32)} is not in ${groupLabel(group)}`);
    if (member.toLowerCase() === owner.key) {
      return fail("FORBIDDEN", "an owner cannot be removed; group delete ends the group");
    }
    this.store.removeMember(group.id, member);
    this.#tell([member], `${owner.name} removed you from group ${groupLabel(group)}`);
    return this.store.get(group.id)!;
  }

  /** A member leaves a group (its owner deletes it instead). */
  leave(user: User, ref: string): Group | CommandError {
    const group = this.resolve(user, ref);
    if (isError(group)) return group;
    if (group.owner.toLowerCase() === user.key) {
      return fail("FORBIDDEN", `you own ${groupLabel(group)}: group delete ends it`);
    }
    this.store.removeMember(group.id, user.name);
    return group;
  }

  /** Deletes a group (owner only); its members are told. */
  delete(owner: User, ref: string): Group | CommandError {
    const group = this.#owned(owner, ref);
    if (isError(group)) return group;
    this.store.delete(group.id);
    this.#tell(group.members, `${owner.name} deleted group ${groupLabel(group)}`, owner);
    return group;
  }

  /**
   * A message to every member but the sender: at once to those online, to the mailbox of the
   * others; those who block the sender get nothing (the sender is not told who).
   */
  send(from: User, ref: string, message: string, now: Date): GroupDelivery | CommandError {
    const group = this.resolve(from, ref);
    if (isError(group)) return group;
    const screened = this.screen(from, message, {
      kind: "group",
      group: groupLabel(group),
      members: group.members,
    });
    if (isError(screened)) return screened;
    const text = sanitizeText(screened);
    if (text === "") return fail("BAD_FORMAT", "usage: group msg <group> <message...>");
    const label = groupLabel(group);
    const event = new EncodedEvent({
      type: "group",
      from: from.name,
      group: label,
      text,
      time: now,
    });
    const delivery: GroupDelivery = { group: label, text, online: 0, offline: 0, full: [] };
    for (const member of group.members) {
      if (member.toLowerCase() === from.key) continue;
      if (this.directory.blocks(member, from.key)) {
        delivery.online++; // counted as sent: a sender is never told of a block
        continue;
      }
      const present = this.directory.present(member);
      if (present?.online) {
        present.deliver(event, this.config.sendq);
        delivery.online++;
      } else if (this.directory.store.addOffline(member, from.name, text, now, label)) {
        delivery.offline++;
      } else delivery.full.push(member);
    }
    return delivery;
  }

  /** Checks a list of new members: accounts, no repeats, not the owner, within the limit. */
  #members(owner: User, names: string[], already: number, group?: Group): string[] | CommandError {
    const seen = new Set<string>();
    const accounts: string[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const key = name.toLowerCase();
      if (key === owner.key) {
        return fail("BAD_FORMAT", "you are in your own groups already; name the other members");
      }
      if (seen.has(key)) return fail("BAD_FORMAT", `${name.slice(0, 32)} is named twice`);
      seen.add(key);
      if (group?.members.some((m) => m.toLowerCase() === key)) {
        return fail("BAD_FORMAT", `${name.slice(0, 32)} is in ${groupLabel(group)} already`);
      }
      const account = this.directory.accounts.get(name);
      if (account) accounts.push(account.name);
      else unknown.push(name.slice(0, 32));
    }
    if (unknown.length) {
      return fail(
        "NO_SUCH_USER",
        `no such user${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`,
      );
    }
    if (already + accounts.length > this.config.maxGroupMembers) {
      return fail(
        "BAD_FORMAT",
        `a group has at most ${this.config.maxGroupMembers} members, its owner included`,
      );
    }
    return accounts;
  }

  /** Tells the members named (who are online) what happened to the group. */
  #tell(members: string[], text: string, except?: User): void {
    const event = new EncodedEvent({ type: "notice", kind: "info", text, time: new Date() });
    for (const member of members) {
      const present = this.directory.present(member);
      if (present && present !== except) present.deliver(event, this.config.sendq);
    }
  }
}
