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
import { WriteScheduler } from "./lib/server/send_queue.ts";
import { Store } from "./lib/server/store.ts";
import { EpollTransport, epollUnavailable } from "./lib/server/transports/epoll.ts";
import { HttpTransport } from "./lib/server/transports/http.ts";
import { TcpTransport } from "./lib/server/transports/tcp.ts";
import { TlsTransport } from "./lib/server/transports/tls.ts";
import { prepareWebClient } from "./lib/server/web_bundle.ts";
import { CertificateError, type TlsFiles } from "./lib/server/transports/tls_listener.ts";
import { hostPort, type Transport, type TransportKind } from "./lib/server/transports/transport.ts";

/** A running server: where it listens and how to stop it. */
export interface RunningServer {
  chat: Chat;
  /** The line protocol's TCP address. */
  addr: Deno.NetAddr;
  /** Every listener, in the order they were opened (tcp, then tls and http when on). */
  transports: Transport[];
  /** The port of the listener of that kind, if there is one. */
  port(kind: TransportKind): number | undefined;
  /**
   * SIGHUP: re-reads the account file and the word filter, then the TLS certificate; rejects,
   * the old certificate kept, if the new one is bad.
   */
  reload(): Promise<void>;
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
 * import { DEFAULT_CONFIG } from "./lib/server/config.ts";
 *
 * const server = await startServer({ ...DEFAULT_CONFIG, port: 0, httpPort: 0 });
 * console.log(server.addr.port, server.port("http"));
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
  const store = Store.open(config.dataDir, {
    maxOfflinePerUser: config.maxOffline,
    log: (msg) => log(msg),
  });
  // The web page's bundle, built when missing or stale (a failure is logged; serving goes on).
  if (config.httpPort !== null) await prepareWebClient(config, log);
  // auto: epoll where it can run; the log says which driver serves and, if not epoll, why.
  const ioNote = config.io === "auto" ? epollUnavailable(config.host) : null;
  const io = config.io === "auto" ? (ioNote === null ? "epoll" : "runtime") : config.io;
  let transports: Transport[];
  try {
    transports = await openTransports(config, io, log);
  } catch (error) {
    store.close();
    throw error;
  }
  // Made once listening succeeded: a chat has timers that only a shutdown stops.
  const chat = new Chat({ config, accounts, store, log });
  // Before anyone can log in: finish renames a crash interrupted; read the word filter.
  await chat.renames.recover();
  try {
    await chat.moderation.reloadFilter(true);
  } catch (error) {
    for (const transport of transports) transport.close();
    await chat.shutdown();
    store.close();
    throw error;
  }
  // Changes by `deno task accounts` are picked up without a signal, within a few seconds.
  const accountsChanged = (changed: boolean) => changed && chat.accountsReloaded(accounts);
  const poll = config.accountsPoll > 0
    ? setInterval(() => {
      accounts.reloadIfChanged().then(accountsChanged).catch((error) =>
        log("account file not re-read", { error: String(error) })
      );
    }, config.accountsPoll * 1000)
    : undefined;
  poll?.unref();
  startHashThreadEarly();
  for (const transport of transports) {
    log(`listening ${transport.kind} ${hostPort(transport.addr)}`, {
      ...(transport.kind === "tcp"
        ? { users: config.usersFile, data: config.dataDir, io, ...(ioNote ? { ioNote } : {}) }
        : {}),
    });
  }
  const finished = Promise.all(transports.map((transport) => transport.serve(chat))).then(() => {});
  let stopping: Promise<void> | undefined;
  const shutdown = (why?: string) =>
    stopping ??= (async () => {
      log("shutting down", { why });
      clearInterval(poll);
      for (const transport of transports) transport.close();
      await chat.shutdown(why);
      await finished;
      await accounts.flush();
      store.close();
      log("stopped");
    })();
  const reload = async () => {
    // Transcripts first: logrotate has moved them and waits for new files.
    await chat.transcripts?.reopen();
    accountsChanged(await accounts.reload());
    await chat.moderation.reloadFilter();
    for (const transport of transports) {
      if (!transport.reload) continue;
      await transport.reload();
      log(`reloaded the certificate of ${transport.kind} ${hostPort(transport.addr)}`);
    }
  };
  const port = (kind: TransportKind) => transports.find((t) => t.kind === kind)?.addr.port;
  return { chat, addr: transports[0]!.addr, transports, port, reload, shutdown, finished };
}

/**
 * Opens every configured listener: the line protocol over TCP (with the configured socket
 * driver), over TLS when a certificate is given, and HTTP (HTTPS with a certificate) unless turned
 * off. If one cannot open, those already open are closed and the error is thrown.
 */
async function openTransports(
  config: ServerConfig,
  io: "runtime" | "epoll",
  log: Logger,
): Promise<Transport[]> {
  const transports: Transport[] = [];
  // The transports on Deno's sockets share one write pacing (its cost is per process).
  const scheduler = new WriteScheduler();
  const tls: TlsFiles | undefined = config.tlsCert !== null && config.tlsKey !== null
    ? { certFile: config.tlsCert, keyFile: config.tlsKey }
    : undefined;
  try {
    transports.push(
      await onHost(
        config,
        log,
        (host) =>
          io === "epoll"
            ? EpollTransport.listen(host, config.port)
            : TcpTransport.listen(scheduler, host, config.port),
      ),
    );
    if (tls) {
      transports.push(
        await onHost(
          config,
          log,
          (host) => TlsTransport.listen(scheduler, host, config.tlsPort, tls),
        ),
      );
    }
    if (config.httpPort !== null) {
      const port = config.httpPort;
      transports.push(
        await onHost(
          config,
          log,
          (host) => HttpTransport.listen(config, scheduler, host, port, tls),
        ),
      );
    }
  } catch (error) {
    for (const transport of transports) transport.close();
    throw error;
  }
  return transports;
}

/**
 * Listens on the configured host. The default host `::` takes IPv6 and IPv4 alike; on a machine
 * without IPv6 it falls back to `0.0.0.0`.
 */
async function onHost(
  config: ServerConfig,
  log: Logger,
  open: (host: string) => Transport | Promise<Transport>,
): Promise<Transport> {
  try {
    return await open(config.host);
  } catch (error) {
    if (
      config.host !== "::" || error instanceof Deno.errors.AddrInUse ||
      error instanceof CertificateError || error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied
    ) throw error;
    log("IPv6 is not available; listening on IPv4 only", { error: String(error) });
    return await open("0.0.0.0");
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
  // SIGHUP re-reads the account file, the filter and the certificate; a bad new certificate is
  // logged and the old one kept.
  Deno.addSignalListener("SIGHUP", () => {
    server.reload().catch((error) => {
      stderrLogger("reload failed; the old certificate stays in use", {
        error: String(error.message),
      });
    });
  });
  await server.finished;
}

if (import.meta.main) await main();
