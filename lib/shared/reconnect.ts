/**
 * What the client needs to reconnect on its own: a backoff that waits about 3 s after the first
 * failure and grows to about 30 s, with jitter so that many clients cut off together do not all
 * come back in the same instant; and the session state to replay on the new connection (the
 * credentials of the last successful login, the rooms the user is in and the current one).
 *
 * The state is learnt only from what the server confirmed: a login reply, the `{room, rooms,
 * current}` data of every room-changing reply, `closed` notices. So a failed `join` never makes
 * the client re-join a room the user was not in.
 *
 * @module
 */

import type { WireEvent } from "./protocol.ts";

/** Options of {@link Backoff}; all times in milliseconds. */
export interface BackoffOptions {
  /** The pause before the first retry (default 3000). */
  first?: number;
  /** The longest pause (default 30000). */
  max?: number;
  /** How much each failure multiplies the pause (default 2). */
  factor?: number;
  /** The pause varies by up to this fraction either way (default 0.2). */
  jitter?: number;
  /** The random source, in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Reconnection delays: 3 s, 6 s, 12 s, 24 s, 30 s, 30 s… each ±20 %.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({ random: () => 0.5 }); // 0.5: no jitter
 * backoff.next(); // 3000
 * backoff.next(); // 6000
 * backoff.reset();
 * backoff.next(); // 3000
 * ```
 */
export class Backoff {
  #failures = 0;
  readonly #first: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.#first = options.first ?? 3000;
    this.#max = options.max ?? 30000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
  }

  /** How many failures in a row so far. */
  get failures(): number {
    return this.#failures;
  }

  /** The pause before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.#max, this.#first * this.#factor ** this.#failures);
    this.#failures++;
    const spread = 1 + this.#jitter * (2 * this.#random() - 1);
    return Math.round(base * spread);
  }

  /** Starts again from the first pause (after a connection that worked). */
  reset(): void {
    this.#failures = 0;
  }
}

/** The account to log in with again: a guest has no password. */
export interface Credentials {
  user: string;
  password?: string;
}

/** What a login reply says (its `data`). */
export interface LoginData {
  user: string;
  guest: boolean;
  rooms: string[];
  current: string | null;
  resumed: boolean;
}

/** A change the client tells its user about, learnt from an event. */
export type SessionChange =
  | { type: "logged-in"; data: LoginData }
  | { type: "logged-out" }
  | { type: "login-failed" }
  | { type: "rooms" }
  | { type: "takeover" }
  | { type: "expelled" }
  | { type: "shutdown" };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** The login data of a reply, or undefined when it has none (or not in the expected shape). */
export function loginData(data: unknown): LoginData | undefined {
  if (!isRecord(data) || typeof data.user !== "string") return undefined;
  return {
    user: data.user,
    guest: data.guest === true,
    rooms: isStringArray(data.rooms) ? data.rooms : [],
    current: typeof data.current === "string" ? data.current : null,
    resumed: data.resumed === true,
  };
}

/** The commands whose reply data `{room, rooms, current}` are one's own rooms. */
export const ROOM_COMMANDS: ReadonlySet<string> = new Set([
  "join",
  "enter",
  "create",
  "start",
  "switch",
  "leave",
]);

function roomData(data: unknown): { rooms: string[]; current: string | null } | undefined {
  if (!isRecord(data) || !isStringArray(data.rooms) || !("current" in data)) return undefined;
  return { rooms: data.rooms, current: typeof data.current === "string" ? data.current : null };
}

/**
 * The session to restore after reconnecting, kept up to date from the events the server sends.
 *
 * @example
 * ```ts
 * const state = new SessionState();
 * state.loginSent({ user: "alice", password: "pw" });
 * state.observe({ type: "reply", command: "login", from: "*", text: "welcome", time: "",
 *   data: { user: "alice", guest: false, rooms: [], current: null, resumed: false } });
 * state.observe({ type: "reply", command: "join", from: "*", text: "joined", time: "",
 *   data: { room: "lobby", rooms: ["lobby"], current: "lobby" } });
 * state.loginCommands(); // ["login alice pw"]
 * state.rejoinCommands({ user: "alice", guest: false, rooms: [], current: null, resumed: false });
 * // ["join lobby"]
 * ```
 */
export class SessionState {
  /** The credentials of the last successful login (none before, and after logout). */
  credentials: Credentials | undefined;
  /** The rooms the user is in, in the order they were entered. */
  rooms: string[] = [];
  /** The current room. */
  current: string | null = null;
  /** Whether a `takeover` notice came: the session now lives on another connection. */
  takenOver = false;
  /**
   * Why an administrator removed this user from the server (a `kicked` notice without a room, or
   * `banned`): a client must not reconnect by itself after it.
   */
  expelled: string | null = null;
  #pendingLogin: Credentials | undefined;
  #pendingPassword: string | undefined;
  #replaying = false;

  /** Whether the current connection is logged in (cleared by {@link disconnected}). */
  loggedIn = false;

  /** Notes a login the user sent, to remember its credentials once the server accepts them. */
  loginSent(credentials: Credentials): void {
    this.#pendingLogin = credentials;
  }

  /** Notes a `passwd old new` the user sent: on success the new password is the one to replay. */
  passwordChangeSent(newPassword: string): void {
    this.#pendingPassword = newPassword;
  }

  /** Notes that the connection is gone: the next one starts logged out. */
  disconnected(): void {
    this.loggedIn = false;
    this.#replaying = false;
    this.#pendingLogin = undefined;
    this.#pendingPassword = undefined;
  }

  /** Forgets the login (after logout, or when the remembered password stopped working). */
  forget(): void {
    this.loggedIn = false;
    this.credentials = undefined;
    this.rooms = [];
    this.current = null;
  }

  /**
   * The lines that log in again on a new connection (none when never logged in). While the
   * answer is awaited, the remembered rooms are kept even though the login reply has none.
   */
  loginCommands(): string[] {
    const credentials = this.credentials;
    if (!credentials) return [];
    this.#replaying = true;
    this.#pendingLogin = credentials;
    return [
      credentials.password === undefined
        ? `login ${credentials.user}`
        : `login ${credentials.user} ${credentials.password}`,
    ];
  }

  /**
   * The lines that put the user back in every remembered room, with the same current room, after
   * the replayed login was accepted. Rooms the login reply already lists (a resumed session) are
   * not joined again.
   */
  rejoinCommands(data: LoginData): string[] {
    const have = new Set(data.rooms);
    const missing = this.rooms.filter((room) => !have.has(room));
    const commands = missing.map((room) => `join ${room}`);
    const wanted = this.current;
    // `join` makes each room current in turn: switch back to the remembered one when needed.
    const currentAfter = missing.length ? missing[missing.length - 1]! : data.current;
    if (wanted !== null && this.rooms.includes(wanted) && currentAfter !== wanted) {
      commands.push(`switch ${wanted}`);
    }
    return commands;
  }

  /** Forgets a room that could not be re-entered (a join after reconnecting failed). */
  dropRoom(room: string): void {
    this.rooms = this.rooms.filter((name) => name !== room);
    if (this.current === room) this.current = this.rooms.at(-1) ?? null;
  }

  /** Updates the state from an event the server sent; says what changed, if anything. */
  observe(event: WireEvent): SessionChange | undefined {
    switch (event.type) {
      case "reply":
        return this.#reply(event.command, event.data);
      case "error":
        if (event.command === "login") return this.#loginFailed(event.code);
        if (event.command === "passwd") this.#pendingPassword = undefined;
        return undefined;
      case "notice":
        // A notice about someone else (their kick, their ban) names them; one about oneself does not.
        if (event.user !== undefined) return undefined;
        return this.#notice(event.kind, event.room, event.text);
      default:
        return undefined;
    }
  }

  #reply(command: string, data: unknown): SessionChange | undefined {
    if (command === "login") {
      const login = loginData(data);
      if (!login) return undefined;
      const pending = this.#pendingLogin;
      this.#pendingLogin = undefined;
      this.credentials = login.guest
        ? { user: "guest" }
        : pending && pending.user.toLowerCase() === login.user.toLowerCase()
        ? { user: login.user, password: pending.password }
        : this.credentials;
      if (!this.#replaying) {
        this.rooms = login.rooms;
        this.current = login.current;
      }
      this.#replaying = false;
      this.loggedIn = true;
      return { type: "logged-in", data: login };
    }
    if (command === "logout") {
      this.forget();
      return { type: "logged-out" };
    }
    if (command === "passwd") {
      if (this.credentials && this.#pendingPassword !== undefined) {
        this.credentials = { ...this.credentials, password: this.#pendingPassword };
      }
      this.#pendingPassword = undefined;
      return undefined;
    }
    if (command === "rename") {
      // The account now has another name: the next automatic login must use it.
      const renamed = isRecord(data) && typeof data.user === "string" ? data.user : undefined;
      if (renamed && this.credentials) this.credentials = { ...this.credentials, user: renamed };
      return undefined;
    }
    // Only the commands that change one's own rooms say where one is (`status bob` has rooms too).
    if (!ROOM_COMMANDS.has(command)) return undefined;
    const rooms = roomData(data);
    if (!rooms) return undefined;
    this.rooms = rooms.rooms;
    this.current = rooms.current;
    return { type: "rooms" };
  }

  #loginFailed(code: unknown): SessionChange {
    this.#pendingLogin = undefined;
    if (this.#replaying) {
      this.#replaying = false;
      // The remembered password no longer works: stop replaying it on every reconnect. (Other
      // failures, a lock-out or a rate limit, pass; the next reconnect tries again.)
      if (code === "LOGIN_FAILED") this.forget();
    }
    return { type: "login-failed" };
  }

  #notice(kind: unknown, room: unknown, text: string): SessionChange | undefined {
    if (kind === "takeover") {
      this.takenOver = true;
      return { type: "takeover" };
    }
    if (kind === "banned" || (kind === "kicked" && room === undefined)) {
      this.expelled = text;
      return { type: "expelled" };
    }
    if (kind === "shutdown") return { type: "shutdown" };
    // A room closed, or a leader kicked this user out of it: not a room to re-enter.
    if (
      (kind === "closed" || kind === "kicked") && typeof room === "string" &&
      this.rooms.includes(room)
    ) {
      this.rooms = this.rooms.filter((name) => name !== room);
      if (this.current === room) this.current = null;
      return { type: "rooms" };
    }
    return undefined;
  }
}
