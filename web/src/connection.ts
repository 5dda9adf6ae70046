/**
 * The web client's connection as a pure state machine: it opens no socket and sets no timer
 * itself. Inputs (the socket opened, an event arrived, it closed, a timer fired, the browser went
 * online or offline, the user typed or logged in) go in through {@link Connection.handle} and its
 * action methods; what to do comes out as {@link Effect}s, which `socket.ts` carries out in the
 * browser and tests read directly.
 *
 * It keeps the terminal client's behaviour (docs/client.md) with the same pieces
 * (`lib/shared/reconnect.ts`): after a connection it did not ask to lose it waits about 3 s,
 * growing to 30 s, ±20 % jitter; when the browser says it is offline it waits for the `online`
 * event instead; then it logs in again with the remembered user name and password (kept in memory
 * only), re-enters every room (opening one again with `start` if the server forgot it, joining it
 * if someone else opened it first), makes the same room current and only then sends the lines
 * typed meanwhile (at most {@link MAX_QUEUED}; more are refused with a message). A `takeover`
 * notice stops it: the page says so and reconnects only when asked.
 *
 * @module
 */

import type { WireEvent } from "../../lib/shared/protocol.ts";
import {
  Backoff,
  type BackoffOptions,
  type Credentials,
  type LoginData,
  ROOM_COMMANDS,
  SessionState,
} from "../../lib/shared/reconnect.ts";
import { SeenLines } from "../../lib/shared/seen_lines.ts";

/** What the page's own `history … after …` lines are restored as (their errors are quiet). */
const GAP = "history-gap";

/** The most lines kept while offline, as in the terminal client. */
export const MAX_QUEUED = 100;

/** Where the connection is. */
export type Phase =
  /** A socket is being opened. */
  | "connecting"
  /** Connected, not logged in: the login form is usable. */
  | "open"
  /** Connected, logging in again and re-entering rooms after a reconnect. */
  | "restoring"
  /** Logged in (as a user or a guest). */
  | "ready"
  /** Disconnected, waiting for the next try (see `retryAt`). */
  | "waiting"
  /** Disconnected while the browser is offline: waiting for its `online` event. */
  | "offline"
  /** Disconnected for good (the session was taken over): reconnects only when asked. */
  | "stopped";

/** What the page shows about the connection. */
export interface ConnectionStatus {
  phase: Phase;
  /** Why the last connection ended, in plain words. */
  reason?: string;
  /** When the next try is due (ms since the epoch), while waiting. */
  retryAt?: number;
  /** Tries in a row that failed. */
  failures: number;
  /** Lines waiting to be sent. */
  queued: number;
}

/** What the driver must do. */
export type Effect =
  | { type: "open" }
  | { type: "close" }
  | { type: "send"; line: string }
  /** Arm the one timer (replacing any armed one); fire `{type: "timer"}` after `ms`. */
  | { type: "timer"; ms: number }
  | { type: "cancel-timer" }
  /** The status changed: show {@link Connection.status}. */
  | { type: "status" }
  /** An event for the page; `internal` when it answers a line the machine sent for itself. */
  | { type: "deliver"; event: WireEvent; internal: boolean }
  /** A message from the client itself (shown with `!`). */
  | { type: "local"; text: string; error?: boolean }
  /** The answer to a login or registration the user asked for. */
  | { type: "login-result"; ok: boolean; text: string; code?: string; data?: LoginData };

/** What comes in from outside. */
export type Input =
  | { type: "start" }
  | { type: "opened" }
  | { type: "event"; event: WireEvent }
  | { type: "closed"; code: number; reason: string }
  | { type: "timer" }
  | { type: "online" }
  | { type: "offline" }
  /** The user asked to reconnect now. */
  | { type: "retry" };

/** A line to send on the user's behalf. */
export interface Outgoing {
  line: string;
  /** The canonical command, when the line is one (its answer is then expected). */
  command?: string;
  /** A room line: it must be spoken in this room (a `switch` is sent first when needed). */
  room?: string;
}

/** What happened to a line the user sent. */
export type SubmitOutcome = "sent" | "queued" | "refused";

interface Pending {
  command: string;
  internal: boolean;
  /** Part of restoring the session after a reconnect (with the line, for retries). */
  restore?: string;
  /** After this registration succeeds, log in with these. */
  thenLogin?: Credentials;
  /** A login the user asked for (its result is reported). */
  userLogin?: boolean;
}

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  backoff?: BackoffOptions;
  /** Whether the browser is online at start (`navigator.onLine`). */
  online?: boolean;
  /** The clock (tests pass a fixed one). */
  now?: () => number;
}

/**
 * The connection state machine.
 *
 * @example
 * ```ts
 * const c = new Connection({ online: true });
 * c.handle({ type: "start" }); // [{ type: "open" }, { type: "status" }]
 * c.handle({ type: "opened" }); // [{ type: "status" }]
 * c.login("alice", "pw"); // [{ type: "send", line: "login alice pw" }]
 * ```
 */
export class Connection {
  readonly session = new SessionState();
  readonly #backoff: Backoff;
  /** Lines shown (by id) and the newest per room and conversation, to fill a reconnect's gap. */
  readonly #seen = new SeenLines();
  /** Whether this reconnect's gap has been asked for. */
  #gapAsked = false;
  readonly #now: () => number;
  #phase: Phase = "connecting";
  #online: boolean;
  #reason: string | undefined;
  #retryAt: number | undefined;
  #queue: Outgoing[] = [];
  #pending: Pending[] = [];
  #loggingOut = false;
  #shutdownText: string | undefined;
  #opened = false;
  /** The room the server will take plain lines for once the lines sent so far are handled. */
  #speaking: string | null = null;
  #wantedCurrent: string | null = null;
  #started = false;

  constructor(options: ConnectionOptions = {}) {
    this.#backoff = new Backoff(options.backoff);
    this.#online = options.online ?? true;
    this.#now = options.now ?? Date.now;
  }

  /** The connection as the page shows it. */
  get status(): ConnectionStatus {
    return {
      phase: this.#phase,
      reason: this.#reason,
      retryAt: this.#phase === "waiting" ? this.#retryAt : undefined,
      failures: this.#backoff.failures,
      queued: this.#queue.length,
    };
  }

  /** Whether a user (or guest) is logged in on this page, connected or not. */
  get loggedIn(): boolean {
    return this.session.credentials !== undefined;
  }

  /** Handles one input; returns what to do. */
  handle(input: Input): Effect[] {
    switch (input.type) {
      case "start":
        if (this.#started) return [];
        this.#started = true;
        return this.#connect();
      case "opened":
        return this.#opened_();
      case "event":
        return this.#event(input.event);
      case "closed":
        return this.#closed(input.code, input.reason);
      case "timer":
        return this.#phase === "waiting" ? this.#connect() : [];
      case "online":
        this.#online = true;
        return this.#phase === "offline" || this.#phase === "waiting"
          ? [{ type: "cancel-timer" }, ...this.#connect()]
          : [];
      case "offline":
        this.#online = false;
        if (this.#phase !== "waiting") return [];
        this.#phase = "offline";
        return [{ type: "cancel-timer" }, { type: "status" }];
      case "retry":
        if (this.#phase !== "waiting" && this.#phase !== "offline" && this.#phase !== "stopped") {
          return [];
        }
        this.session.takenOver = false;
        this.session.expelled = null;
        return [{ type: "cancel-timer" }, ...this.#connect()];
    }
  }

  /** Logs in (`password` undefined: as a guest). */
  login(user: string, password?: string): Effect[] {
    if (this.#phase !== "open") {
      return [{ type: "login-result", ok: false, text: this.#notConnectedText() }];
    }
    const guest = password === undefined;
    this.session.loginSent(guest ? { user: "guest" } : { user, password });
    return this.#send(guest ? "login guest" : `login ${user} ${password}`, {
      command: "login",
      internal: true,
      userLogin: true,
    });
  }

  /** Registers an account from a guest session, then logs in with it. */
  register(user: string, password: string): Effect[] {
    if (this.#phase !== "ready") {
      return [{ type: "login-result", ok: false, text: this.#notConnectedText() }];
    }
    return this.#send(`register ${user} ${password}`, {
      command: "register",
      internal: true,
      thenLogin: { user, password },
    });
  }

  /** Logs out: the server closes the connection, and a fresh one is opened for the next login. */
  logout(): Effect[] {
    const queued = this.#queue.length;
    this.#queue = [];
    const effects: Effect[] = queued
      ? [{ type: "local", text: `logged out; ${queued} queued line(s) were not sent` }]
      : [];
    if (this.#phase === "ready" || this.#phase === "restoring") {
      this.#loggingOut = true;
      this.session.forget();
      effects.push(...this.#send("logout", { command: "logout", internal: true }));
      return [...effects, { type: "status" }];
    }
    this.session.forget();
    return [...effects, { type: "status" }];
  }

  /**
   * Sends a line the user typed, or queues it while the connection is down (after a login), or
   * refuses it with a message.
   */
  submit(item: Outgoing): { outcome: SubmitOutcome; effects: Effect[] } {
    if (this.#phase === "ready" && this.#queue.length === 0) {
      return { outcome: "sent", effects: this.#transmit(item) };
    }
    if (this.#phase === "stopped") {
      return this.#refuse(
        "not sent: this page is disconnected because you logged in elsewhere; reconnect first",
      );
    }
    if (!this.loggedIn) return this.#refuse("not sent: log in first");
    if (this.#queue.length >= MAX_QUEUED) {
      return this.#refuse(
        `not sent: not connected, and ${MAX_QUEUED} lines are already waiting; ` +
          "this one was dropped",
      );
    }
    this.#queue.push(item);
    return {
      outcome: "queued",
      effects: [
        {
          type: "local",
          text: `not connected: kept to send when the connection is back ` +
            `(${this.#queue.length} waiting)`,
        },
        { type: "status" },
      ],
    };
  }

  /**
   * Sends a line for the page's own use (`who` to learn members, `rooms`), whose answer is not
   * shown as a line; nothing happens when not connected.
   */
  query(line: string, command: string): Effect[] {
    if (this.#phase !== "ready") return [];
    return this.#send(line, { command, internal: true });
  }

  #refuse(text: string): { outcome: SubmitOutcome; effects: Effect[] } {
    return { outcome: "refused", effects: [{ type: "local", text, error: true }] };
  }

  #notConnectedText(): string {
    switch (this.#phase) {
      case "connecting":
        return "still connecting to the server; try again in a moment";
      case "waiting":
      case "offline":
        return `not connected: ${this.#reason ?? "the server is not reachable"}`;
      case "stopped":
        return "this page is disconnected; reconnect first";
      default:
        return "already logged in";
    }
  }

  #connect(): Effect[] {
    this.#phase = "connecting";
    this.#retryAt = undefined;
    this.#opened = false;
    return [{ type: "open" }, { type: "status" }];
  }

  #opened_(): Effect[] {
    this.#opened = true;
    this.#shutdownText = undefined;
    this.#loggingOut = false;
    this.#speaking = null;
    const replay = this.session.loginCommands();
    if (replay.length === 0) {
      this.#phase = "open";
      this.#backoff.reset();
      this.#reason = undefined;
      return [{ type: "status" }];
    }
    this.#phase = "restoring";
    this.#gapAsked = false;
    this.#wantedCurrent = this.session.current;
    const effects: Effect[] = [{ type: "status" }];
    for (const line of replay) {
      effects.push(...this.#send(line, { command: "login", internal: true, restore: line }));
    }
    return effects;
  }

  #send(line: string, pending: Pending): Effect[] {
    this.#pending.push(pending);
    if (pending.command === "switch") this.#speaking = line.slice("switch ".length);
    return [{ type: "send", line }];
  }

  #transmit(item: Outgoing): Effect[] {
    const effects: Effect[] = [];
    if (item.room !== undefined && !sameName(this.#speaking, item.room)) {
      effects.push(...this.#send(`switch ${item.room}`, { command: "switch", internal: true }));
    }
    if (item.command !== undefined) {
      effects.push(...this.#send(item.line, { command: item.command, internal: false }));
    } else effects.push({ type: "send", line: item.line });
    return effects;
  }

  #flush(): Effect[] {
    const queued = this.#queue;
    this.#queue = [];
    const effects: Effect[] = [];
    for (const item of queued) effects.push(...this.#transmit(item));
    return effects;
  }

  #ready(effects: Effect[], back: boolean): Effect[] {
    this.#phase = "ready";
    this.#reason = undefined;
    this.#speaking = this.session.current;
    if (back) effects.push({ type: "local", text: this.#backMessage() });
    effects.push(...this.#flush(), { type: "status" });
    return effects;
  }

  #backMessage(): string {
    const { credentials, rooms, current } = this.session;
    if (!credentials) return "connection is back";
    const where = rooms.length
      ? `; in ${rooms.join(", ")}` + (current && rooms.length > 1 ? ` (current: ${current})` : "")
      : "";
    return `connection is back: logged in as ${credentials.user}${where}`;
  }

  #event(event: WireEvent): Effect[] {
    // A line shown already (on a re-join's replay and in the gap's history, say) is not shown
    // again, nor after a reconnect one's own replayed lines (the page showed them as typed) — unless the
    // user asked for history: a `history` or `search` shows all it finds.
    const me = this.session.credentials?.user;
    const fresh = this.#seen.accept(event, me);
    const own = event.type === "message" && event.history === true &&
      event.from.toLowerCase() === me?.toLowerCase();
    const asked = this.#pending.some((p) =>
      !p.internal && (p.command === "history" || p.command === "search")
    );
    if (!asked && (!fresh || (own && this.#phase === "restoring"))) return [];
    const change = this.session.observe(event);
    if (event.type === "notice" && event.kind === "shutdown") this.#shutdownText = event.text;
    let entry: Pending | undefined;
    if ((event.type === "reply" || event.type === "error") && event.command !== undefined) {
      const at = this.#pending.findIndex((p) => p.command === event.command);
      if (at >= 0) entry = this.#pending.splice(at, 1)[0];
    }
    if (event.type === "reply" && ROOM_COMMANDS.has(event.command)) {
      this.#speaking = this.session.current;
    }
    const effects: Effect[] = [{ type: "deliver", event, internal: entry?.internal ?? false }];
    if (entry?.restore !== undefined) {
      effects.push(...this.#restoreStep(entry.restore, event));
      return effects;
    }
    if (entry?.userLogin) {
      if (change?.type === "logged-in") {
        this.#backoff.reset();
        effects.push({ type: "login-result", ok: true, text: event.text, data: change.data });
        return this.#ready(effects, false);
      }
      const code = event.type === "error" ? event.code : undefined;
      effects.push({ type: "login-result", ok: false, text: event.text, code });
      return effects;
    }
    if (entry?.thenLogin !== undefined) {
      if (event.type === "reply") {
        const { user, password } = entry.thenLogin;
        this.session.loginSent({ user, password });
        effects.push({ type: "local", text: `${event.text}; logging in as ${user}` });
        effects.push(...this.#send(`login ${user} ${password}`, {
          command: "login",
          internal: true,
          userLogin: true,
        }));
      } else {
        effects.push({
          type: "login-result",
          ok: false,
          text: event.text,
          code: event.type === "error" ? event.code : undefined,
        });
      }
      return effects;
    }
    if (change?.type === "takeover") effects.push({ type: "status" });
    return effects;
  }

  /** One answer while restoring the session: re-enter rooms, retry, or finish. */
  #restoreStep(line: string, event: WireEvent): Effect[] {
    const effects: Effect[] = [];
    const [command = ""] = line.split(" ", 1);
    const room = line.slice(command.length + 1);
    if (command === "login") {
      // The server answered: the connection works, so the back-off starts again.
      this.#backoff.reset();
      const data = event.type === "reply" ? this.session.loggedIn : false;
      if (!data) {
        this.#phase = "open";
        effects.push({
          type: "local",
          text: `could not log in again automatically: ${event.text}`,
          error: true,
        }, { type: "status" });
        if (!this.loggedIn && this.#queue.length) {
          effects.push({
            type: "local",
            text: `${this.#queue.length} queued line(s) were not sent`,
            error: true,
          });
          this.#queue = [];
        }
        return effects;
      }
      const login = (event as { data?: unknown }).data as LoginData;
      for (const next of this.session.rejoinCommands(login)) {
        const [word = ""] = next.split(" ", 1);
        effects.push(...this.#send(next, { command: word, internal: true, restore: next }));
      }
    } else if (event.type === "error") {
      let retry: string | undefined;
      if (command === "join" && event.code === "NO_SUCH_ROOM") retry = `start ${room}`;
      else if (command === "start" && event.code === "ROOM_EXISTS") retry = `join! ${room}`;
      if (retry !== undefined) {
        const current = this.#wantedCurrent;
        for (const next of [retry, ...(current ? [`switch ${current}`] : [])]) {
          const sent = next.replace(/^join! /, "join ");
          const [word = ""] = sent.split(" ", 1);
          effects.push(...this.#send(sent, { command: word, internal: true, restore: next }));
        }
      } else if (command === "join" || command === "join!" || command === "start") {
        this.session.dropRoom(room);
        effects.push({ type: "local", text: `could not re-enter ${room}: ${event.text}` });
      }
    }
    if (!this.#pending.some((p) => p.restore !== undefined)) {
      // Back in every room: ask for what was said meanwhile (each line shown once, by id), and
      // be ready once that has come too.
      const gap = this.#gapAsked ? [] : this.#seen.gapQueries(this.session.rooms);
      this.#gapAsked = true;
      for (const query of gap) {
        effects.push(...this.#send(query, { command: "history", internal: true, restore: GAP }));
      }
      if (gap.length === 0) return this.#ready(effects, true);
    }
    return effects;
  }

  #closed(code: number, reason: string): Effect[] {
    const wasOpened = this.#opened;
    this.#opened = false;
    this.#pending = [];
    this.session.disconnected();
    this.#speaking = null;
    if (this.#loggingOut) {
      this.#loggingOut = false;
      this.#reason = undefined;
      return [{ type: "cancel-timer" }, ...this.#connect()];
    }
    if (this.session.takenOver) {
      this.#phase = "stopped";
      this.#reason = "you logged in from another window or device, which took this session over";
      return [{ type: "cancel-timer" }, { type: "status" }];
    }
    if (this.session.expelled !== null) {
      this.#phase = "stopped";
      this.#reason = `an administrator removed you from the server: ${this.session.expelled}`;
      return [{ type: "cancel-timer" }, { type: "status" }];
    }
    this.#reason = closeReason(wasOpened, code, reason, this.#shutdownText, this.#online);
    const effects: Effect[] = [];
    if (wasOpened) {
      effects.push({ type: "local", text: `connection lost: ${this.#reason}`, error: true });
    }
    if (!this.#online) {
      this.#phase = "offline";
      effects.push({ type: "cancel-timer" }, { type: "status" });
      return effects;
    }
    const ms = this.#backoff.next();
    this.#phase = "waiting";
    this.#retryAt = this.#now() + ms;
    effects.push({ type: "timer", ms }, { type: "status" });
    return effects;
  }
}

function sameName(a: string | null, b: string): boolean {
  return a !== null && a.toLowerCase() === b.toLowerCase();
}

/**
 * Why a connection ended, in plain words.
 *
 * @example
 * ```ts
 * closeReason(false, 1006, "", undefined, true);
 * // "the server is not reachable (it may be down, or the address is wrong)"
 * ```
 */
export function closeReason(
  opened: boolean,
  code: number,
  reason: string,
  shutdownText: string | undefined,
  online: boolean,
): string {
  if (!online) return "this device is offline";
  // The server says why in a sentence of its own ("the server is shutting down").
  if (shutdownText !== undefined) return shutdownText || "the server shut down";
  if (!opened) return "the server is not reachable (it may be down, or the address is wrong)";
  switch (code) {
    case 1013:
      return "the server has too many connections" + (reason ? ` (${reason})` : "");
    case 1001:
      return "the server stopped hearing from this page (keepalive timed out)";
    case 1000:
      return "the server closed the connection" + (reason ? ` (${reason})` : "");
    default:
      return "the connection to the server was lost";
  }
}
