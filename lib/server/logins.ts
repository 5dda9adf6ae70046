/**
 * The core's door: checking a password against lock-outs and per-address limits, registering
 * accounts, changing passwords. A failed try costs the guesser time (`--login-fail-delay`), never
 * the server.
 *
 * @module
 */

import type { Account, Accounts } from "./accounts.ts";
import { AddressLimiter } from "./address_limiter.ts";
import { type CommandError, fail, isError } from "./command_table.ts";
import { FairQueue, FULL } from "./fair_queue.ts";
import type { ServerConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import { LoginGuard } from "./login_guard.ts";
import { passwordProblem } from "./password_hash.ts";
import type { Session } from "./session.ts";
import { NEW_USER_NAME_PATTERN, newUserNameProblem } from "../shared/protocol.ts";
import type { User } from "./user.ts";

function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** The answer when an address already has as many password checks waiting as it may. */
function tooManyWaiting(): CommandError {
  return fail(
    "RATE_LIMITED",
    "too many logins are waiting from your address (or in all); try again in a moment",
  );
}

/** The answer when an address has used up its failed-login allowance for now. */
function addressRefused(ms: number): CommandError {
  return fail(
    "RATE_LIMITED",
    `too many failed logins from your address; try again in ${seconds(ms)} s`,
  );
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { ServerConfig } from "./config.ts";
 * import type { Logger } from "./log.ts";
 * import type { Session } from "./session.ts";
 *
 * declare const config: ServerConfig;
 * declare const accounts: Accounts;
 * declare const log: Logger;
 * declare const session: Session;
 *
 * const logins = new Logins(config, accounts, log);
 * const account = await logins.check(session, "alice", "secret");
 * ```
 */
export class Logins {
  readonly guard: LoginGuard;
  /**
   * Every password hash a user's command needs waits here for the one hashing thread, each
   * address in turn: a guesser waits behind its own attempts, not in front of others' logins.
   */
  readonly #hashing: FairQueue;
  readonly registrations: AddressLimiter;

  constructor(readonly config: ServerConfig, readonly accounts: Accounts, readonly log: Logger) {
    this.guard = new LoginGuard({
      failures: config.lockoutFailures,
      lockoutMs: config.lockoutSeconds * 1000,
      perAddressPerMinute: config.failedLoginsPerAddress,
    });
    this.registrations = new AddressLimiter(config.registrationsPerAddress, 3600);
    this.#hashing = new FairQueue(config.loginQueue, config.loginQueuePerAddress);
  }

  /** Forgets expired lock-outs and counts (housekeeping). */
  sweep(): void {
    this.guard.sweep();
    this.registrations.sweep();
  }

  /**
   * Checks a password; the account on success, the error to answer otherwise, or null when the
   * session closed meanwhile.
   */
  async check(
    session: Session,
    name: string,
    password: string,
  ): Promise<Account | CommandError | null> {
    const key = name.toLowerCase();
    const address = session.connection.address;
    const locked = this.guard.lockedFor(key);
    const refused = locked > 0 ? 0 : this.guard.addressWait(address);
    // A refused try costs the guesser the same wait as a wrong password (this connection only).
    if (locked > 0 || refused > 0) await delay(this.config.loginFailDelay * 1000);
    if (locked > 0) {
      return fail(
        "LOCKED_OUT",
        `too many failed logins for ${name}; try again in ${seconds(locked)} s`,
      );
    }
    if (refused > 0) return addressRefused(refused);
    const verdict = await this.#verify(address, key, name, password);
    if (verdict === FULL) return tooManyWaiting();
    if (verdict.refused > 0) {
      await delay(this.config.loginFailDelay * 1000);
      return addressRefused(verdict.refused);
    }
    if (session.closed) return null;
    if (!verdict.ok) {
      const lockout = verdict.lockout;
      this.log("login failed", { user: name, peer: session.connection.peer, lockout });
      await delay(this.config.loginFailDelay * 1000);
      return fail(
        "LOGIN_FAILED",
        "wrong user name or password" +
          (lockout ? `; ${name} is locked out for ${seconds(lockout)} s` : ""),
      );
    }
    this.guard.recordSuccess(key);
    // Renamed or removed while the password was being checked.
    return this.accounts.get(name) ??
      fail("LOGIN_FAILED", `${name} was just renamed or removed; log in with its new name`);
  }

  /**
   * Whether `password` is `user`'s own (asked again before a rename); a wrong one counts as a
   * failed login and costs the fail delay.
   */
  async confirmPassword(
    session: Session,
    user: User,
    password: string,
  ): Promise<boolean | CommandError> {
    const verdict = await this.#verify(session.connection.address, user.key, user.name, password);
    if (verdict === FULL) return tooManyWaiting();
    if (verdict.refused > 0) return addressRefused(verdict.refused);
    if (verdict.ok) return true;
    await delay(this.config.loginFailDelay * 1000);
    return false;
  }

  /**
   * Checks a password on the hashing thread and counts a failure at once. The address's allowance
   * is judged again when the check's turn comes, not only when it was asked: an address with
   * many connections queues all their tries before the first has failed, and those already
   * counted by then turn the rest away unhashed.
   */
  async #verify(
    address: string,
    key: string,
    name: string,
    password: string,
  ): Promise<{ ok: boolean; refused: number; lockout: number } | typeof FULL> {
    return await this.#hashing.run(address, async () => {
      const refused = this.guard.addressWait(address);
      if (refused > 0) return { ok: false, refused, lockout: 0 };
      const ok = await this.accounts.verify(name, password);
      const lockout = ok ? 0 : this.guard.recordFailure(key, address);
      return { ok, refused: 0, lockout };
    });
  }

  /**
   * Makes an account, within the per-address registration limit. Only tries that make an account
   * or fail on the password rules use up the allowance: a taken, reserved or malformed name is a
   * mistake, not an attempt to register in bulk.
   */
  async register(
    session: Session,
    name: string,
    password: string,
  ): Promise<Account | CommandError> {
    const address = session.connection.address;
    const wait = this.registrations.waitFor(address);
    if (wait > 0) {
      return fail(
        "RATE_LIMITED",
        `too many registrations from your address; try again in ${seconds(wait)} s`,
      );
    }
    const badName = newUserNameProblem(name);
    if (badName !== null && !NEW_USER_NAME_PATTERN.test(name)) return fail("BAD_FORMAT", badName);
    const badPassword = passwordProblem(password);
    if (badPassword !== null) {
      this.registrations.take(address);
      return fail("BAD_FORMAT", badPassword);
    }
    const result = await this.#hashing.run(address, () => this.accounts.register(name, password));
    if (result === FULL) return tooManyWaiting();
    if (!result.ok) return fail(result.reason, result.message);
    this.registrations.take(address);
    this.log("register", { user: result.account.name, peer: session.connection.peer });
    return result.account;
  }

  /** Changes `user`'s password after checking the current one (a wrong one counts as a failure). */
  async changePassword(
    session: Session,
    user: User,
    current: string,
    next: string,
  ): Promise<CommandError | null> {
    const badPassword = passwordProblem(next);
    if (badPassword !== null) return fail("BAD_FORMAT", badPassword);
    const confirmed = await this.confirmPassword(session, user, current);
    if (isError(confirmed)) return confirmed;
    if (!confirmed) return fail("LOGIN_FAILED", "your current password is not that");
    const changed = await this.#hashing.run(
      session.connection.address,
      () => this.accounts.changePassword(user.name, next),
    );
    if (changed === FULL) return tooManyWaiting();
    if (!changed.ok) return fail(changed.reason, changed.message);
    this.log("password changed", { user: user.name });
    return null;
  }
}
