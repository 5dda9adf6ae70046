/**
 * The terminal client's event loop: one async loop that waits on whichever comes first of the
 * keyboard, the server connection, a connection attempt, a timer and a signal, like `poll()` over
 * file descriptors: no threads, no busy waiting. Each source has at most one read in flight; when
 * it completes it posts its result to the loop's inbox and is started again only after the loop
 * handled it, so no read is ever dropped. (A `Promise.race` over the pending reads on every turn
 * would do the same, but adds a reaction to the still-pending keyboard read at each turn: memory
 * that grows with every message received while the user does not type.)
 *
 * Each typed line goes to the server as it is, except `login <user>` (the password is read with
 * disguised echo, then `login <user> <password>` is sent), `create`/`enter` with other than one
 * word (a usage message), `logout` (sent, then the client exits 0), `register <user>` (password
 * asked for) and `mode` (the client needs JSON). The connection uses the JSON presentation;
 * events are shown by `lib/display.ts`.
 *
 * After a disconnection the user did not ask for, the client reports it and retries with backoff
 * (about 3 s growing to about 30 s), then logs in again and re-enters every room the user was in,
 * with the same current room. Lines typed while offline are queued (up to
 * {@link MAX_QUEUED} of them) and sent once the session is restored. Over TLS the same holds for
 * network failures, but a refused certificate ends the client ({@link EXIT_TLS}): every retry would
 * be refused alike.
 *
 * @module
 */

import { classifyTyped } from "./typed_command.ts";
import { connectToServer } from "./connect.ts";
import { describeTlsFailure, type TlsOptions } from "./tls.ts";
import { formatEvent, formatLocal, formatRaw, type Palette } from "./display.ts";
import { KeyDecoder } from "./key_decoder.ts";
import { CLEAR_LINE, type EditorEvent, LineEditor } from "./line_editor.ts";
import { LineReader } from "../shared/line_reader.ts";
import { type PasswordOutcome, PasswordReader } from "./password_reader.ts";
import { parseWireEvent, type WireEvent } from "../shared/protocol.ts";
import {
  Backoff,
  type BackoffOptions,
  type Credentials,
  type LoginData,
  SessionState,
} from "../shared/reconnect.ts";
import { SeenLines } from "../shared/seen_lines.ts";
import {
  detectTerminal,
  paletteFor,
  RawMode,
  Screen,
  type TerminalInfo,
  writeAllSync,
} from "./terminal.ts";

/** The most lines kept while offline; more are refused with a message. */
export const MAX_QUEUED = 100;

/** Exit status when the session was taken over by a login elsewhere (no reconnection then). */
export const EXIT_TAKEOVER = 3;

/**
 * Exit status when TLS could not be set up: the server's certificate was refused, the server
 * does not speak TLS, or the chosen certificate store cannot be read. Retrying would fail the same
 * way, so the client stops.
 */
export const EXIT_TLS = 4;

/** The longest line accepted from the server (a guard against a runaway peer). */
const MAX_SERVER_LINE = 1 << 20;

/** Options of {@link runClient}. */
export interface ClientOptions {
  host: string;
  port: number;
  /** Connect with TLS (undefined: plain TCP). */
  tls?: TlsOptions;
  /** Log in as this user at start (the password is asked for). */
  user?: string;
  /** Reconnection delays (tests may shorten them). */
  backoff?: BackoffOptions;
  /** How long one connection attempt may take, in ms (default 10000). */
  connectTimeout?: number;
  /** How long `logout` waits for the server to close the connection, in ms (default 3000). */
  logoutTimeout?: number;
  /** The standard streams as detected (tests and odd set-ups may override). */
  terminal?: TerminalInfo;
}

/** A line to send, with what sending it means for the remembered session. */
interface Outgoing {
  line: string;
  login?: Credentials;
  newPassword?: string;
  /** The line ends the session: the client exits when the server closes the connection. */
  logout?: boolean;
}

/** One thing the loop waits for, and what it produced. */
type Wake =
  | { kind: "stdin"; data: Uint8Array | null; error?: unknown }
  | { kind: "conn"; gen: number; data: Uint8Array | null; error?: unknown }
  | { kind: "connected"; gen: number; conn: Deno.Conn }
  | { kind: "connect-failed"; gen: number; error: unknown }
  | { kind: "timer"; token: number }
  | { kind: "signal"; signal: Deno.Signal };

interface Link {
  conn: Deno.Conn;
  gen: number;
  lines: LineReader;
  writing: Promise<void>;
  /** The session is restored (or there was none): typed lines may go straight out. */
  ready: boolean;
  /**
   * The lines the client sent itself (mode, login, re-joins) whose answers are still due; the
   * login is kept as just `login`, not with its password.
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

interface PasswordPrompt {
  purpose: "login" | "register";
  user: string;
  reader?: PasswordReader;
  /** Lines that arrived while the password was typed: shown after it. */
  held: string[][];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Puts an error into words a person understands. */
export function describeNetworkError(error: unknown, host: string, port: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `connection refused by ${host}:${port} (is the server running?)`;
  }
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset by the server";
  if (error instanceof Deno.errors.ConnectionAborted) return "connection aborted";
  if (error instanceof Deno.errors.TimedOut) return `no answer from ${host}:${port} (timed out)`;
  if (error instanceof Deno.errors.BrokenPipe) return "connection broken";
  if (/lookup address|name or service not known|no address associated|dns error/i.test(message)) {
    return `host not found: ${host}`;
  }
  if (/network is unreachable/i.test(message)) return `network unreachable for ${host}`;
  if (/no route to host/i.test(message)) return `no route to ${host}`;
  return message;
}

/**
 * Runs the client until the user logs out or interrupts it; returns the exit status (0 after
 * `logout`, 130 after Ctrl-C, {@link EXIT_TAKEOVER} when another login took the session over,
 * {@link EXIT_TLS} when the server's certificate was refused).
 *
 * @example
 * ```ts
 * const code = await runClient({ host: "127.0.0.1", port: 4000 });
 * Deno.exit(code);
 * ```
 */
export function runClient(options: ClientOptions): Promise<number> {
  return new ChatClient(options).run();
}

class ChatClient {
  readonly #options: ClientOptions;
  readonly #term: TerminalInfo;
  readonly #palette: Palette;
  readonly #screen: Screen;
  readonly #raw = new RawMode();
  readonly #keys = new KeyDecoder();
  readonly #editor: LineEditor;
  readonly #stdinLines = new LineReader(MAX_SERVER_LINE);
  readonly #state = new SessionState();
  readonly #backoff: Backoff;
  /** The lines shown (by id) and the newest per room and conversation, for the gap after a reconnect. */
  readonly #seen = new SeenLines();
  /** Connections made so far (a second one is a reconnect). */
  #connections = 0;
  #password: PasswordPrompt | undefined;
  #queue: Outgoing[] = [];
  #link: Link | undefined;
  #gen = 0;
  #exitCode: number | undefined;
  /** Set once the user asked to leave: no reconnection, exit when the connection ends. */
  #quitting: number | undefined;

  // The select: every source (a keyboard read, a connection read, a connection attempt, the
  // timer, a signal) is started once and puts what it got in the inbox when it completes; the
  // loop sleeps until the inbox has something. A read is never dropped or started twice.
  #inbox: Wake[] = [];
  #wakeLoop: (() => void) | undefined;
  #connecting = false;
  #timer: { id: ReturnType<typeof setTimeout>; token: number } | undefined;
  #timerToken = 0;
  #signalHandlers: [Deno.Signal, () => void][] = [];

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#term = options.terminal ?? detectTerminal();
    this.#palette = paletteFor(this.#term);
    const echo = this.#term.echo === "stdout"
      ? (text: string) => writeAllSync(Deno.stdout, text)
      : this.#term.echo === "stderr"
      ? (text: string) => writeAllSync(Deno.stderr, text)
      : () => {};
    this.#screen = new Screen({
      write: (text) => writeAllSync(Deno.stdout, text),
      echo,
      overlay: this.#term.overlay,
    });
    this.#editor = new LineEditor({ decoder: this.#keys, columns: this.#columns() });
    this.#backoff = new Backoff(options.backoff);
  }

  async run(): Promise<number> {
    try {
      this.#installSignals();
      if (this.#term.interactive) this.#raw.enable();
      this.#connect();
      if (this.#term.interactive) this.#screen.setInput(this.#editor);
      if (this.#options.user !== undefined) this.#typed(`login ${this.#options.user}`);
      this.#readStdin();
      while (this.#exitCode === undefined) this.#handle(await this.#nextWake());
      return this.#exitCode;
    } finally {
      this.#finish();
    }
  }

  /** Delivers a source's result to the loop. */
  #post(wake: Wake): void {
    this.#inbox.push(wake);
    this.#wakeLoop?.();
  }

  /** The next thing that happened, waiting (without spinning) until something does. */
  #nextWake(): Promise<Wake> {
    const ready = this.#inbox.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise<Wake>((resolve) => {
      this.#wakeLoop = () => {
        this.#wakeLoop = undefined;
        resolve(this.#inbox.shift()!);
      };
    });
  }

  #handle(wake: Wake): void {
    switch (wake.kind) {
      case "stdin":
        if (wake.data) {
          this.#onInput(wake.data);
          if (this.#exitCode === undefined) this.#readStdin();
        } else this.#onInputEnd(wake.error);
        return;
      case "conn":
        if (wake.gen !== this.#link?.gen) return; // a read of a connection already closed
        if (wake.data) {
          this.#onServerData(wake.data);
          if (this.#link?.gen === wake.gen) this.#readConn(this.#link);
        } else this.#onDisconnected(wake.error);
        return;
      case "connected":
        this.#connecting = false;
        if (wake.gen !== this.#gen || this.#exitCode !== undefined) {
          wake.conn.close();
          return;
        }
        this.#onConnected(wake.conn, wake.gen);
        return;
      case "connect-failed":
        this.#connecting = false;
        if (wake.gen === this.#gen) this.#onConnectFailed(wake.error);
        return;
      case "timer":
        if (wake.token !== this.#timer?.token) return; // replaced by a later one
        this.#timer = undefined;
        this.#onTimer();
        return;
      case "signal":
        this.#onSignal(wake.signal);
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sources

  #readStdin(): void {
    const buffer = new Uint8Array(4096);
    Deno.stdin.read(buffer).then(
      (n) => this.#post({ kind: "stdin", data: n === null ? null : buffer.slice(0, n) }),
      (error) => this.#post({ kind: "stdin", data: null, error }),
    );
  }

  #readConn(link: Link): void {
    const buffer = new Uint8Array(65536);
    const gen = link.gen;
    link.conn.read(buffer).then(
      (n) => this.#post({ kind: "conn", gen, data: n === null ? null : buffer.slice(0, n) }),
      (error) => this.#post({ kind: "conn", gen, data: null, error }),
    );
  }

  #connect(): void {
    const gen = ++this.#gen;
    this.#connecting = true;
    this.#updatePrompt();
    connectToServer(this.#options, this.#options.connectTimeout ?? 10000).then(
      (conn) => this.#post({ kind: "connected", gen, conn }),
      (error) => this.#post({ kind: "connect-failed", gen, error }),
    );
  }

  #setTimer(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer.id);
    const token = ++this.#timerToken;
    const id = setTimeout(() => this.#post({ kind: "timer", token }), ms);
    this.#timer = { id, token };
  }

  #installSignals(): void {
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT", "SIGBREAK"]
      : ["SIGINT", "SIGTERM", "SIGHUP", "SIGWINCH"];
    for (const signal of signals) {
      const handler = () => {
        if (signal !== "SIGWINCH" && this.#quitting !== undefined) {
          // A second interrupt while leaving: leave now, as Ctrl-C usually does.
          this.#raw.restore();
          Deno.exit(130);
        }
        this.#post({ kind: "signal", signal });
      };
      try {
        Deno.addSignalListener(signal, handler);
        this.#signalHandlers.push([signal, handler]);
      } catch {
        // not supported on this platform
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Keyboard

  #onInput(data: Uint8Array): void {
    if (!this.#term.interactive) {
      for (const item of this.#stdinLines.push(data)) {
        if ("line" in item) this.#onLine(decoder.decode(item.line));
        if (this.#exitCode !== undefined) return;
      }
      return;
    }
    const keys = this.#keys.feed(data);
    let index = 0;
    while (index < keys.length && this.#exitCode === undefined) {
      const prompt = this.#password;
      if (prompt?.reader) {
        const step = prompt.reader.step(keys, index);
        this.#screen.echo(step.output);
        index = step.next;
        if (step.outcome) this.#passwordDone(step.outcome);
      } else {
        const step = this.#editor.step(keys, index);
        this.#screen.echo(step.output);
        index = step.next;
        if (step.event) this.#onEditorEvent(step.event);
      }
    }
  }

  #onEditorEvent(event: EditorEvent): void {
    switch (event.type) {
      case "line":
        // The finished line stays on screen as typed; the prompt comes back after handling it.
        this.#screen.setInput(undefined);
        this.#onLine(event.line);
        if (!this.#password && this.#exitCode === undefined) this.#screen.setInput(this.#editor);
        return;
      case "interrupt":
        this.#screen.echo("^C\r\n");
        this.#screen.setInput(undefined);
        this.#leave(130);
        return;
      case "eof":
        this.#screen.echo("\r\n");
        this.#screen.setInput(undefined);
        this.#onLine("logout");
        return;
    }
  }

  #onInputEnd(error?: unknown): void {
    if (error !== undefined) this.#local(`keyboard input failed: ${describeError(error)}`, true);
    if (this.#password && !this.#term.interactive) {
      this.#passwordDone({ type: "cancel", reason: "eof" });
    }
    // The end of input is a logout typed at that point, after the lines before it.
    this.#onLine("logout");
  }

  /** A line from the keyboard: the editor's, or the next line of piped input. */
  #onLine(line: string): void {
    if (this.#password && !this.#term.interactive) {
      this.#passwordDone({ type: "submit", password: line });
      return;
    }
    this.#typed(line);
  }

  #typed(line: string): void {
    const typed = classifyTyped(line);
    switch (typed.kind) {
      case "empty":
        return;
      case "usage":
        this.#local(typed.message, true);
        return;
      case "login":
      case "register":
        this.#askPassword(typed.kind, typed.user);
        return;
      case "guest":
        this.#submit({ line: typed.line, login: { user: "guest" } });
        return;
      case "logout":
        this.#logout(typed.line);
        return;
      case "send":
        this.#submit({ line: typed.line, newPassword: typed.newPassword });
        return;
    }
  }

  #askPassword(purpose: "login" | "register", user: string): void {
    if (!this.#term.interactive) {
      this.#password = { purpose, user, held: [] }; // the next piped line is the password
      return;
    }
    this.#password = {
      purpose,
      user,
      reader: new PasswordReader({ decoder: this.#keys }),
      held: [],
    };
    // The prompt takes the input line's row (after Enter that row is already a fresh one).
    const shown = this.#screen.input !== undefined;
    this.#screen.setInput(undefined);
    this.#screen.echo(`${shown ? CLEAR_LINE : ""}password for ${user}: `);
  }

  #passwordDone(outcome: PasswordOutcome): void {
    const prompt = this.#password!;
    this.#password = undefined;
    if (prompt.reader) {
      for (const lines of prompt.held) this.#screen.print(lines);
    }
    if (outcome.type === "cancel") {
      this.#local(`${prompt.purpose} cancelled; nothing was sent`);
    } else if (outcome.password === "" || /\s/.test(outcome.password)) {
      this.#local("a password cannot be empty or contain spaces; nothing was sent", true);
    } else {
      const line = `${prompt.purpose} ${prompt.user} ${outcome.password}`;
      this.#submit(
        prompt.purpose === "login"
          ? { line, login: { user: prompt.user, password: outcome.password } }
          : { line },
      );
    }
    if (prompt.reader && this.#exitCode === undefined) this.#screen.setInput(this.#editor);
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  #submit(item: Outgoing): void {
    const link = this.#link;
    if (link?.ready && this.#queue.length === 0) {
      this.#transmit(link, item);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED) {
      this.#local(`not connected, and ${MAX_QUEUED} lines are already waiting; not sent`, true);
      return;
    }
    this.#queue.push(item);
    if (!link && !this.#connecting) {
      this.#local(
        `not connected: kept to send when the connection is back (${this.#queue.length} waiting)`,
      );
    }
  }

  #transmit(link: Link, item: Outgoing): void {
    if (item.login) this.#state.loginSent(item.login);
    if (item.newPassword !== undefined) this.#state.passwordChangeSent(item.newPassword);
    if (item.logout) this.#quitting ??= 0;
    this.#send(link, item.line);
  }

  #send(link: Link, line: string): void {
    const bytes = encoder.encode(line + "\n");
    link.writing = link.writing.then(() => writeAll(link.conn, bytes)).catch(() => {
      // The read side sees the same failure and reports it.
    });
  }

  #flushQueue(link: Link): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const item of queued) this.#transmit(link, item);
    if (this.#quitting !== undefined) this.#setTimer(this.#options.logoutTimeout ?? 3000);
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
      this.#send(link, line);
      this.#setTimer(this.#options.logoutTimeout ?? 3000);
    } else {
      // Connecting, or restoring the session: send it after the lines waiting before it.
      this.#queue.push({ line, logout: true });
    }
  }

  /** Ctrl-C or a signal: log out if we can, without waiting long. */
  #leave(code: number): void {
    this.#quitting = code;
    const link = this.#link;
    if (link && this.#state.loggedIn) {
      this.#send(link, "logout");
      this.#setTimer(1000);
    } else {
      this.#exit(code);
    }
  }

  #onSignal(signal: Deno.Signal): void {
    if (signal === "SIGWINCH") {
      this.#editor.columns = this.#columns();
      if (this.#screen.input) this.#screen.redraw();
      return;
    }
    if (this.#screen.input) {
      this.#screen.echo("\r\n");
      this.#screen.setInput(undefined);
    }
    this.#leave(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
  }

  #onTimer(): void {
    if (this.#quitting !== undefined) {
      this.#exit(this.#quitting); // the server did not close in time: leave anyway
      return;
    }
    if (!this.#link && !this.#connecting) this.#connect();
  }

  #exit(code: number): void {
    this.#exitCode = code;
  }

  #finish(): void {
    if (this.#timer) clearTimeout(this.#timer.id);
    this.#timer = undefined;
    this.#closeLink();
    for (const [signal, handler] of this.#signalHandlers) {
      try {
        Deno.removeSignalListener(signal, handler);
      } catch {
        // already gone
      }
    }
    if (this.#screen.input) {
      this.#screen.echo("\r\n");
      this.#screen.setInput(undefined);
    }
    this.#raw.restore();
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  #onConnected(conn: Deno.Conn, gen: number): void {
    this.#connections++;
    const link: Link = {
      conn,
      gen,
      lines: new LineReader(MAX_SERVER_LINE),
      writing: Promise.resolve(),
      ready: false,
      expect: [],
    };
    this.#link = link;
    this.#readConn(link);
    const { host, port } = this.#options;
    this.#local(`connected to ${host}:${port}${this.#options.tls ? " over TLS" : ""}`);
    this.#send(link, "mode json");
    link.expect.push("mode");
    const login = this.#state.loginCommands();
    for (const line of login) {
      link.expect.push("login");
      this.#send(link, line);
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
        this.#send(link, query);
      }
      if (queries.length > 0) return; // ready once they are answered
    }
    link.ready = true;
    this.#flushQueue(link);
    this.#updatePrompt();
  }

  #onConnectFailed(error: unknown): void {
    const { host, port, tls } = this.#options;
    const tlsFailure = tls && describeTlsFailure(error, host, port, tls);
    if (tlsFailure !== undefined) {
      // Not a network failure: every retry would be refused the same way.
      this.#local(`cannot connect to ${host}:${port} over TLS: ${tlsFailure}; not retrying`, true);
      this.#exit(this.#quitting || EXIT_TLS); // a signal's status wins; a logout does not
      return;
    }
    this.#local(
      `cannot connect to ${host}:${port}: ${describeNetworkError(error, host, port)}`,
      true,
    );
    if (this.#quitting !== undefined) {
      this.#exit(this.#quitting);
      return;
    }
    this.#scheduleReconnect();
  }

  #onDisconnected(error?: unknown): void {
    const link = this.#link;
    this.#closeLink();
    this.#state.disconnected();
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
    const { host, port } = this.#options;
    const why = link?.shutdownText !== undefined
      ? `the server shut down (${link.shutdownText})`
      : error !== undefined
      ? describeNetworkError(error, host, port)
      : "the server closed the connection";
    this.#local(`connection lost: ${why}`, true);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const ms = this.#backoff.next();
    this.#local(
      `reconnecting in ${(ms / 1000).toFixed(0)} s` +
        (this.#term.interactive ? " (keep typing; logout or Ctrl-C gives up)" : ""),
    );
    this.#setTimer(ms);
    this.#updatePrompt();
  }

  #closeLink(): void {
    const link = this.#link;
    if (!link) return;
    this.#link = undefined;
    try {
      link.conn.close();
    } catch {
      // already closed
    }
  }

  // -------------------------------------------------------------------------------------------
  // What the server sends

  #onServerData(data: Uint8Array): void {
    const link = this.#link!;
    for (const item of link.lines.push(data)) {
      if (!("line" in item)) {
        this.#local("ignored an overlong line from the server", true);
        continue;
      }
      const text = decoder.decode(item.line);
      if (text === "") continue;
      this.#onServerLine(link, text);
      if (this.#link !== link || this.#exitCode !== undefined) return;
    }
  }

  #onServerLine(link: Link, text: string): void {
    const event = parseWireEvent(text);
    if (!event) {
      // Text-mode lines come only before `mode json` took effect: the server's greeting.
      this.#show([formatRaw(text)]);
      return;
    }
    // A line shown already (held for a resume and also in history, or replayed on a re-join).
    if (!this.#seen.accept(event, this.#state.credentials?.user)) return;
    const change = this.#state.observe(event);
    // Answers come in the order of the lines sent: the first ones answer the client's own.
    const ours = event.type === "reply" || event.type === "error" ? link.expect.shift() : undefined;
    let recovered = false;
    if (ours !== undefined && event.type === "error") {
      recovered = ours === GAP || this.#rejoinFailed(link, ours, event);
    }
    // The client's own commands' replies are not shown; their errors are, unless recovered from.
    if (ours === undefined || (event.type === "error" && !recovered)) {
      this.#show(formatEvent(event, this.#palette));
    }
    if (event.type === "notice" && event.kind === "shutdown") link.shutdownText = event.text;
    if (ours?.startsWith("login")) {
      this.#replayed(link, event, change?.type === "logged-in" ? change.data : undefined);
    } else if (ours !== undefined && link.expect.length === 0 && !link.ready) {
      if (ours !== GAP) this.#local(this.#backMessage());
      this.#ready(link);
    }
    if (change) this.#updatePrompt();
    if (change?.type === "takeover") this.#onDisconnected();
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
      this.#send(link, next.replace(/^join! /, "join "));
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
      this.#send(link, line);
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
    if (this.#password?.reader) this.#password.held.push(lines);
    else this.#screen.print(lines);
  }

  #local(text: string, error = false): void {
    this.#show([formatLocal(text, { error, palette: this.#palette })]);
  }

  #updatePrompt(): void {
    const where = this.#state.current ?? "";
    const prompt = this.#link ? `${where}> ` : this.#connecting ? "(connecting)> " : "(offline)> ";
    if (prompt === this.#editor.prompt) return;
    this.#editor.prompt = prompt;
    if (this.#screen.input === this.#editor) this.#screen.redraw();
  }

  #columns(): number {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return 80;
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await conn.write(rest));
}
