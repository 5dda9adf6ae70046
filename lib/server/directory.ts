/**
 * The core's people: who is logged in (including those in their grace period), accounts, blocks,
 * info texts and last logins. Presence commands and the other services look people up here.
 *
 * @module
 */

import type { Account, Accounts } from "./accounts.ts";
import { type CommandError, fail, isError } from "./command_table.ts";
import type { LoginRecord, Store } from "./store.ts";
import { User } from "./user.ts";

/** The longest info text, in characters. */
export const MAX_INFO = 200;

/** What `status` says of a user. */
export interface Presence {
  user: string;
  state: "online" | "reconnecting" | "offline";
  rooms: string[];
  current: string | null;
  info: string;
  lastLogin: Date | undefined;
}

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { Store } from "./store.ts";
 *
 * declare const accounts: Accounts;
 * declare const store: Store;
 *
 * const directory = new Directory(accounts, store);
 * directory.account("alice"); // { name: "alice", role: "user" } or NO_SUCH_USER
 * ```
 */
export class Directory {
  /** Logged-in users by lower-case name, including those in their grace period. */
  readonly #users = new Map<string, User>();

  constructor(readonly accounts: Accounts, readonly store: Store) {}

  /** The logged-in user of that name (online or in the grace period). */
  present(name: string): User | undefined {
    return this.#users.get(name.toLowerCase());
  }

  /** Everyone logged in, in login order. */
  everyone(): IterableIterator<User> {
    return this.#users.values();
  }

  /** Makes the user for an account that logs in (its blocks loaded from the store). */
  arrive(account: Pick<Account, "name" | "role">): User {
    const user = new User(account.name, account.role, this.store.blocksOf(account.name));
    this.#users.set(user.key, user);
    return user;
  }

  /** A logged-in user's account was renamed: re-filed under the new name, and others' blocks follow. */
  rename(user: User, newName: string): void {
    const oldKey = user.key;
    if (this.#users.get(oldKey) === user) this.#users.delete(oldKey);
    user.rename(newName);
    this.#users.set(user.key, user);
    for (const other of this.#users.values()) {
      if (other.blocks(oldKey)) {
        other.unblock(oldKey);
        other.block(newName);
      }
    }
  }

  /** Whether the account is an administrator's now (the file's role, re-read on changes). */
  isAdmin(name: string): boolean {
    return this.accounts.get(name)?.role === "admin";
  }

  /** The administrators online. */
  adminsOnline(): User[] {
    return [...this.#users.values()].filter((user) => user.online && this.isAdmin(user.name));
  }

  /** The user has left for good. */
  depart(user: User): void {
    if (this.#users.get(user.key) === user) this.#users.delete(user.key);
  }

  /** An account by name, or NO_SUCH_USER. */
  account(name: string): Account | CommandError {
    return this.accounts.get(name) ?? fail("NO_SUCH_USER", `no such user: ${name.slice(0, 32)}`);
  }

  /** Whether the user named `target` blocks the user with key `senderKey`, online or not. */
  blocks(target: string, senderKey: string): boolean {
    const online = this.present(target);
    if (online) return online.blocks(senderKey);
    return this.store.blocksOf(target).some((name) => name.toLowerCase() === senderKey);
  }

  /** `user` blocks `name`: stored, and applied at once; says whether it was blocked already. */
  block(user: User, name: string): { account: Account; already: boolean } | CommandError {
    const account = this.account(name);
    if (isError(account)) return account;
    if (account.name.toLowerCase() === user.key) {
      return fail("BAD_FORMAT", "you cannot block yourself");
    }
    const added = this.store.block(user.name, account.name);
    user.block(account.name);
    return { account, already: !added };
  }

  /** `user` stops blocking `name`; whether they had blocked them. */
  unblock(user: User, name: string): boolean {
    const was = this.store.unblock(user.name, name);
    user.unblock(name);
    return was;
  }

  /** The names `user` blocks. */
  blocksOf(user: User): string[] {
    return this.store.blocksOf(user.name);
  }

  /** A user's info text ("" for none). */
  info(name: string): string {
    return this.store.info(name) ?? "";
  }

  /** Sets a user's info text (already cleaned); too long is BAD_FORMAT. */
  setInfo(user: User, text: string): CommandError | null {
    if (text.length > MAX_INFO) {
      return fail("BAD_FORMAT", `info text is at most ${MAX_INFO} characters`);
    }
    this.store.setInfo(user.name, text);
    return null;
  }

  /** Where an account's user is and what is known of them. */
  presence(name: string): Presence | CommandError {
    const account = this.account(name);
    if (isError(account)) return account;
    const present = this.present(account.name);
    return {
      user: account.name,
      state: present ? (present.online ? "online" : "reconnecting") : "offline",
      rooms: present?.roomNames() ?? [],
      current: present?.current?.name ?? null,
      info: this.info(account.name),
      lastLogin: this.store.lastLogin(account.name),
    };
  }

  /** Records a login's time (written in batches). */
  recordLogin(user: User, time: Date): void {
    this.store.recordLogin(user.name, time);
  }

  /** Who logged in since `time`, newest first. */
  loginsSince(time: Date): LoginRecord[] {
    return this.store.loginsSince(time);
  }
}
