/**
 * The core's renames (`rename <newname>`): the checks, the steps that keep a crash from leaving
 * both names or neither, the hold on a name given up, and who an old name became.
 *
 * The steps: (1) one store transaction moves everything stored under the old name and journals
 * the rename; (2) `users.txt` is rewritten atomically with the new name; (3) the journal row is
 * marked done. A crash after (1) and before (3) is finished at the next start by
 * {@link Renames.recover}: whichever name the account file has, the other is made to follow.
 *
 * @module
 */

import type { Accounts } from "./accounts.ts";
import { type CommandError, fail } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import { dateTime, NEW_USER_NAME_PATTERN, newUserNameProblem } from "../shared/protocol.ts";
import type { Store } from "./store.ts";
import type { User } from "./user.ts";

const DAY_MS = 86_400_000;

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { ServerConfig } from "./config.ts";
 * import type { Logger } from "./log.ts";
 * import type { Store } from "./store.ts";
 *
 * declare const config: ServerConfig;
 * declare const accounts: Accounts;
 * declare const store: Store;
 * declare const log: Logger;
 *
 * const renames = new Renames(config, accounts, store, log);
 * await renames.recover(); // at start, before anyone logs in
 * ```
 */
export class Renames {
  /** Clock for holds (tests move it). */
  now: () => Date = () => new Date();
  /** Keys of names in a rename under way (old and new): logins and registers of them wait. */
  readonly #underWay = new Set<string>();

  constructor(
    readonly config: ServerConfig,
    readonly accounts: Accounts,
    readonly store: Store,
    readonly log: Logger,
  ) {}

  /** Whether a rename from or to this name is under way. */
  busy(name: string): boolean {
    return this.#underWay.has(name.toLowerCase());
  }

  /**
   * Why a name given up by a rename cannot be taken yet (by anyone but the account that gave it
   * up), or null.
   */
  heldProblem(name: string, taker?: User): string | null {
    const record = this.store.renames.latestFrom(name);
    if (!record || record.holdUntil <= this.now()) return null;
    if (taker && this.became(name)?.toLowerCase() === taker.key) return null;
    return `the name ${name} was given up recently and is held until ${dateTime(record.holdUntil)}`;
  }

  /** The name an old name became (following later renames), or undefined. */
  became(name: string): string | undefined {
    let current: string | undefined;
    let next = this.store.renames.latestFrom(name);
    for (let hops = 0; next && hops < 20; hops++) {
      current = next.new;
      if (this.accounts.has(current)) return current;
      next = this.store.renames.latestFrom(current);
    }
    return current;
  }

  /** What is wrong with renaming `user` to `name`, or null. */
  problem(user: User, name: string): CommandError | null {
    const bad = newUserNameProblem(name);
    if (bad !== null) {
      return fail(NEW_USER_NAME_PATTERN.test(name) ? "NAME_TAKEN" : "BAD_FORMAT", bad);
    }
    if (name.toLowerCase() === user.key) {
      return fail("BAD_FORMAT", `${name} is your name already (names are case-insensitive)`);
    }
    if (this.accounts.has(name) || this.busy(name)) {
      return fail("NAME_TAKEN", `the name ${name} is taken`);
    }
    const held = this.heldProblem(name, user);
    if (held !== null) return fail("NAME_TAKEN", held);
    if (this.busy(user.name)) return fail("FORBIDDEN", "a rename of your account is under way");
    return null;
  }

  /**
   * Renames the account on disk (the store, then the account file); the caller checked
   * {@link problem} and the password, and moves the online user afterwards.
   */
  async perform(
    user: User,
    newName: string,
  ): Promise<{ old: string; name: string } | CommandError> {
    const problem = this.problem(user, newName);
    if (problem) return problem;
    const oldName = user.name;
    const keys = [oldName.toLowerCase(), newName.toLowerCase()];
    for (const key of keys) this.#underWay.add(key);
    try {
      const now = this.now();
      const holdUntil = new Date(now.getTime() + this.config.renameHoldDays * DAY_MS);
      const id = this.store.renameUser(oldName, newName, now, holdUntil);
      const renamed = await this.accounts.rename(oldName, newName);
      if (!renamed.ok) {
        // Taken meanwhile by another process (the accounts tool): the store goes back.
        const back = this.store.renameUser(newName, oldName, now, now);
        this.store.renames.cancel(back);
        this.store.renames.cancel(id);
        return fail(renamed.reason, renamed.message);
      }
      this.store.renames.finish(id);
      this.log("rename", { from: oldName, to: newName });
      return { old: oldName, name: newName };
    } finally {
      for (const key of keys) this.#underWay.delete(key);
    }
  }

  /** Finishes renames a crash interrupted (at start, before the server listens). */
  async recover(): Promise<void> {
    for (const record of this.store.renames.unfinished()) {
      if (this.accounts.has(record.old) && !this.accounts.has(record.new)) {
        const renamed = await this.accounts.rename(record.old, record.new);
        this.log("finished an interrupted rename", {
          from: record.old,
          to: record.new,
          ok: renamed.ok,
        });
      }
      this.store.renames.finish(record.id);
    }
  }
}
