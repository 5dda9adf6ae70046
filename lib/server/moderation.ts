/**
 * The core's moderation: bans (of accounts and of address ranges), mutes (server-wide or in one
 * room), the moderation log, users' reports with the lines the reporter saw, and the word
 * filter. Bans and mutes are kept in memory for the checks on every line and login, written
 * through to the store, and end by themselves: every check compares with {@link Moderation.now},
 * which tests may replace to move time.
 *
 * @module
 */

import type { Accounts } from "./accounts.ts";
import {
  type AddressRange,
  isAddressLike,
  parseAddressRange,
  rangeCovers,
} from "./address_range.ts";
import { type CommandError, fail, isError } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import { ContentFilter, type FilterMode } from "./content_filter.ts";
import type { Logger } from "./log.ts";
import type { Ban, ModerationStore, ModlogEntry, Mute, Report } from "./moderation_store.ts";
import { clockTime, dateTime } from "../shared/protocol.ts";
import { sanitizeText } from "../shared/sanitize.ts";
import type { Screen, SpeechPlace } from "./speech.ts";
import type { User } from "./user.ts";

/** Lines remembered per speaker, for reports. */
const REMEMBERED_LINES = 20;
/** Lines a report carries: the reported user's last ones that the reporter could see. */
export const REPORT_LINES = 5;

/** A remembered line: where it went, in a form that says who could see it. */
interface HeardLine {
  time: Date;
  text: string;
  room?: string;
  to?: string;
  members?: string[];
  shout?: boolean;
}

/** A ban with its range parsed (address bans). */
interface ActiveBan extends Ban {
  range?: AddressRange;
}

/** `until 2026-01-02 09:00:00` or `until lifted`. */
export function untilText(until: Date | null): string {
  return until ? `until ${dateTime(until)}` : "until lifted";
}

/**
 * @example
 * ```ts
 * import type { Accounts } from "./accounts.ts";
 * import type { ServerConfig } from "./config.ts";
 * import type { Logger } from "./log.ts";
 * import type { Store } from "./store.ts";
 *
 * declare const config: ServerConfig;
 * declare const store: Store;
 * declare const accounts: Accounts;
 * declare const log: Logger;
 *
 * const moderation = new Moderation(config, store.moderation, accounts, log);
 * moderation.banFor("mallory", "192.0.2.7"); // the ban that keeps them out, if any
 * ```
 */
export class Moderation {
  /** The clock every expiry is measured with (tests move it). */
  now: () => Date = () => new Date();
  #bans: ActiveBan[] = [];
  /** user key → room key ("" for server-wide) → mute. */
  readonly #mutes = new Map<string, Map<string, Mute>>();
  readonly #heard = new Map<string, HeardLine[]>();
  #filter = ContentFilter.none();
  readonly filterMode: FilterMode;

  constructor(
    readonly config: ServerConfig,
    readonly store: ModerationStore,
    readonly accounts: Accounts,
    readonly log: Logger,
  ) {
    this.filterMode = config.filterMode;
    for (const ban of store.bans()) this.#remember(ban);
    for (const mute of store.mutes()) this.#rememberMute(mute);
  }

  /**
   * Reads the `--filter` file (at start and on SIGHUP). At start (`strict`) a file that cannot be
   * read stops the server: it was asked for, and running without it would let through what it
   * should stop. On SIGHUP a failure keeps the old filter.
   */
  async reloadFilter(strict = false): Promise<void> {
    if (this.config.filter === null) return;
    try {
      this.#filter = await ContentFilter.load(this.config.filter, (msg) => this.log(msg));
      this.log("filter loaded", {
        file: this.config.filter,
        patterns: this.#filter.patterns.length,
      });
    } catch (error) {
      if (strict) {
        throw new Error(
          `cannot read the --filter file ${this.config.filter}: ${(error as Error).message}`,
        );
      }
      this.log("filter not loaded; the old one stays", { error: String(error) });
    }
  }

  /** The moderation log's newest `limit` lines, newest first. */
  modlog(limit: number): ModlogEntry[] {
    return this.store.modlog(limit);
  }

  /** Writes a line of the moderation log (also to the server's log). */
  record(actor: string, action: string, target: string, detail = ""): void {
    this.store.log({ time: this.now(), actor, action, target, detail });
    this.log("moderation", { actor, action, target, detail: detail || undefined });
  }

  // --- bans ---------------------------------------------------------------------------------

  /** The ban that keeps this account (null: none yet) or address key out now, if any. */
  banFor(name: string | null, address: string): Ban | undefined {
    const now = this.now().getTime();
    const key = name?.toLowerCase();
    return this.#bans.find((ban) =>
      (ban.until === null || ban.until.getTime() > now) &&
      (ban.kind === "user" ? ban.target.toLowerCase() === key : rangeCovers(ban.range!, address))
    );
  }

  /** The bans in force, oldest first. */
  bans(): Ban[] {
    const now = this.now().getTime();
    return this.#bans.filter((ban) => ban.until === null || ban.until.getTime() > now);
  }

  /**
   * Bans an account or an address range. Refused: yourself, your own address, the last
   * administrator, ranges wider than /8 (IPv4) or /32 (IPv6) without `force`.
   */
  ban(
    actor: User,
    actorAddress: string,
    target: string,
    ms: number | null,
    reason: string,
    force: boolean,
  ): Ban | CommandError {
    const until = ms === null ? null : new Date(this.now().getTime() + ms);
    let ban: ActiveBan;
    if (isAddressLike(target)) {
      const range = parseAddressRange(target, force);
      if (isError(range)) return range;
      if (rangeCovers(range, actorAddress)) {
        return fail(
          "FORBIDDEN",
          `${range.text} includes your own address; you cannot ban yourself`,
        );
      }
      ban = {
        kind: "address",
        target: range.text,
        range,
        until,
        reason,
        by: actor.name,
        time: this.now(),
      };
    } else {
      const account = this.accounts.get(target);
      if (!account) return fail("NO_SUCH_USER", `no such user: ${target.slice(0, 32)}`);
      if (account.name.toLowerCase() === actor.key) {
        return fail("FORBIDDEN", "you cannot ban yourself");
      }
      if (account.role === "admin" && this.#adminsLeft(account.name) === 0) {
        return fail("FORBIDDEN", `${account.name} is the last administrator who is not banned`);
      }
      ban = { kind: "user", target: account.name, until, reason, by: actor.name, time: this.now() };
    }
    this.store.putBan(ban);
    this.#bans = this.#bans.filter((b) => !(b.kind === ban.kind && sameTarget(b, ban)));
    this.#remember(ban);
    this.record(actor.name, "ban", ban.target, describe(until, reason));
    return ban;
  }

  /** Lifts the ban of an account or a range; false when there was none. */
  unban(actor: User, target: string): { target: string } | CommandError {
    let kind: Ban["kind"] = "user";
    let text = target;
    if (isAddressLike(target)) {
      const range = parseAddressRange(target, true);
      if (isError(range)) return range;
      kind = "address";
      text = range.text;
    }
    const found = this.#bans.find((b) =>
      b.kind === kind && b.target.toLowerCase() === text.toLowerCase()
    );
    if (!found || !this.store.deleteBan(kind, found.target)) {
      return fail("BAD_FORMAT", `${text.slice(0, 50)} is not banned; bans lists the bans`);
    }
    this.#bans = this.#bans.filter((b) => b !== found);
    this.record(actor.name, "unban", found.target);
    return { target: found.target };
  }

  #adminsLeft(except: string): number {
    return this.accounts.list().filter((account) =>
      account.role === "admin" && account.name.toLowerCase() !== except.toLowerCase() &&
      !this.banFor(account.name, "")
    ).length;
  }

  #remember(ban: Ban): void {
    if (ban.kind === "address") {
      const range = parseAddressRange(ban.target, true);
      if (isError(range)) {
        this.log("ignoring a stored ban of an invalid range", { target: ban.target });
        return;
      }
      this.#bans.push({ ...ban, range });
    } else this.#bans.push(ban);
  }

  // --- mutes --------------------------------------------------------------------------------

  /** The mute that keeps `user` silent (server-wide, or in `room` when given), if any. */
  muteFor(name: string, room?: string): Mute | undefined {
    const mutes = this.#mutes.get(name.toLowerCase());
    if (!mutes) return undefined;
    const now = this.now().getTime();
    for (const key of room === undefined ? [""] : ["", room.toLowerCase()]) {
      const mute = mutes.get(key);
      if (mute && (mute.until === null || mute.until.getTime() > now)) return mute;
    }
    return undefined;
  }

  /** The mutes in force, oldest first. */
  mutes(): Mute[] {
    const now = this.now().getTime();
    return [...this.#mutes.values()].flatMap((m) => [...m.values()])
      .filter((mute) => mute.until === null || mute.until.getTime() > now)
      .sort((a, b) => a.time.getTime() - b.time.getTime());
  }

  /** Mutes an account, server-wide (`room` "") or in one room. */
  mute(
    actor: User,
    name: string,
    room: string,
    ms: number | null,
    reason: string,
  ): Mute | CommandError {
    const account = this.accounts.get(name);
    if (!account) return fail("NO_SUCH_USER", `no such user: ${name.slice(0, 32)}`);
    if (account.name.toLowerCase() === actor.key) {
      return fail("FORBIDDEN", "you cannot mute yourself");
    }
    const mute: Mute = {
      user: account.name,
      room,
      until: ms === null ? null : new Date(this.now().getTime() + ms),
      reason,
      by: actor.name,
      time: this.now(),
    };
    this.store.putMute(mute);
    this.#rememberMute(mute);
    this.record(
      actor.name,
      "mute",
      account.name,
      (room ? `in ${room}; ` : "") + describe(mute.until, reason),
    );
    return mute;
  }

  /**
   * A room closed: the mutes in it end with it (a room opened later under its name is another
   * room, whose leader did not mute anyone in it).
   */
  roomClosed(room: string): void {
    const key = room.toLowerCase();
    for (const mutes of this.#mutes.values()) {
      const mute = mutes.get(key);
      if (mute === undefined) continue;
      mutes.delete(key);
      this.store.deleteMute(mute.user, key);
    }
  }

  /** Lifts a mute (server-wide, or in one room). */
  unmute(actor: User, name: string, room: string): { user: string } | CommandError {
    const mute = this.#mutes.get(name.toLowerCase())?.get(room.toLowerCase());
    if (!mute || !this.store.deleteMute(mute.user, room)) {
      return fail("BAD_FORMAT", `${name.slice(0, 32)} is not muted${room ? ` in ${room}` : ""}`);
    }
    this.#mutes.get(name.toLowerCase())!.delete(room.toLowerCase());
    this.record(actor.name, "unmute", mute.user, room ? `in ${room}` : "");
    return { user: mute.user };
  }

  #rememberMute(mute: Mute): void {
    const key = mute.user.toLowerCase();
    let mutes = this.#mutes.get(key);
    if (!mutes) this.#mutes.set(key, mutes = new Map());
    mutes.set(mute.room.toLowerCase(), mute);
  }

  // --- the check on every line ---------------------------------------------------------------

  /** Mutes, then the filter; remembers the line for reports. See {@link Screen}. */
  readonly screen: Screen = (user, text, place) => {
    const mute = this.muteFor(user.name, place.kind === "room" ? place.room.name : undefined);
    if (mute) {
      return fail(
        "MUTED",
        `you are muted${mute.room ? ` in ${mute.room}` : ""} ${untilText(mute.until)}` +
          (mute.reason ? ` (${mute.reason})` : "") + "; you can still read",
      );
    }
    let sent = text;
    if (this.#filter.matches(text)) {
      if (this.filterMode === "refuse") {
        return fail("FILTERED", "not sent: your line has a word this server does not allow");
      }
      sent = this.#filter.mask(text);
    }
    this.#hear(user, sent, place);
    return sent;
  };

  #hear(user: User, text: string, place: SpeechPlace): void {
    const line: HeardLine = { time: this.now(), text: sanitizeText(text) };
    if (place.kind === "room") line.room = place.room.key;
    else if (place.kind === "private") line.to = place.to.toLowerCase();
    else if (place.kind === "group") line.members = place.members.map((m) => m.toLowerCase());
    else line.shout = true;
    let lines = this.#heard.get(user.key);
    if (!lines) this.#heard.set(user.key, lines = []);
    lines.push(line);
    if (lines.length > REMEMBERED_LINES) lines.shift();
  }

  /** Forgets what a user said (they left; their lines can no longer be reported). */
  forget(user: User): void {
    this.#heard.delete(user.key);
  }

  /** A renamed user's lines, bans and mutes stay theirs (the store has moved the latter). */
  renamed(oldKey: string, newKey: string): void {
    const lines = this.#heard.get(oldKey);
    this.#heard.delete(oldKey);
    if (lines) this.#heard.set(newKey, lines);
    this.#bans = [];
    for (const ban of this.store.bans()) this.#remember(ban);
    this.#mutes.clear();
    for (const mute of this.store.mutes()) this.#rememberMute(mute);
  }

  // --- reports ------------------------------------------------------------------------------

  /** Records a report with the reported user's last lines that `reporter` could see. */
  report(reporter: User, name: string, reason: string): Report | CommandError {
    const account = this.accounts.get(name);
    if (!account) return fail("NO_SUCH_USER", `no such user: ${name.slice(0, 32)}`);
    if (account.name.toLowerCase() === reporter.key) {
      return fail("BAD_FORMAT", "you cannot report yourself");
    }
    const rooms = new Set([...reporter.rooms].map((room) => room.key));
    const seen = (this.#heard.get(account.name.toLowerCase()) ?? []).filter((line) =>
      line.shout || line.to === reporter.key || line.members?.includes(reporter.key) ||
      (line.room !== undefined && rooms.has(line.room))
    ).slice(-REPORT_LINES).map((line) => `${clockTime(line.time)} ${line.text}`);
    const report = {
      time: this.now(),
      reporter: reporter.name,
      reported: account.name,
      reason: sanitizeText(reason),
      lines: seen,
    };
    const id = this.store.addReport(report);
    this.record(reporter.name, "report", account.name, `#${id}: ${report.reason}`);
    return { id, ...report, closedBy: null };
  }

  /** The open reports, oldest first. */
  openReports(): Report[] {
    return this.store.openReports();
  }

  /** Closes an open report. */
  closeReport(actor: User, id: number): CommandError | null {
    if (!this.store.closeReport(id, actor.name, this.now())) {
      return fail("BAD_FORMAT", `there is no open report #${id}; reports lists them`);
    }
    this.record(actor.name, "close report", `#${id}`);
    return null;
  }

  /** Forgets bans and mutes that have ended (housekeeping; checks never count on it). */
  sweep(): void {
    const now = this.now();
    this.store.prune(now);
    this.#bans = this.#bans.filter((ban) => ban.until === null || ban.until > now);
  }
}

function sameTarget(a: Ban, b: Ban): boolean {
  return a.target.toLowerCase() === b.target.toLowerCase();
}

function describe(until: Date | null, reason: string): string {
  return `${untilText(until)}${reason ? `: ${reason}` : ""}`;
}
