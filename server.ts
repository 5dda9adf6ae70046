/**
 * parley's server: `deno task server [options]` (`--help` lists them).
 *
 * Starts on the embedded defaults with no configuration: accounts in `users.txt`, everything else
 * in `data/`. Ctrl-C (SIGINT) or SIGTERM tells every user, drains and closes every connection and
 * the store, and exits 0; a second Ctrl-C ends the process at once.
 *
 * @module
 */

import { Accounts } from "./lib/server/accounts.ts";
import { Chat } from "./lib/server/chat.ts";
import { parseServerArgs, type ServerConfig } from "./lib/server/config.ts";
import { type Logger, stderrLogger } from "./lib/server/log.ts";
import { startHashThreadEarly } from "./lib/server/password_hash.ts";
import { Store } from "./lib/server/store.ts";
import { EpollListener, serveEpoll } from "./lib/server/transports/epoll.ts";
import { serveTcp } from "./lib/server/transports/tcp.ts";

/** A running server: its address and how to stop it. */
export interface RunningServer {
  chat: Chat;
  addr: Deno.NetAddr;
  /** Tells everyone, drains, closes every connection and the store. */
  shutdown(why?: string): Promise<void>;
  /** Resolves when the server has stopped serving. */
  finished: Promise<void>;
}

/**
 * Starts a server (used by `main` and by tests that run it in-process).
 *
 * @example
 * ```ts
 * const server = await startServer({ ...DEFAULT_CONFIG, port: 0 });
 * console.log(server.addr.port);
 * await server.shutdown();
 * ```
 */
export async function startServer(
  config: ServerConfig,
  log: Logger = stderrLogger,
): Promise<RunningServer> {
  const accounts = await Accounts.load(config.usersFile, {
    iterations: config.pbkdf2Iterations,
    log: (msg) => log(msg),
  });
  await Deno.mkdir(config.dataDir, { recursive: true });
  const store = Store.open(config.dataDir, {
    maxOfflinePerUser: config.maxOffline,
    log: (msg) => log(msg),
  });
  let listener: Listener;
  try {
    listener = listen(config, log);
  } catch (error) {
    store.close();
    throw error;
  }
  // Made once listening succeeded: a chat has timers that only a shutdown stops.
  const chat = new Chat({ config, accounts, store, log });
  startHashThreadEarly();
  const addr = listener.addr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  log(`listening on ${host}:${addr.port}`, {
    users: config.usersFile,
    data: config.dataDir,
    io: config.io,
  });
  const finished = listener instanceof EpollListener
    ? serveEpoll(chat, listener)
    : serveTcp(chat, listener);
  let stopping: Promise<void> | undefined;
  const shutdown = (why?: string) =>
    stopping ??= (async () => {
      log("shutting down", { why });
      try {
        listener.close();
      } catch {
        // already closed
      }
      await chat.shutdown(why);
      await finished;
      await accounts.flush();
      store.close();
      log("stopped");
    })();
  return { chat, addr, shutdown, finished };
}

type Listener = Deno.TcpListener | EpollListener;

/**
 * Listens on the configured host and port, with the configured socket driver. The default host
 * `::` takes IPv6 and IPv4 alike; on a machine without IPv6 it falls back to `0.0.0.0`.
 */
function listen(config: ServerConfig, log: Logger): Listener {
  const open = (hostname: string): Listener =>
    config.io === "epoll"
      ? EpollListener.open(hostname, config.port)
      : Deno.listen({ hostname, port: config.port });
  try {
    return open(config.host);
  } catch (error) {
    if (config.host !== "::" || error instanceof Deno.errors.AddrInUse) throw error;
    log("IPv6 is not available; listening on IPv4 only", { error: String(error) });
    return open("0.0.0.0");
  }
}

/** A second SIGINT within this many ms is the same keypress delivered twice (terminal + task runner). */
const DUPLICATE_SIGNAL_MS = 300;

async function main(): Promise<void> {
  const parsed = parseServerArgs(Deno.args);
  if (!parsed.ok) {
    if (parsed.help) {
      console.log(parsed.text);
      return;
    }
    console.error(`parley: ${parsed.error}`);
    Deno.exit(2);
  }
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    stderrLogger("error", {
      where: "unhandled rejection",
      error: String(event.reason?.stack ?? event.reason),
    });
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    stderrLogger("error", { where: "uncaught", error: String(event.error?.stack ?? event.error) });
  });
  let server: RunningServer;
  try {
    server = await startServer(parsed.config);
  } catch (error) {
    console.error(`parley: cannot start: ${(error as Error).message}`);
    Deno.exit(1);
  }
  let firstSignal = 0;
  const onSignal = (signal: Deno.Signal) => {
    const now = performance.now();
    if (firstSignal === 0) {
      firstSignal = now;
      stderrLogger(`${signal}: shutting down (press Ctrl-C again to stop at once)`);
      void server.shutdown("the server is shutting down").then(() => Deno.exit(0));
    } else if (now - firstSignal > DUPLICATE_SIGNAL_MS) {
      stderrLogger(`${signal} again: stopping at once`);
      Deno.exit(130);
    }
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => onSignal(signal));
  }
  await server.finished;
}

if (import.meta.main) await main();
