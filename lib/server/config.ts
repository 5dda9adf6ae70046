/**
 * The server's settings: every limit is a named, documented setting with a default, set from the
 * command line (`deno task server --help` lists them).
 *
 * @module
 */

import { isIP } from "node:net";
import { parseArgs } from "node:util";

/** Every setting of the server. */
export interface ServerConfig {
  host: string;
  port: number;
  usersFile: string;
  dataDir: string;
  pbkdf2Iterations: number;
  /** Longest accepted line, in bytes. */
  maxLine: number;
  /** Chat lines per second per connection (0: no flood control). */
  rate: number;
  /** Lines a connection may send at once before flood control slows it down. */
  burst: number;
  /** Bytes of lines one connection may have waiting for flood control before reading stops. */
  maxWaiting: number;
  maxConnections: number;
  maxPerAddress: number;
  /** Connections that have not logged in yet, at most. */
  maxUnauthenticated: number;
  /** Seconds a connection may stay without logging in (0: forever). */
  idleTimeout: number;
  /** Bytes a connection's outbound queue may hold before it is cut off. */
  sendq: number;
  /** Seconds a lost session is held for a reconnect. */
  grace: number;
  /** Failed logins that lock a user out, and for how long. */
  lockoutFailures: number;
  lockoutSeconds: number;
  /** Seconds a failed login waits before its answer (costs a guesser time, not the server). */
  loginFailDelay: number;
  /** Failed logins per minute one address may make. */
  failedLoginsPerAddress: number;
  /** Registrations per hour one address may make. */
  registrationsPerAddress: number;
  /** Password checks that may wait for the hashing thread, in all and from one address. */
  loginQueue: number;
  loginQueuePerAddress: number;
  /** Rooms above this many members get periodic enter/leave summaries instead of notices. */
  bigRoom: number;
  summarySeconds: number;
  /** Offline messages kept for one user, at most. */
  maxOffline: number;
  /** Rooms one user may be in at once, and rooms the server holds at once. */
  maxRoomsPerUser: number;
  maxRooms: number;
  /** Seconds a graceful shutdown waits for outbound queues to drain. */
  shutdownDrainSeconds: number;
  /** No per-connection and per-login log lines (benchmarks). */
  quiet: boolean;
  /** How sockets are driven: Deno's own (`runtime`) or epoll through FFI (`epoll`, Linux). */
  io: IoMode;
  /** PEM certificate chain and key: both set turns TLS on (the TLS listener, HTTPS). */
  tlsCert: string | null;
  tlsKey: string | null;
  /** The line protocol over TLS (with a certificate only). */
  tlsPort: number;
  /** Web page and WebSocket (`/ws`); null: no HTTP listener. */
  httpPort: number | null;
  /** The folder the web page's files are served from. */
  webRoot: string;
  /** Seconds a TLS handshake, or an HTTP request's head, may take. */
  handshakeTimeout: number;
  /** Seconds between WebSocket pings; a client that has not answered the last one by then is cut. */
  wsPing: number;
  /** Origins (besides this server's own pages) whose pages may open `/ws`; `*` for any. */
  wsOrigins: string[];
  /** Reverse proxies whose `X-Forwarded-For` is believed (IP addresses). */
  trustedProxies: string[];
  /** Days a name given up by `rename` stays reserved for the account that had it. */
  renameHoldDays: number;
  /** The word filter's file (null: none), and what it does to a matching line. */
  filter: string | null;
  filterMode: "refuse" | "mask";
  /** Members of one private group, and groups one user may own, at most. */
  maxGroupMembers: number;
  maxGroupsPerUser: number;
  /** Seconds between looks at the account file for changes by others (0: only on SIGHUP). */
  accountsPoll: number;
  /** Whether lines are kept (`--history on|off`). */
  history: boolean;
  /** Days a kept line is kept; lines kept per room or conversation at most (0: no limit). */
  historyDays: number;
  historyMax: number;
  /** Lines of a room shown to whoever joins it (0: none). */
  joinReplay: number;
  /** Whether transcripts are written, where (null: `logs/` in the data folder), and kept how. */
  transcripts: boolean;
  logsDir: string | null;
  logMaxBytes: number;
  logKeepDays: number;
  logArchiveDays: number;
}

/**
 * The socket drivers the server has (docs/performance.md compares them), and `auto`: epoll where
 * it can run (Linux, FFI granted for the C library, `--host` an IP address), Deno's otherwise.
 */
export const IO_MODES = ["auto", "runtime", "epoll"] as const;
/** One of {@link IO_MODES}. */
export type IoMode = typeof IO_MODES[number];

/** The embedded defaults: `deno task server` needs no configuration. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  host: "::",
  port: 4000,
  usersFile: "users.txt",
  dataDir: "data",
  pbkdf2Iterations: 600_000,
  maxLine: 4096,
  rate: 5,
  burst: 10,
  maxWaiting: 256 * 1024,
  maxConnections: 1000,
  maxPerAddress: 20,
  maxUnauthenticated: 200,
  idleTimeout: 60,
  sendq: 1 << 20,
  grace: 30,
  lockoutFailures: 3,
  lockoutSeconds: 60,
  loginFailDelay: 1,
  failedLoginsPerAddress: 10,
  registrationsPerAddress: 10,
  loginQueue: 1000,
  loginQueuePerAddress: 20,
  bigRoom: 50,
  summarySeconds: 5,
  maxOffline: 100,
  maxRoomsPerUser: 20,
  maxRooms: 1000,
  shutdownDrainSeconds: 2,
  quiet: false,
  io: "auto",
  tlsCert: null,
  tlsKey: null,
  tlsPort: 4443,
  httpPort: 8080,
  webRoot: "web/public",
  handshakeTimeout: 10,
  wsPing: 30,
  wsOrigins: [],
  trustedProxies: [],
  renameHoldDays: 30,
  filter: null,
  filterMode: "refuse",
  maxGroupMembers: 50,
  maxGroupsPerUser: 20,
  accountsPoll: 3,
  history: true,
  historyDays: 30,
  historyMax: 100_000,
  joinReplay: 20,
  transcripts: true,
  logsDir: null,
  logMaxBytes: 10 << 20,
  logKeepDays: 7,
  logArchiveDays: 90,
};

/** One command-line flag: its setting, its meaning and the smallest value it takes. */
interface NumberFlag {
  key: keyof ServerConfig;
  help: string;
  min: number;
}

const NUMBER_FLAGS: Record<string, NumberFlag> = {
  "port": { key: "port", help: "TCP port of the line protocol (0 picks a free one)", min: 0 },
  "tls-port": { key: "tlsPort", help: "TLS port of the line protocol (with --tls-cert)", min: 0 },
  "handshake-timeout": {
    key: "handshakeTimeout",
    help: "seconds a TLS handshake or an HTTP request head may take",
    min: 1,
  },
  "ws-ping": { key: "wsPing", help: "seconds between WebSocket keepalive pings", min: 1 },
  "rename-hold-days": {
    key: "renameHoldDays",
    help: "days a name given up by rename stays reserved",
    min: 0,
  },
  "max-group-members": { key: "maxGroupMembers", help: "members of one private group", min: 2 },
  "max-groups-per-user": { key: "maxGroupsPerUser", help: "groups one user may own", min: 0 },
  "accounts-poll": {
    key: "accountsPoll",
    help: "seconds between checks of the account file for outside changes (0: SIGHUP only)",
    min: 0,
  },
  "history-days": { key: "historyDays", help: "days a kept line is kept (0: forever)", min: 0 },
  "history-max": {
    key: "historyMax",
    help: "lines kept per room or conversation (0: no limit)",
    min: 0,
  },
  "join-replay": { key: "joinReplay", help: "lines of a room shown on joining it", min: 0 },
  "log-max-bytes": {
    key: "logMaxBytes",
    help: "bytes of a room's day file before it goes on in a numbered one",
    min: 1024,
  },
  "log-keep-days": { key: "logKeepDays", help: "days before a transcript is gzipped", min: 0 },
  "log-archive-days": {
    key: "logArchiveDays",
    help: "days before a gzipped transcript is removed",
    min: 0,
  },
  "pbkdf2-iterations": {
    key: "pbkdf2Iterations",
    help: "PBKDF2 iterations for hashes made from now on",
    min: 1,
  },
  "max-line": { key: "maxLine", help: "longest line accepted, bytes", min: 64 },
  "rate": { key: "rate", help: "chat lines per second per connection (0: unlimited)", min: 0 },
  "burst": { key: "burst", help: "lines a connection may send at once", min: 1 },
  "max-waiting": {
    key: "maxWaiting",
    help: "bytes of lines read ahead while flood control holds them (64 more per line)",
    min: 0,
  },
  "max-connections": { key: "maxConnections", help: "connections at once", min: 1 },
  "max-per-address": { key: "maxPerAddress", help: "connections from one address", min: 1 },
  "max-unauthenticated": {
    key: "maxUnauthenticated",
    help: "connections not logged in yet",
    min: 1,
  },
  "idle-timeout": {
    key: "idleTimeout",
    help: "seconds to log in before being disconnected (0: never)",
    min: 0,
  },
  "sendq": { key: "sendq", help: "outbound queue bound per connection, bytes", min: 1024 },
  "grace": { key: "grace", help: "seconds a lost session is held for a reconnect", min: 0 },
  "lockout-failures": { key: "lockoutFailures", help: "failed logins before lockout", min: 1 },
  "lockout-seconds": { key: "lockoutSeconds", help: "lockout length, seconds", min: 0 },
  "login-fail-delay": {
    key: "loginFailDelay",
    help: "seconds before a failed login is answered",
    min: 0,
  },
  "failed-logins-per-address": {
    key: "failedLoginsPerAddress",
    help: "failed logins per minute from one address",
    min: 1,
  },
  "login-queue": {
    key: "loginQueue",
    help: "password checks waiting for the hashing thread, in all",
    min: 1,
  },
  "login-queue-per-address": {
    key: "loginQueuePerAddress",
    help: "password checks waiting from one address (addresses take turns)",
    min: 1,
  },
  "registrations-per-address": {
    key: "registrationsPerAddress",
    help: "registrations per hour from one address",
    min: 1,
  },
  "big-room": {
    key: "bigRoom",
    help: "members above which enter/leave notices become summaries",
    min: 1,
  },
  "summary-seconds": { key: "summarySeconds", help: "seconds between summaries", min: 1 },
  "max-offline": { key: "maxOffline", help: "offline messages kept per user", min: 0 },
  "max-rooms-per-user": { key: "maxRoomsPerUser", help: "rooms one user may be in", min: 1 },
  "max-rooms": { key: "maxRooms", help: "rooms on the server", min: 1 },
  "shutdown-drain": {
    key: "shutdownDrainSeconds",
    help: "seconds shutdown waits for queues to drain",
    min: 0,
  },
};

/** The result of reading the command line: settings, a help request, or a clear error. */
export type ConfigResult =
  | { ok: true; config: ServerConfig }
  | { ok: false; help: true; text: string }
  | { ok: false; help?: false; error: string };

/** The `--help` text, listing every setting with its default. */
export function usage(): string {
  const options: [string, string][] = [
    ["--host HOST", `address to listen on (default ${DEFAULT_CONFIG.host}: IPv6 and IPv4)`],
    ["--users FILE", `account file (default ${DEFAULT_CONFIG.usersFile})`],
    ["--data DIR", `data directory (default ${DEFAULT_CONFIG.dataDir})`],
    ["--quiet", "no per-connection log lines"],
    [
      "--io auto|epoll|runtime",
      "plain TCP by epoll via FFI (Linux, --allow-ffi for libc) or by Deno's sockets; " +
      "auto (default): epoll where it can run",
    ],
    ["--tls-cert FILE", "PEM certificate chain: turns on TLS (with --tls-key); re-read on SIGHUP"],
    ["--tls-key FILE", "PEM private key of --tls-cert"],
    [
      "--http-port N|off",
      `web page and WebSocket at /ws (default ${DEFAULT_CONFIG.httpPort}; HTTPS with --tls-cert)`,
    ],
    ["--web-root DIR", `the web page's files (default ${DEFAULT_CONFIG.webRoot})`],
    ["--history on|off", "keep every line for history and search (default on)"],
    ["--transcripts on|off", "write room and user transcripts (default on)"],
    ["--logs DIR", "where transcripts go (default: logs/ in the data folder)"],
    ["--filter FILE", "words or /patterns/ refused or masked in every line; re-read on SIGHUP"],
    ["--filter-mode refuse|mask", "what the filter does to a matching line (default refuse)"],
    ["--ws-origins LIST", "comma-separated origins whose pages may open /ws as well (* for any)"],
    ["--trusted-proxy LIST", "comma-separated proxy addresses whose X-Forwarded-For is believed"],
    ...Object.entries(NUMBER_FLAGS).map(([name, flag]): [string, string] => [
      `--${name} N`,
      `${flag.help} (default ${DEFAULT_CONFIG[flag.key]})`,
    ]),
    ["--help", "this text"],
  ];
  // Wide enough for the longest option, so no description runs into its option.
  const width = Math.max(...options.map(([option]) => option.length)) + 2;
  const flagOf = (option: string) => option.split(" ")[0]!.slice(2);
  const lines = ["Usage: deno task server [options]"];
  const listed = new Set<string>();
  for (const [title, flags] of HELP_SECTIONS) {
    lines.push("", ...(title ? [`${title}:`] : []));
    for (const flag of flags) {
      const entry = options.find(([option]) => flagOf(option) === flag);
      if (entry === undefined) continue;
      listed.add(flag);
      lines.push(`  ${entry[0].padEnd(width)}${entry[1]}`);
    }
  }
  // A setting no section names still shows (and a test keeps the sections complete).
  const rest = options.filter(([option]) => !listed.has(flagOf(option)));
  if (rest.length) {
    lines.push("", "Other:", ...rest.map(([option, text]) => `  ${option.padEnd(width)}${text}`));
  }
  return lines.join("\n");
}

/** The sections of `--help`, in order, each naming its settings in order. */
const HELP_SECTIONS: [string, string[]][] = [
  ["Listening", ["host", "port", "tls-port", "http-port", "tls-cert", "tls-key", "io", "quiet"]],
  ["The web page and WebSocket", ["web-root", "ws-origins", "trusted-proxy", "ws-ping"]],
  ["Accounts and data", ["users", "data", "pbkdf2-iterations", "accounts-poll"]],
  ["History and transcripts", [
    "history",
    "history-days",
    "history-max",
    "join-replay",
    "transcripts",
    "logs",
    "log-max-bytes",
    "log-keep-days",
    "log-archive-days",
  ]],
  ["Connections", [
    "max-connections",
    "max-per-address",
    "max-unauthenticated",
    "idle-timeout",
    "handshake-timeout",
    "grace",
    "sendq",
    "shutdown-drain",
  ]],
  ["Flood control and input", ["rate", "burst", "max-waiting", "max-line"]],
  ["Logins", [
    "lockout-failures",
    "lockout-seconds",
    "login-fail-delay",
    "failed-logins-per-address",
    "login-queue",
    "login-queue-per-address",
    "registrations-per-address",
    "rename-hold-days",
  ]],
  ["Rooms, groups and mail", [
    "max-rooms",
    "max-rooms-per-user",
    "big-room",
    "summary-seconds",
    "max-group-members",
    "max-groups-per-user",
    "max-offline",
  ]],
  ["Moderation", ["filter", "filter-mode"]],
  ["", ["help"]],
];

const ON_OFF = ["on", "off"] as const;

/** A flag's value when it is one of `choices`, undefined when not given, else the error. */
function oneOf<T extends string>(
  values: Record<string, string | boolean | undefined>,
  name: string,
  choices: readonly T[],
): T | undefined | { ok: false; error: string } {
  const raw = values[name];
  if (typeof raw !== "string") return undefined;
  return choices.find((choice) => choice === raw) ??
    {
      ok: false,
      error: `--${name} takes ${choices.slice(0, -1).join(", ")} or ${
        choices.at(-1)
      }, not "${raw}"`,
    };
}

/**
 * Reads the server's command line.
 *
 * @example
 * ```ts
 * const result = parseServerArgs(["--port", "0", "--rate", "0"]);
 * if (result.ok) console.log(result.config.port); // 0
 * ```
 */
export function parseServerArgs(args: string[]): ConfigResult {
  const options: Record<string, { type: "string" | "boolean" }> = {
    host: { type: "string" },
    users: { type: "string" },
    data: { type: "string" },
    quiet: { type: "boolean" },
    io: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "http-port": { type: "string" },
    "web-root": { type: "string" },
    history: { type: "string" },
    transcripts: { type: "string" },
    logs: { type: "string" },
    "ws-origins": { type: "string" },
    "trusted-proxy": { type: "string" },
    filter: { type: "string" },
    "filter-mode": { type: "string" },
    help: { type: "boolean" },
  };
  for (const name of Object.keys(NUMBER_FLAGS)) options[name] = { type: "string" };
  // `--rate -1` would otherwise be read as a flag named "-1", with Node's parser's own words.
  for (let i = 0; i < args.length - 1; i++) {
    const name = args[i]!.slice(2);
    const flag = args[i]!.startsWith("--") ? NUMBER_FLAGS[name] : undefined;
    if (flag && /^-\d/.test(args[i + 1]!)) {
      return { ok: false, error: `--${name} takes a number ≥ ${flag.min}, not "${args[i + 1]}"` };
    }
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    return { ok: false, error: `${(error as Error).message} (see --help)` };
  }
  if (values.help) return { ok: false, help: true, text: usage() };
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  if (typeof values.host === "string") config.host = values.host;
  if (typeof values.users === "string") config.usersFile = values.users;
  if (typeof values.data === "string") config.dataDir = values.data;
  config.quiet = values.quiet === true;
  const io = oneOf(values, "io", IO_MODES);
  if (typeof io === "object") return io;
  if (io) config.io = io;
  for (const [name, flag] of Object.entries(NUMBER_FLAGS)) {
    const raw = values[name];
    if (typeof raw !== "string") continue;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value) || value < flag.min) {
      return { ok: false, error: `--${name} takes a number ≥ ${flag.min}, not "${raw}"` };
    }
    (config as unknown as Record<string, number>)[flag.key] = value;
  }
  if (typeof values["tls-cert"] === "string") config.tlsCert = values["tls-cert"];
  if (typeof values["tls-key"] === "string") config.tlsKey = values["tls-key"];
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    return { ok: false, error: "--tls-cert and --tls-key go together" };
  }
  const http = values["http-port"];
  if (typeof http === "string") {
    if (http === "off") config.httpPort = null;
    else if (/^\d+$/.test(http)) config.httpPort = Number(http);
    else return { ok: false, error: `--http-port takes a port number or off, not "${http}"` };
  }
  if (typeof values["web-root"] === "string") config.webRoot = values["web-root"];
  const history = oneOf(values, "history", ON_OFF);
  if (typeof history === "object") return history;
  if (history) config.history = history === "on";
  const transcripts = oneOf(values, "transcripts", ON_OFF);
  if (typeof transcripts === "object") return transcripts;
  if (transcripts) config.transcripts = transcripts === "on";
  if (typeof values.logs === "string") config.logsDir = values.logs;
  if (typeof values.filter === "string") config.filter = values.filter;
  const filterMode = oneOf(values, "filter-mode", ["refuse", "mask"] as const);
  if (typeof filterMode === "object") return filterMode;
  if (filterMode) config.filterMode = filterMode;
  const list = (value: unknown) =>
    typeof value === "string" ? value.split(",").map((item) => item.trim()).filter(Boolean) : [];
  config.wsOrigins = list(values["ws-origins"]);
  config.trustedProxies = list(values["trusted-proxy"]);
  for (const proxy of config.trustedProxies) {
    if (isIP(proxy) === 0) {
      return { ok: false, error: `--trusted-proxy takes IP addresses, not "${proxy}"` };
    }
  }
  for (const origin of config.wsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      return {
        ok: false,
        error: `--ws-origins takes origins like https://chat.example (or *), not "${origin}"`,
      };
    }
  }
  for (
    const [flag, port] of [["port", config.port], ["tls-port", config.tlsPort], [
      "http-port",
      config.httpPort ?? 0,
    ]] as const
  ) {
    if (port > 65535) return { ok: false, error: `--${flag} must be at most 65535` };
  }
  return { ok: true, config };
}
