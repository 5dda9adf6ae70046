/**
 * The terminal client's behaviour as a state machine: events go in (bytes typed, the end of
 * input, a connection made, lost or refused, bytes from the server, a timer, a signal, a resize)
 * and effects come out (text for the terminal, lines for the server, connect, disconnect, timers,
 * a line for the history file, exit). It never touches a terminal, a socket or a clock's timer,
 * so everything it does is tested by feeding it events (`tests/client/client_machine_test.ts`);
 * `client_runner.ts` is the thin I/O loop around it.
 *
 * What it does: typed lines go to the server as typed (see `typed_command.ts` for the few the
 * client handles itself); the user's own room lines are shown like everyone else's; server events
 * are shown by `display.ts`; a status line shows who you are, the connection and the windows with
 * unread counts (`status_line.ts`, `windows.ts`); mentions and private messages ring the bell; a
 * paste of many lines is confirmed before it is sent. After a disconnection the user did not ask
 * for, it reconnects with backoff, logs in again, re-enters every room, and fills the gap with
 * `history <target> after <id>`, skipping lines already shown. Lines typed while offline are
 * queued (up to {@link MAX_QUEUED}).
 *
 * @module
 */

import { classifyTyped, type TypedLine } from "./typed_command.ts";
import { describeTlsFailure, type TlsOptions } from "./tls.ts";
import {
  formatEvent,
  formatLocal,
  formatRaw,
  formatSent,
  neutralize,
  type Palette,
} from "./display.ts";
import { KeyDecoder } from "./key_decoder.ts";
import { CLEAR_LINE, type EditorEvent, LineEditor } from "./line_editor.ts";
import { LineReader } from "../shared/line_reader.ts";
import { PasswordReader } from "./password_reader.ts";
import { parseWireEvent, quoteArgument, type WireEvent } from "../shared/protocol.ts";
import {
  Backoff,
  type BackoffOptions,
  type Credentials,
  type LoginData,
  SessionState,
} from "../shared/reconnect.ts";
import { SeenLines } from "../shared/seen_lines.ts";
import { InputHistory } from "./input_history.ts";
import { completionsFor } from "./completion.ts";
import { ServerCommands } from "./server_commands.ts";
import { People } from "./people.ts";
import { Windows } from "./windows.ts";
import { type LinkState, statusText } from "./status_line.ts";
import { Screen } from "./screen.ts";
import { SecretPrompt } from "./secret_prompt.ts";
import type { TerminalInfo } from "./terminal.ts";
import { hostPort } from "./host_port.ts";

/** The most lines kept while offline; more are refused with a message. */
export const MAX_QUEUED = 100;

/** Exit status when the session was taken over by a login elsewhere (no reconnection then). */
export const EXIT_TAKEOVER = 3;

/** Exit status when an administrator kicked or banned this user (no reconnection then). */
export const EXIT_EXPELLED = 5;

/**
 * Exit status when TLS could not be set up: the server's certificate was refused, the server
 * does not speak TLS, or the chosen certificate store cannot be read. Retrying would fail the same
 * way, so the client stops.
 */
export const EXIT_TLS = 4;

/** A paste of this many lines or more is confirmed before it is sent (irssi's default is 5). */
export const PASTE_CONFIRM_LINES = 5;

/** The longest line accepted from the server (a guard against a runaway peer). */
const MAX_SERVER_LINE = 1 << 20;

/** One decoder for every line: a non-streaming `decode` keeps no state between calls. */
const decoder = new TextDecoder();

/** The timers the machine sets, by name: setting one again replaces it. */
export type TimerName = "reconnect" | "logout" | "countdown" | "throttle";

/** Something that happened, for the machine to handle. */
export type ClientEvent =
  | { type: "start" }
  /** Bytes typed (raw mode), or piped input. */
  | { type: "input"; data: Uint8Array }
  | { type: "input-end"; error?: unknown }
  | { type: "connected" }
  | { type: "connect-failed"; error: unknown }
  | { type: "server-data"; data: Uint8Array }
  | { type: "disconnected"; error?: unknown }
  | { type: "timer"; name: TimerName }
  | { type: "signal"; signal: "SIGINT" | "SIGTERM" | "SIGHUP" }
  | { type: "resize"; columns: number };

/** Something the runner must do, in order. */
export type Effect =
  /** Text for stdout. */
  | { type: "output"; text: string }
  /** Typing echo (stdout, stderr or nowhere, as the terminal allows). */
  | { type: "echo"; text: string }
  | { type: "send"; line: string }
  | { type: "connect" }
  | { type: "disconnect" }
  | { type: "set-timer"; name: TimerName; ms: number }
  | { type: "clear-timer"; name: TimerName }
  /** A sent line to append to the `--history-file`. */
  | { type: "save-history"; line: string }
  | { type: "exit"; code: number };

/** Options of {@link ClientMachine}. */
export interface MachineOptions {
  host: string;
  port: number;
  /** Connect with TLS (undefined: plain TCP). */
  tls?: TlsOptions;
  /** Log in as this user at start (the password is asked for). */
  user?: string;
  /** Reconnection delays (tests may shorten them). */
  backoff?: BackoffOptions;
  /** How long `logout` waits for the server to close the connection, in ms (default 3000). */
  logoutTimeout?: number;
  /** What the standard streams are. */
  terminal: TerminalInfo;
  palette: Palette;
  /** The terminal's width. */
  columns?: number;
  /** Ring the bell on mentions and private messages (default true). */
  bell?: boolean;
  /** Confirm pastes of this many lines or more (default {@link PASTE_CONFIRM_LINES}). */
  pasteLines?: number;
  /** Lines of the history file, oldest first. */
  history?: readonly string[];
  /** The clock (tests fix it). */
  now?: () => Date;
}

/** A line to send, with what sending it means for the remembered session. */
interface Outgoing {
  line: string;
  login?: Credentials;
  newPassword?: string;
  /** The line ends the session: the client exits when the server closes the connection. */
  logout?: boolean;
  /** A chat line for the current room: shown as the user's own line when it goes out. */
  chat?: string;
}

/** The connection, once made. */
interface Link {
  lines: LineReader;
  /** The session is restored (or there was none): typed lines may go straight out. */
  ready: boolean;
  /**
   * The lines the client sent itself (mode, help, login, re-joins, the gap's history) whose
   * answers are still due; the login is kept as just `login`, not with its password.
   */
  expect: string[];
  /** The current room to restore (the replies to the re-joins change the state as they come). */
  wantedCurrent?: string | null;
  /** The server's shutdown notice, to say why the connection ended. */
  shutdownText?: string;
  /** Whether what was said while away has been asked for (once per reconnect). */
  gapAsked?: boolean;
}

/** What the client's own `history … after …` lines are expected as (their errors are quiet). */
const GAP = "history-gap";

/** A password prompt under way. */
interface Asking {
  prompt: SecretPrompt;
  /** Reads the keys (undefined with piped input: the next line is the answer). */
  reader?: PasswordReader;
  /** Lines that arrived while the password was typed: shown after it. */
  held: string[][];
}

/** Puts an error into words a person understands. */
export function describeNetworkError(error: unknown, host: string, port: number): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = hostPort(host, port);
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `connection refused by ${where} (is the server running?)`;
  }
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset by the server";
  if (error instanceof Deno.errors.ConnectionAborted) return "connection aborted";
  if (error instanceof Deno.errors.TimedOut) return `no answer from ${where} (timed out)`;
  if (error instanceof Deno.errors.BrokenPipe) return "connection broken";
  if (/lookup address|name or service not known|no address associated|dns error/i.test(message)) {
    return `host not found: ${host}`;
  }
  if (/network is unreachable/i.test(message)) return `network unreachable for ${host}`;
  if (/no route to host/i.test(message)) return `no route to ${host}`;
  return message;
}

/**
 * The client as a state machine.
 *
 * @example
 * ```ts
 * import { PLAIN } from "./display.ts";
 * const machine = new ClientMachine({
 *   host: "127.0.0.1", port: 4000, palette: PLAIN,
 *   terminal: { interactive: false, overlay: false, colour: false, echo: "none" },
 * });
 * machine.handle({ type: "start" }); // [{ type: "connect" }]
 * machine.handle({ type: "connected" }); // output "! … connected to 127.0.0.1:4000", send "mode json", …
 * ```
 */
export class ClientMachine {
  readonly #options: MachineOptions;
  readonly #term: TerminalInfo;
  readonly #palette: Palette;
  readonly #screen: Screen;
  readonly #keys = new KeyDecoder();
  readonly #editor: LineEditor;
  readonly #stdinLines = new LineReader(MAX_SERVER_LINE);
  readonly #state = new SessionState();
  readonly #backoff: Backoff;
  /** The lines shown (by id) and the newest per room and conversation, for the gap after a reconnect. */
  readonly #seen = new SeenLines();
  readonly #commands = new ServerCommands();
  readonly #people = new People();
  readonly #windows = new Windows();
  readonly #now: () => Date;
  /** The user's own room lines shown (`room\ntext`), so that a replay does not show them again. */
  readonly #ownShown: string[] = [];
  #effects: Effect[] = [];
  /** `history` and `search` commands the user sent whose answers have not all come yet. */
  #historyAsked = 0;
  /** Connections made so far (a second one is a reconnect). */
  #connections = 0;
  #asking: Asking | undefined;
  #queue: Outgoing[] = [];
  #link: Link | undefined;
  #connecting = false;
  /** When the reconnect timer fires, for the status line's countdown. */
  #reconnectAt: number | undefined;
  #exited = false;
  /** Set once the user asked to leave: no reconnection, exit when the connection ends. */
  #quitting: number | undefined;
  /** Events are shown as text lines, or as the server's raw JSON (`mode json`). */
  #display: "text" | "json" = "text";
  /** Whether the offline notice and the reconnect hint were given already. */
  #toldQueued = false;
  #toldHint = false;
  /** Lines of a paste under way (bracketed, or many lines in one read). */
  #paste: string[] | undefined;
  /** A paste waiting for the user's yes or no. */
  #confirming: string[] | undefined;
  /** Lines the server's flood control holds back, as its last notice said. */
  #throttled = 0;

  constructor(options: MachineOptions) {
    this.#options = options;
    this.#term = options.terminal;
    this.#palette = options.palette;
    this.#now = options.now ?? (() => new Date());
    this.#screen = new Screen({
      write: (text) => this.#emit({ type: "output", text }),
      echo: (text) => this.#emit({ type: "echo", text }),
      overlay: this.#term.overlay,
    });
    this.#editor = new LineEditor({
      decoder: this.#keys,
      columns: options.columns ?? 80,
      history: new InputHistory(options.history ?? []),
      completer: (line, cursor) =>
        completionsFor(line, cursor, {
          commands: this.#commands.names,
          usersHere: this.#people.inRoom(this.#state.current),
          users: this.#people.everyone,
          rooms: this.#state.rooms,
        }),
    });
    this.#backoff = new Backoff(options.backoff);
  }

  /** Whether the user asked to leave (a second signal then ends the program at once). */
  get leaving(): boolean {
    return this.#quitting !== undefined;
  }

  /** The line being typed (for tests). */
  get typing(): LineEditor {
    return this.#editor;
  }

  /** Handles one event; returns what to do, in order. */
  handle(event: ClientEvent): Effect[] {
    this.#effects = [];
    if (!this.#exited) this.#dispatch(event);
    if (!this.#exited) this.#updateStatus();
    return this.#effects;
  }

  /** The effects that leave the terminal clean when the program ends. */
  finish(): Effect[] {
    this.#effects = [];
    this.#screen.close();
    return this.#effects;
  }

  #dispatch(event: ClientEvent): void {
    switch (event.type) {
      case "start":
        this.#connect();
        if (this.#term.interactive) this.#screen.setInput(this.#editor);
        if (this.#options.user !== undefined) this.#typed(`login ${this.#options.user}`);
        return;
      case "input":
        return this.#onInput(event.data);
      case "input-end":
        return this.#onInputEnd(event.error);
      case "connected":
        this.#connecting = false;
        return this.#onConnected();
      case "connect-failed":
        this.#connecting = false;
        return this.#onConnectFailed(event.error);
      case "server-data":
        return this.#onServerData(event.data);
      case "disconnected":
        return this.#onDisconnected(event.error);
      case "timer":
        return this.#onTimer(event.name);
      case "signal":
        return this.#onSignal(event.signal);
      case "resize":
        this.#editor.columns = event.columns;
        this.#screen.redraw();
        return;
    }
  }

  #emit(effect: Effect): void {
    const last = this.#effects.at(-1);
    // Consecutive writes to the same stream become one write.
    if (
      last && (effect.type === "output" || effect.type === "echo") && last.type === effect.type
    ) {
      last.text += effect.text;
      return;
    }
    this.#effects.push(effect);
  }

  // -------------------------------------------------------------------------------------------
  // Keyboard

  #onInput(data: Uint8Array): void {
    if (!this.#term.interactive) {
      for (const item of this.#stdinLines.push(data)) {
        if ("line" in item) this.#onLine(decoder.decode(item.line));
        if (this.#exited) return;
      }
      return;
    }
    const keys = this.#keys.feed(data);
    // Many lines in one read, without paste markers: a paste all the same.
    const enters = keys.filter((key) => key.kind === "enter").length;
    const unmarked = this.#paste === undefined && !this.#asking && !this.#confirming &&
      enters >= this.#pasteLines();
    if (unmarked) this.#paste = [];
    let index = 0;
    while (index < keys.length && !this.#exited) {
      const asking = this.#asking;
      if (asking?.reader) {
        const step = asking.reader.step(keys, index);
        this.#screen.echo(step.output);
        index = step.next;
        if (step.outcome) {
          this.#answered(step.outcome.type === "submit" ? step.outcome.password : undefined);
        }
      } else if (this.#confirming) {
        index = this.#confirmStep(keys, index);
      } else {
        const step = this.#editor.step(keys, index);
        this.#screen.echo(step.output);
        index = step.next;
        if (step.event) this.#onEditorEvent(step.event);
      }
    }
    if (unmarked) this.#pasteEnded();
  }

  #pasteLines(): number {
    return Math.max(this.#options.pasteLines ?? PASTE_CONFIRM_LINES, 2);
  }

  #onEditorEvent(event: EditorEvent): void {
    switch (event.type) {
      case "line":
        if (this.#paste) {
          this.#paste.push(event.line);
          return;
        }
        this.#onLine(event.line);
        if (!this.#exited && this.#screen.input === this.#editor) this.#screen.redraw();
        return;
      case "interrupt":
        this.#screen.setInput(undefined);
        this.#leave(130);
        return;
      case "eof":
        this.#screen.setInput(undefined);
        this.#onLine("logout");
        return;
      case "redraw":
        this.#screen.clear();
        return;
      case "window":
        this.#switchWindow(event.to);
        return;
      case "paste":
        if (event.edge === "start") this.#paste ??= [];
        else this.#pasteEnded();
        return;
    }
  }

  /** A paste ended: few lines are sent at once, many are confirmed first. */
  #pasteEnded(): void {
    const lines = this.#paste ?? [];
    this.#paste = undefined;
    if (lines.length < this.#pasteLines()) {
      for (const line of lines) if (!this.#exited) this.#onLine(line);
      return;
    }
    this.#confirming = lines;
    this.#screen.setInput({
      render: () =>
        `${CLEAR_LINE}send ${lines.length} pasted lines? (y: send them, n or Ctrl-C: drop them) `,
    });
  }

  /** The answer to the paste question: y or Enter sends, n, Escape or Ctrl-C drops. */
  #confirmStep(keys: readonly { kind: string; char?: string }[], start: number): number {
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      const yes = key.kind === "enter" || (key.kind === "char" && /^[yY]$/.test(key.char!));
      const no = key.kind === "interrupt" || (key.kind === "char" && /^[nN]$/.test(key.char!)) ||
        key.kind === "escape";
      if (!yes && !no) continue;
      const lines = this.#confirming!;
      this.#confirming = undefined;
      this.#screen.setInput(this.#editor);
      if (yes) {
        for (const line of lines) if (!this.#exited) this.#onLine(line);
      } else {
        this.#local(`${lines.length} pasted lines dropped; nothing was sent`);
      }
      return i + 1;
    }
    return keys.length;
  }

  #onInputEnd(error?: unknown): void {
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      this.#local(`keyboard input failed: ${message}`, true);
    }
    if (this.#asking && !this.#term.interactive) this.#answered(undefined);
    // The end of input is a logout typed at that point, after the lines before it.
    this.#onLine("logout");
  }

  /** A line from the keyboard: the editor's, or the next line of piped input. */
  #onLine(line: string): void {
    if (this.#asking && !this.#term.interactive) {
      this.#answered(line);
      return;
    }
    this.#typed(line, this.#term.interactive);
  }

  #typed(line: string, keep = false): void {
    const window = this.#windows.current;
    // In a private conversation's window, a chat line goes to that person.
    if (window?.kind === "private" && line.trim() !== "" && !this.#commands.isCommand(line)) {
      line = `tell ${window.name} ${line.replace(/^\/\//, "/")}`;
    }
    const typed: TypedLine = classifyTyped(line);
    if (keep && typed.kind !== "empty" && !(typed.kind === "send" && typed.secret)) {
      if (this.#editor.history.add(line)) this.#emit({ type: "save-history", line });
    }
    switch (typed.kind) {
      case "empty":
        return;
      case "mode":
        this.#setDisplay(typed.choice);
        return;
      case "ask":
        this.#ask(new SecretPrompt(typed.command, typed.name));
        return;
      case "logout":
        this.#logout(typed.line);
        return;
      case "send": {
        const chat = this.#commands.isCommand(typed.line)
          ? undefined
          : typed.line.trim().startsWith("//")
          ? typed.line.replace(/^(\s*)\/\//, "$1/")
          : typed.line;
        this.#submit({
          line: typed.line,
          login: typed.login,
          newPassword: typed.newPassword,
          chat,
        });
        return;
      }
    }
  }

  #setDisplay(choice: string | undefined): void {
    const wanted = choice?.toLowerCase();
    if (wanted === "text" || wanted === "json") this.#display = wanted;
    else if (wanted !== undefined) {
      this.#local("usage: mode <text|json> (how this client shows what the server sends)", true);
      return;
    }
    this.#local(
      this.#display === "json"
        ? "mode json: events are shown as the server's JSON lines (mode text goes back)"
        : "mode text: events are shown as lines of text (the connection itself always speaks JSON)",
    );
  }

  // -------------------------------------------------------------------------------------------
  // Passwords

  #ask(prompt: SecretPrompt): void {
    if (!this.#term.interactive) {
      this.#asking = { prompt, held: [] }; // the next piped lines are the answers
      return;
    }
    const reader = new PasswordReader({ decoder: this.#keys });
    this.#asking = { prompt, reader, held: [] };
    // The prompt takes the input line's row.
    this.#screen.setInput({
      render: () => `${CLEAR_LINE}${prompt.question} ${"*".repeat(reader.length)}`,
    });
  }

  /** One answer typed (undefined: the prompt was cancelled). */
  #answered(password: string | undefined): void {
    const asking = this.#asking!;
    const { prompt } = asking;
    if (asking.reader) {
      // What was asked stays on screen, with its stars; then what arrived meanwhile.
      const stars = password === undefined ? "" : " " + "*".repeat([...password].length);
      this.#screen.setInput(undefined);
      this.#screen.print([prompt.question + stars, ...asking.held.flat()]);
      asking.held = [];
    }
    const outcome = password === undefined
      ? { type: "refused" as const, message: `${prompt.command} cancelled; nothing was sent` }
      : prompt.answer(password);
    if (outcome === undefined) {
      if (asking.reader) this.#ask(prompt); // the next question
      return;
    }
    this.#asking = undefined;
    if (outcome.type === "refused") {
      this.#local(outcome.message, password !== undefined);
    } else {
      this.#submit({ line: outcome.line, login: outcome.login, newPassword: outcome.newPassword });
    }
    if (asking.reader && !this.#exited) this.#screen.setInput(this.#editor);
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  #submit(item: Outgoing): void {
    const link = this.#link;
    if (link?.ready && this.#queue.length === 0) {
      this.#transmit(item);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED) {
      this.#local(`not connected, and ${MAX_QUEUED} lines are already waiting; not sent`, true);
      return;
    }
    this.#queue.push(item);
    if (!link && !this.#connecting && !this.#toldQueued) {
      this.#toldQueued = true;
      this.#local(
        "not connected: kept to send when the connection is back" +
          (this.#term.overlay ? " (the status line counts them)" : ""),
      );
    }
  }

  #transmit(item: Outgoing): void {
    if (item.login) this.#state.loginSent(item.login);
    if (item.newPassword !== undefined) this.#state.passwordChangeSent(item.newPassword);
    if (item.logout) this.#quitting ??= 0;
    if (item.chat !== undefined) this.#showOwn(item.chat);
    // The user asked for history: what comes back is shown whole, lines seen before included.
    if (/^\/?(history|search)\b/i.test(item.line)) this.#historyAsked++;
    this.#send(item.line);
  }

  #send(line: string): void {
    this.#emit({ type: "send", line });
  }

  /** The user's own room line, shown like everyone else's: name, time, message. */
  #showOwn(text: string): void {
    const me = this.#state.credentials?.user;
    const room = this.#state.current;
    if (!this.#state.loggedIn || me === undefined || room === null) return;
    this.#ownShown.push(`${room.toLowerCase()}\n${text}`);
    if (this.#ownShown.length > 200) this.#ownShown.shift();
    this.#showEvent({ type: "message", from: me, room, text, time: this.#now().toISOString() });
  }

  #flushQueue(): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const item of queued) this.#transmit(item);
    if (this.#quitting !== undefined) this.#setTimer("logout", this.#options.logoutTimeout ?? 3000);
  }

  // -------------------------------------------------------------------------------------------
  // Windows

  #switchWindow(to: number | "next" | "previous"): void {
    const target = this.#windows.target(to);
    if (!target) return;
    this.#windows.select(target);
    if (target.kind === "room" && target.name !== this.#state.current) {
      this.#submit({ line: `switch ${quoteArgument(target.name)}` });
    }
    this.#updatePrompt();
  }

  // -------------------------------------------------------------------------------------------
  // Leaving

  #logout(line: string): void {
    const link = this.#link;
    if (!link && !this.#connecting) {
      const dropped = this.#queue.length;
      this.#local(
        "not connected; exiting" + (dropped ? ` (${dropped} waiting lines not sent)` : ""),
      );
      this.#exit(0);
      return;
    }
    this.#quitting ??= 0;
    if (link?.ready && this.#queue.length === 0) {
      this.#send(line);
      this.#setTimer("logout", this.#options.logoutTimeout ?? 3000);
    } else {
      // Connecting, or restoring the session: send it after the lines waiting before it.
      this.#queue.push({ line, logout: true });
    }
  }

  /** Ctrl-C or a signal: log out if we can, without waiting long. */
  #leave(code: number): void {
    this.#quitting = code;
    if (this.#link && this.#state.loggedIn) {
      this.#send("logout");
      this.#setTimer("logout", 1000);
    } else {
      this.#exit(code);
    }
  }

  #onSignal(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
    this.#screen.setInput(undefined);
    this.#leave(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
  }

  #onTimer(name: TimerName): void {
    switch (name) {
      case "logout":
        if (this.#quitting !== undefined) this.#exit(this.#quitting); // the server was too slow
        return;
      case "reconnect":
        this.#reconnectAt = undefined;
        if (!this.#link && !this.#connecting) this.#connect();
        return;
      case "countdown":
        if (this.#reconnectAt !== undefined) this.#setTimer("countdown", 1000);
        return;
      case "throttle":
        this.#throttled = 0;
        return;
    }
  }

  #setTimer(name: TimerName, ms: number): void {
    this.#emit({ type: "set-timer", name, ms });
  }

  #exit(code: number): void {
    this.#screen.close();
    this.#exited = true;
    this.#emit({ type: "exit", code });
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  #connect(): void {
    this.#connecting = true;
    this.#emit({ type: "connect" });
    this.#updatePrompt();
  }

  #onConnected(): void {
    this.#connections++;
    const link: Link = { lines: new LineReader(MAX_SERVER_LINE), ready: false, expect: [] };
    this.#link = link;
    const { host, port, tls } = this.#options;
    // Said once; a reconnect says "connection is back" when the session is restored.
    if (this.#connections === 1) {
      this.#local(`connected to ${hostPort(host, port)}${tls ? " over TLS" : ""}`);
    }
    for (const [line, expected] of [["mode json", "mode"], ["help", "help"]]) {
      link.expect.push(expected!);
      this.#send(line!);
    }
    const login = this.#state.loginCommands();
    for (const line of login) {
      link.expect.push("login");
      this.#send(line);
    }
    if (login.length === 0) {
      this.#backoff.reset();
      this.#ready(link);
    }
    this.#updatePrompt();
  }

  /**
   * The session is restored: after a reconnect, first ask for what was said meanwhile in each
   * room and conversation (shown once: lines already shown are skipped by id), then let typed
   * lines out.
   */
  #ready(link: Link): void {
    if (!link.gapAsked) {
      link.gapAsked = true;
      const queries = this.#connections > 1 ? this.#seen.gapQueries(this.#state.rooms) : [];
      for (const query of queries) {
        link.expect.push(GAP);
        this.#send(query);
      }
      if (queries.length > 0) return; // ready once they are answered
    }
    link.ready = true;
    this.#toldQueued = false;
    this.#flushQueue();
    this.#updatePrompt();
  }

  #onConnectFailed(error: unknown): void {
    const { host, port, tls } = this.#options;
    const where = hostPort(host, port);
    const tlsFailure = tls && describeTlsFailure(error, host, port, tls);
    if (tlsFailure !== undefined) {
      // Not a network failure: every retry would be refused the same way.
      this.#local(`cannot connect to ${where} over TLS: ${tlsFailure}; not retrying`, true);
      this.#exit(this.#quitting || EXIT_TLS); // a signal's status wins; a logout does not
      return;
    }
    this.#local(`cannot connect to ${where}: ${describeNetworkError(error, host, port)}`, true);
    if (this.#quitting !== undefined) {
      this.#exit(this.#quitting);
      return;
    }
    this.#scheduleReconnect();
  }

  #onDisconnected(error?: unknown): void {
    const link = this.#link;
    this.#link = undefined;
    this.#emit({ type: "disconnect" });
    this.#state.disconnected();
    this.#historyAsked = 0; // their answers will not come
    this.#throttled = 0;
    if (this.#quitting !== undefined) {
      this.#exit(this.#quitting);
      return;
    }
    if (this.#state.takenOver) {
      this.#local(
        "this session was taken over by a login elsewhere; not reconnecting (exiting)",
        true,
      );
      this.#exit(EXIT_TAKEOVER);
      return;
    }
    if (this.#state.expelled !== null) {
      this.#local(
        `removed from the server: ${this.#state.expelled}; not reconnecting (exiting)`,
        true,
      );
      this.#exit(EXIT_EXPELLED);
      return;
    }
    const { host, port } = this.#options;
    const notice = link?.shutdownText;
    // The server's notice is shown already; repeat it only when it says more than that.
    const why = notice !== undefined
      ? "the server shut down" + (/shut(ting)? down/i.test(notice) ? "" : ` (${notice})`)
      : error !== undefined
      ? describeNetworkError(error, host, port)
      : "the server closed the connection";
    this.#local(`connection lost: ${why}`, true);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const ms = this.#backoff.next();
    const hint = this.#term.interactive && !this.#toldHint
      ? " (keep typing; logout or Ctrl-C gives up)"
      : "";
    this.#toldHint ||= hint !== "";
    this.#local(`reconnecting in ${(ms / 1000).toFixed(0)} s${hint}`);
    this.#reconnectAt = this.#now().getTime() + ms;
    this.#setTimer("reconnect", ms);
    if (this.#term.overlay) this.#setTimer("countdown", 1000);
    this.#updatePrompt();
  }

  // -------------------------------------------------------------------------------------------
  // What the server sends

  #onServerData(data: Uint8Array): void {
    const link = this.#link;
    if (!link) return;
    for (const item of link.lines.push(data)) {
      if (!("line" in item)) {
        this.#local("ignored an overlong line from the server", true);
        continue;
      }
      const text = decoder.decode(item.line);
      if (text === "") continue;
      this.#onServerLine(link, text);
      if (this.#link !== link || this.#exited) return;
    }
  }

  #onServerLine(link: Link, text: string): void {
    const event = parseWireEvent(text);
    if (!event) {
      // Text-mode lines come only before `mode json` took effect: the server's greeting.
      this.#show([formatRaw(text)]);
      return;
    }
    const me = this.#state.credentials?.user;
    // A line shown already (held for a resume and also in history, or replayed on a re-join) is
    // not shown again — unless the user asked for history: a `history` or `search` shows all it
    // finds.
    const fresh = this.#seen.accept(event, me);
    if (this.#historyAsked > 0) {
      if (event.type === "reply" || event.type === "error") {
        if (event.command === "history" || event.command === "search") this.#historyAsked--;
      }
    } else if (!fresh || this.#isOwnReplay(event, me)) return;
    const change = this.#state.observe(event);
    this.#people.observe(event);
    // Answers come in the order of the lines sent: the first ones answer the client's own.
    const ours = event.type === "reply" || event.type === "error" ? link.expect.shift() : undefined;
    if (event.type === "reply" && event.command === "help") this.#commands.learn(event.data);
    let recovered = false;
    if (ours !== undefined && event.type === "error") {
      recovered = ours === GAP || ours === "help" || this.#rejoinFailed(link, ours, event);
    }
    // The client's own commands' replies are not shown; their errors are, unless recovered from.
    if (ours === undefined || (event.type === "error" && !recovered)) {
      this.#showServerEvent(event, text);
    }
    if (event.type === "notice" && event.kind === "shutdown") link.shutdownText = event.text;
    if (ours?.startsWith("login")) {
      this.#replayed(link, event, change?.type === "logged-in" ? change.data : undefined);
    } else if (ours !== undefined && link.expect.length === 0 && !link.ready) {
      if (ours !== GAP) this.#local(this.#backMessage());
      this.#ready(link);
    }
    if (change) {
      this.#windows.setRooms(this.#state.rooms, this.#state.current);
      this.#updatePrompt();
    }
    if (change?.type === "takeover") this.#onDisconnected();
  }

  /** A replayed line the user said here, already shown as it was typed. */
  #isOwnReplay(event: WireEvent, me: string | undefined): boolean {
    if (event.type !== "message" || event.history !== true || me === undefined) return false;
    if (event.from.toLowerCase() !== me.toLowerCase()) return false;
    const at = this.#ownShown.indexOf(`${event.room.toLowerCase()}\n${event.text}`);
    if (at < 0) return false;
    this.#ownShown.splice(at, 1);
    return true;
  }

  /** Shows an event from the server: counts it in its window, rings for mentions. */
  #showServerEvent(event: WireEvent, raw: string): void {
    if (this.#display === "json") {
      this.#show([neutralize(raw)]);
      return;
    }
    if (event.type === "notice" && event.kind === "info") this.#noteThrottle(event.text);
    const me = this.#state.credentials?.user;
    if (event.type === "reply" && event.command === "tell" && me !== undefined) {
      if (this.#showSent(event.data, me, event.time)) return;
    }
    const live = !("history" in event && event.history === true);
    const fromOther = "from" in event && event.from !== "*" &&
      event.from.toLowerCase() !== me?.toLowerCase();
    if (
      live && fromOther &&
      (event.type === "message" || event.type === "private" || event.type === "group")
    ) {
      const { alert } = this.#windows.arrived(event, me);
      if (alert) {
        this.#show(formatEvent(event, this.#palette).map((line) => this.#palette.highlight(line)));
        if (this.#options.bell !== false) this.#bell();
        return;
      }
    }
    this.#showEvent(event);
  }

  #showEvent(event: WireEvent): void {
    this.#show(formatEvent(event, this.#palette));
  }

  /** A `tell` that reached its reader at once: shown as the user's own line. */
  #showSent(data: unknown, me: string, time: string): boolean {
    const sent = data as { to?: unknown; text?: unknown; offline?: unknown; id?: unknown };
    if (typeof sent?.to !== "string" || typeof sent.text !== "string" || sent.offline === true) {
      return false;
    }
    if (typeof sent.id === "string") {
      // Counted as shown, so the conversation's history after a reconnect starts after it.
      this.#seen.accept(
        { type: "private", from: me, to: sent.to, text: sent.text, time, id: sent.id },
        me,
      );
    }
    this.#show([formatSent(me, sent.to, sent.text, time, this.#palette)]);
    return true;
  }

  /** The server's "slow down: N lines waiting (at most R a second…)": shown until they are out. */
  #noteThrottle(text: string): void {
    const match = /^slow down: (\d+) lines? waiting(?:.*?at most (\d+(?:\.\d+)?) a second)?/.exec(
      text,
    );
    if (!match) return;
    this.#throttled = Number(match[1]);
    const rate = Number(match[2] ?? 5) || 5;
    this.#setTimer("throttle", Math.ceil((this.#throttled / rate) * 1000) + 500);
  }

  /**
   * A re-join failed. A room that went away with the old server is opened again (`start`, which
   * keeps the other rooms), and one that someone else opened meanwhile is joined; each at most
   * once. Returns whether the failure was dealt with.
   */
  #rejoinFailed(link: Link, line: string, event: WireEvent): boolean {
    const [command] = line.split(" ", 1);
    const room = line.slice(`${command} `.length);
    const code = event.type === "error" ? event.code : undefined;
    let retry: string | undefined;
    if (command === "join" && code === "NO_SUCH_ROOM") retry = `start ${room}`;
    else if (command === "start" && code === "ROOM_EXISTS") retry = `join! ${room}`;
    if (command === "switch") return true; // a switch after a retried join comes later
    if (retry === undefined) {
      if (command === "join" || command === "join!" || command === "start") {
        this.#state.dropRoom(room);
      }
      return false;
    }
    const current = link.wantedCurrent;
    for (const next of [retry, ...(current ? [`switch ${current}`] : [])]) {
      link.expect.push(next);
      this.#send(next.replace(/^join! /, "join "));
    }
    return true;
  }

  /** The answer to the replayed login came: re-enter the rooms, or report the failure. */
  #replayed(link: Link, event: WireEvent, data: LoginData | undefined): void {
    // The server answered the login either way: the connection works, so the back-off restarts.
    this.#backoff.reset();
    if (!data) {
      this.#local(`could not log in again automatically: ${event.text}`, true);
      this.#ready(link);
      return;
    }
    link.wantedCurrent = this.#state.current;
    const commands = this.#state.rejoinCommands(data);
    for (const line of commands) {
      link.expect.push(line);
      this.#send(line);
    }
    if (link.expect.length === 0) {
      this.#local(this.#backMessage());
      this.#ready(link);
    }
  }

  #backMessage(): string {
    const { credentials, rooms, current } = this.#state;
    if (!credentials) return "connection is back";
    const where = rooms.length
      ? `; in ${rooms.join(", ")}` + (current && rooms.length > 1 ? ` (current: ${current})` : "")
      : "";
    return `connection is back: logged in as ${credentials.user}${where}`;
  }

  // -------------------------------------------------------------------------------------------
  // Display

  #show(lines: string[]): void {
    if (this.#asking?.reader) this.#asking.held.push(lines);
    else this.#screen.print(lines);
  }

  #bell(): void {
    if (this.#term.overlay) this.#screen.bell();
  }

  #local(text: string, error = false): void {
    this.#show([formatLocal(text, { error, palette: this.#palette, time: this.#now() })]);
  }

  #updatePrompt(): void {
    const window = this.#windows.current;
    const where = window?.kind === "private" ? `@${window.name}` : this.#state.current ?? "";
    const prompt = this.#link ? `${where}> ` : this.#connecting ? "(connecting)> " : "(offline)> ";
    if (prompt === this.#editor.prompt) return;
    this.#editor.prompt = prompt;
    if (this.#screen.input === this.#editor) this.#screen.redraw();
  }

  #linkState(): LinkState {
    if (this.#link) return { state: "connected", tls: this.#options.tls !== undefined };
    if (this.#connecting) return { state: "connecting" };
    if (this.#reconnectAt !== undefined) {
      const left = Math.max(0, Math.ceil((this.#reconnectAt - this.#now().getTime()) / 1000));
      return { state: "reconnecting", seconds: left };
    }
    return { state: "offline" };
  }

  #updateStatus(): void {
    if (!this.#term.overlay || !this.#term.interactive) return;
    const text = statusText({
      user: this.#state.loggedIn ? this.#state.credentials?.user : undefined,
      link: this.#linkState(),
      windows: this.#windows.list(),
      current: this.#windows.current,
      queued: this.#queue.length,
      throttled: this.#throttled,
    }, this.#editor.columns);
    this.#screen.setStatus(this.#palette.status(text));
  }
}
