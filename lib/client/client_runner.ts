/**
 * The terminal client's I/O: a thin loop around {@link ClientMachine} that waits on whichever
 * comes first of the keyboard, the server connection, a connection attempt, a timer and a signal,
 * like `poll()` over file descriptors (no threads, no busy waiting), hands each to the machine as
 * an event, and carries out the effects it returns: writing to the terminal, sending lines,
 * connecting, timers, the history file, exiting.
 *
 * Each source has at most one read in flight; when it completes it posts its result to the loop's
 * inbox and is started again only after the machine handled it, so no read is ever dropped. (A
 * `Promise.race` over the pending reads on every turn would do the same, but adds a reaction to
 * the still-pending keyboard read at each turn: memory that grows with every message received
 * while the user does not type.)
 *
 * @module
 */

import { connectToServer } from "./connect.ts";
import type { TlsOptions } from "./tls.ts";
import { type ClientEvent, ClientMachine, type Effect, type TimerName } from "./client_machine.ts";
import type { BackoffOptions } from "../shared/reconnect.ts";
import {
  detectTerminal,
  paletteFor,
  RawMode,
  type TerminalInfo,
  writeAllSync,
} from "./terminal.ts";

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
  /** Ring the bell on mentions and private messages (default true; `--no-bell`). */
  bell?: boolean;
  /** Keep the sent lines in this file, and read them back at start (`--history-file`). */
  historyFile?: string;
  /** Confirm pastes of this many lines or more. */
  pasteLines?: number;
}

/** One thing the loop waits for, and what it produced. */
type Wake =
  | { kind: "event"; event: ClientEvent; gen?: number }
  | { kind: "conn-open"; gen: number; conn: Deno.Conn };

/**
 * Runs the client until the user logs out or interrupts it; returns the exit status (0 after
 * `logout`, 130 after Ctrl-C, 3 when another login took the session over, 4 when the server's
 * certificate was refused).
 *
 * @example
 * ```ts
 * const code = await runClient({ host: "127.0.0.1", port: 4000 });
 * Deno.exit(code);
 * ```
 */
export async function runClient(options: ClientOptions): Promise<number> {
  const history = options.historyFile ? await readHistory(options.historyFile) : [];
  return await new ClientRunner(options, history).run();
}

async function readHistory(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter((line) => line !== "");
  } catch {
    return []; // not there yet: it is made with the first line sent
  }
}

class ClientRunner {
  readonly #options: ClientOptions;
  readonly #term: TerminalInfo;
  readonly #machine: ClientMachine;
  readonly #raw: RawMode;
  #inbox: Wake[] = [];
  #wakeLoop: (() => void) | undefined;
  #conn: Deno.Conn | undefined;
  #gen = 0;
  #writing: Promise<void> = Promise.resolve();
  #timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  #signalHandlers: [Deno.Signal, () => void][] = [];
  #exitCode: number | undefined;

  constructor(options: ClientOptions, history: string[]) {
    this.#options = options;
    this.#term = options.terminal ?? detectTerminal();
    this.#raw = new RawMode(this.#term.overlay);
    this.#machine = new ClientMachine({
      host: options.host,
      port: options.port,
      tls: options.tls,
      user: options.user,
      backoff: options.backoff,
      logoutTimeout: options.logoutTimeout,
      terminal: this.#term,
      palette: paletteFor(this.#term),
      columns: columns(),
      bell: options.bell,
      pasteLines: options.pasteLines,
      history,
    });
  }

  async run(): Promise<number> {
    try {
      this.#installSignals();
      if (this.#term.interactive) this.#raw.enable();
      this.#dispatch({ type: "start" });
      this.#readStdin();
      while (this.#exitCode === undefined) this.#handle(await this.#nextWake());
      return this.#exitCode;
    } finally {
      this.#finish();
    }
  }

  #post(wake: Wake): void {
    this.#inbox.push(wake);
    this.#wakeLoop?.();
  }

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
      case "event": {
        const { event, gen } = wake;
        // Results of a connection already closed are dropped.
        if (gen !== undefined && gen !== this.#gen) return;
        this.#dispatch(event);
        if (event.type === "input" && this.#exitCode === undefined) this.#readStdin();
        if (event.type === "server-data" && this.#conn && this.#exitCode === undefined) {
          this.#readConn(this.#conn, this.#gen);
        }
        return;
      }
      case "conn-open":
        if (wake.gen !== this.#gen || this.#exitCode !== undefined) {
          wake.conn.close();
          return;
        }
        this.#conn = wake.conn;
        this.#dispatch({ type: "connected" });
        if (this.#conn === wake.conn) this.#readConn(wake.conn, wake.gen);
        return;
    }
  }

  #dispatch(event: ClientEvent): void {
    for (const effect of this.#machine.handle(event)) this.#do(effect);
  }

  #do(effect: Effect): void {
    switch (effect.type) {
      case "output":
        writeAllSync(Deno.stdout, effect.text);
        return;
      case "echo":
        if (this.#term.echo === "stdout") writeAllSync(Deno.stdout, effect.text);
        else if (this.#term.echo === "stderr") writeAllSync(Deno.stderr, effect.text);
        return;
      case "send":
        this.#sendLine(effect.line);
        return;
      case "connect":
        this.#connect();
        return;
      case "disconnect":
        this.#closeConn();
        return;
      case "set-timer": {
        clearTimeout(this.#timers.get(effect.name));
        const name = effect.name;
        this.#timers.set(
          name,
          setTimeout(() => {
            this.#timers.delete(name);
            this.#post({ kind: "event", event: { type: "timer", name } });
          }, effect.ms),
        );
        return;
      }
      case "clear-timer":
        clearTimeout(this.#timers.get(effect.name));
        this.#timers.delete(effect.name);
        return;
      case "save-history":
        if (this.#options.historyFile) {
          Deno.writeTextFile(this.#options.historyFile, effect.line + "\n", {
            append: true,
            mode: 0o600,
          }).catch(() => {
            // A history file that cannot be written must not stop the chat.
          });
        }
        return;
      case "exit":
        this.#exitCode = effect.code;
        return;
    }
  }

  #readStdin(): void {
    const buffer = new Uint8Array(4096);
    Deno.stdin.read(buffer).then(
      (n) =>
        this.#post({
          kind: "event",
          event: n === null ? { type: "input-end" } : { type: "input", data: buffer.slice(0, n) },
        }),
      (error) => this.#post({ kind: "event", event: { type: "input-end", error } }),
    );
  }

  #readConn(conn: Deno.Conn, gen: number): void {
    const buffer = new Uint8Array(65536);
    conn.read(buffer).then(
      (n) =>
        this.#post({
          kind: "event",
          gen,
          event: n === null
            ? { type: "disconnected" }
            : { type: "server-data", data: buffer.slice(0, n) },
        }),
      (error) => this.#post({ kind: "event", gen, event: { type: "disconnected", error } }),
    );
  }

  #connect(): void {
    const gen = ++this.#gen;
    connectToServer(this.#options, this.#options.connectTimeout ?? 10000).then(
      (conn) => this.#post({ kind: "conn-open", gen, conn }),
      (error) => this.#post({ kind: "event", gen, event: { type: "connect-failed", error } }),
    );
  }

  #sendLine(line: string): void {
    const conn = this.#conn;
    if (!conn) return;
    const bytes = new TextEncoder().encode(line + "\n");
    this.#writing = this.#writing.then(() => writeAll(conn, bytes)).catch(() => {
      // The read side sees the same failure and reports it.
    });
  }

  #closeConn(): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#gen++; // whatever the old connection still reports is dropped
    this.#writing = Promise.resolve();
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }

  #installSignals(): void {
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT", "SIGBREAK"]
      : ["SIGINT", "SIGTERM", "SIGHUP", "SIGWINCH"];
    for (const signal of signals) {
      const handler = () => {
        if (signal === "SIGWINCH") {
          this.#post({ kind: "event", event: { type: "resize", columns: columns() } });
          return;
        }
        if (this.#machine.leaving) {
          // A second interrupt while leaving: leave now, as Ctrl-C usually does.
          this.#raw.restore();
          Deno.exit(130);
        }
        const name = signal === "SIGTERM" || signal === "SIGHUP" ? signal : "SIGINT";
        this.#post({ kind: "event", event: { type: "signal", signal: name } });
      };
      try {
        Deno.addSignalListener(signal, handler);
        this.#signalHandlers.push([signal, handler]);
      } catch {
        // not supported on this platform
      }
    }
  }

  #finish(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#closeConn();
    for (const [signal, handler] of this.#signalHandlers) {
      try {
        Deno.removeSignalListener(signal, handler);
      } catch {
        // already gone
      }
    }
    for (const effect of this.#machine.finish()) this.#do(effect);
    this.#raw.restore();
  }
}

function columns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await conn.write(rest));
}
