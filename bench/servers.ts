/**
 * Starting and stopping the servers the benchmark measures: parley itself, the C/C++ IRC servers
 * ngircd and inspircd from Debian's packages, each with a configuration generated into a temporary
 * directory at run time (loopback only, a free port, flood control, connection throttling and
 * per-address limits off), and a WebSocket broadcast relay on Node.js with the npm package `ws`
 * (`bench/ws_relay.mjs`), all pinned to one CPU with `taskset`.
 *
 * @module
 */

import type { Protocol } from "./drivers.ts";

/**
 * The servers the benchmark knows: parley with each of its socket drivers, parley reached over
 * WebSocket, and the peers.
 */
export const SERVER_NAMES = [
  "parley",
  "parley-epoll",
  "ngircd",
  "inspircd",
  "parley-ws",
  "ws",
  "parley-nohistory",
] as const;
/** One of {@link SERVER_NAMES}. */
export type ServerName = typeof SERVER_NAMES[number];

/**
 * How each way of running parley is started and reached: its socket driver (`--io`) and the
 * listener the clients use (`tcp`: the line protocol; `http`: WebSocket at /ws, on Deno's
 * sockets whatever `--io` says).
 */
const PARLEYS: Partial<
  Record<ServerName, { io: string; listener: "tcp" | "http"; args?: string[] }>
> = {
  parley: { io: "runtime", listener: "tcp" },
  "parley-epoll": { io: "epoll", listener: "tcp" },
  "parley-ws": { io: "runtime", listener: "http" },
  // What keeping every line costs: the same server with history and transcripts off.
  "parley-nohistory": {
    io: "runtime",
    listener: "tcp",
    args: ["--history", "off", "--transcripts", "off"],
  },
};

/** Whether a server is parley (with any socket driver, over any listener) rather than a peer. */
export function isParley(name: string): name is ServerName {
  return Object.hasOwn(PARLEYS, name);
}

/** A running server under test. */
export interface RunningServer {
  name: ServerName;
  protocol: Protocol;
  pid: number;
  port: number;
  /** Resident set size from /proc/PID/status (VmRSS), KiB; 0 once the process is gone. */
  rssKiB(): number;
  /** CPU time used so far (user + system), seconds. */
  cpuSeconds(): number;
  /** The last lines the server wrote to stdout/stderr, for error reports. */
  logTail(): string[];
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temporary directory. */
  stop(): Promise<void>;
}

/** How to start a server. */
export interface StartOptions {
  /** CPU list for `taskset -c`, or "" not to pin. */
  cpu: string;
  /** Accounts parley must know (IRC servers need none); hashed with 1 iteration unless given. */
  accounts: Array<{ name: string; password: string; iterations?: number }>;
  /** Project root (where server.ts is). */
  root: string;
  /** Extra arguments for parley's server.ts. */
  parleyArgs?: string[];
  /** Extra flags for `deno run` when starting parley (e.g. `--cpu-prof`). */
  parleyDenoFlags?: string[];
  /** Append everything the server writes to this file (for diagnosis). */
  logFile?: string;
}

const encoder = new TextEncoder();

/** Reads VmRSS of a process in KiB (0 when unavailable). */
export function readRssKiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

let clockTicks = 100;

/** Reads utime + stime of a process in seconds (0 when unavailable). */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

/** Sets the kernel's clock tick rate used by {@link readCpuSeconds} (from `getconf CLK_TCK`). */
export async function detectClockTicks(): Promise<void> {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).output();
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    if (value > 0) clockTicks = value;
  } catch {
    // keep the usual 100
  }
}

/**
 * CPU time (s) used so far by every process except the given ones and kernel threads: a step
 * during which this grows was measured on a busy machine.
 */
export function otherCpuSeconds(exclude: ReadonlySet<number>): number {
  let total = 0;
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      const pid = Number(entry.name);
      if (!Number.isInteger(pid) || pid <= 2 || exclude.has(pid)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[1] === "2") continue; // a kernel thread (child of kthreadd)
        total += (Number(fields[11]) + Number(fields[12])) / clockTicks;
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return total;
}

/**
 * The accept backlog of the socket listening on a loopback port (from `ss`), if it can be read.
 * The benchmark connects no more clients at once than this, so that no server loses SYNs to a
 * short backlog (ngircd listens with a backlog of 10) and the clients' retransmit timers do not
 * end up in the connect time.
 */
export async function listenBacklog(port: number): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("ss", {
      args: ["-Hlnt", `sport = :${port}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim().split("\n")[0] ?? "";
    const backlog = Number(line.split(/\s+/)[2]);
    return backlog > 0 ? backlog : undefined;
  } catch {
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; the servers bind it right after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Finds an executable in PATH or the sbin directories (Debian puts daemons in /usr/sbin). */
export function findExecutable(name: string): string | undefined {
  const dirs = [
    ...(Deno.env.get("PATH") ?? "").split(":"),
    "/usr/sbin",
    "/usr/local/sbin",
    "/sbin",
    "/usr/bin",
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      const path = `${dir}/${name}`;
      const info = Deno.statSync(path);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

let haveTaskset: boolean | undefined;

/**
 * Wraps a command so that it runs with the soft file-descriptor limit raised to the hard limit
 * and, when `cpu` is given and taskset exists, pinned to those CPUs. `exec` keeps the PID, so the
 * child's PID is the server's.
 */
export function wrapCommand(cpu: string, command: string[]): string[] {
  haveTaskset ??= findExecutable("taskset") !== undefined;
  const pin = cpu && haveTaskset ? ["taskset", "-c", cpu] : [];
  return [
    "sh",
    "-c",
    'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
    "sh",
    ...pin,
    ...command,
  ];
}

/** Keeps the last lines of a stream (and keeps the pipe drained). */
function tail(stream: ReadableStream<Uint8Array>, lines: string[], onLine?: (l: string) => void) {
  const decoder = new TextDecoder();
  let partial = "";
  return (async () => {
    try {
      for await (const chunk of stream) {
        partial += decoder.decode(chunk, { stream: true });
        const parts = partial.split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) {
          onLine?.(line);
          lines.push(line);
          if (lines.length > 60) lines.shift();
        }
      }
    } catch {
      // stream closed
    }
  })();
}

/** Resolves after `ms` milliseconds (the benchmark's pauses between phases). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for a promise at most `ms`; resolves to `fallback` on time-out. The timer is cleared
 * either way, so nothing is left pending.
 *
 * @example
 * ```ts
 * const exited = await within(child.status.then(() => true), 3000, false);
 * ```
 */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<F>((resolve) => timer = setTimeout(() => resolve(fallback), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until a TCP connect to the port succeeds (bounded). */
async function waitForPort(port: number, deadlineMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (!alive()) throw new Error("server exited during start-up");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`server not listening on port ${port} after ${deadlineMs} ms`);
}

interface Spawned {
  child: Deno.ChildProcess;
  lines: string[];
  exited: boolean;
  done: Promise<unknown>;
}

function spawn(
  command: string[],
  cwd: string,
  logFile: string | undefined,
  onLine?: (l: string) => void,
): Spawned {
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const spawned: Spawned = { child, lines, exited: false, done: Promise.resolve() };
  const log = logFile ? Deno.openSync(logFile, { append: true, create: true }) : undefined;
  const each = (line: string) => {
    onLine?.(line);
    log?.writeSync(encoder.encode(line + "\n"));
  };
  const outs = [tail(child.stdout, lines, each), tail(child.stderr, lines, each)];
  spawned.done = Promise.all([child.status.then(() => spawned.exited = true), ...outs]).then(
    () => log?.close(),
  );
  return spawned;
}

async function stopSpawned(spawned: Spawned): Promise<void> {
  if (!spawned.exited) {
    try {
      spawned.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const exited = await within(spawned.done.then(() => true), 3000, false);
    if (!exited) {
      try {
        spawned.child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  await spawned.done;
}

function handle(
  name: ServerName,
  protocol: Protocol,
  port: number,
  spawned: Spawned,
  dir: string,
): RunningServer {
  const pid = spawned.child.pid;
  return {
    name,
    protocol,
    pid,
    port,
    rssKiB: () => spawned.exited ? 0 : readRssKiB(pid),
    cpuSeconds: () => spawned.exited ? 0 : readCpuSeconds(pid),
    logTail: () => [...spawned.lines],
    async stop() {
      await stopSpawned(spawned);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The lines of a users file giving every account the same low-iteration PBKDF2 hash. */
async function usersFile(
  accounts: Array<{ name: string; password: string; iterations?: number }>,
  root: string,
) {
  const module = await import(`${root}/lib/server/password_hash.ts`) as {
    hashPassword(password: string, iterations: number): Promise<string>;
  };
  const hashes = new Map<string, string>();
  const lines: string[] = [];
  for (const a of accounts) {
    const key = `${a.iterations ?? 1}:${a.password}`;
    let hash = hashes.get(key);
    if (!hash) {
      // Hashing is not what the benchmark measures: one iteration (unless an account asks for
      // more, as the login storm does), one hash per password.
      hash = await module.hashPassword(a.password, a.iterations ?? 1);
      hashes.set(key, hash);
    }
    lines.push(`${a.name}:user:${hash}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Starts a server that says in its output which port it listens on, and waits (30 s at most) for
 * the line `pattern` matches (its group 1 is the port).
 */
async function spawnListening(
  name: string,
  command: string[],
  dir: string,
  logFile: string | undefined,
  pattern: RegExp,
): Promise<{ spawned: Spawned; port: number }> {
  let resolvePort: (port: number) => void = () => {};
  const portSeen = new Promise<number>((resolve) => resolvePort = resolve);
  const spawned = spawn(command, dir, logFile, (line) => {
    const match = pattern.exec(line);
    if (match) resolvePort(Number(match[1]));
  });
  const port = await within(
    Promise.race([portSeen, spawned.child.status.then(() => -1)]),
    30_000,
    -2,
  );
  if (port < 0) {
    const lines = spawned.lines.join("\n");
    await stopSpawned(spawned);
    throw new Error(
      port === -1 ? `${name} exited during start-up:\n${lines}` : `${name} did not start in 30 s`,
    );
  }
  return { spawned, port };
}

async function startParley(
  name: ServerName,
  options: StartOptions,
): Promise<RunningServer> {
  const { io, listener, args: variant = [] } = PARLEYS[name]!;
  const dir = await Deno.makeTempDir({ prefix: "parley-bench-" });
  try {
    const users = `${dir}/users.txt`;
    await Deno.writeTextFile(users, await usersFile(options.accounts, options.root));
    await Deno.mkdir(`${dir}/data`);
    const deno = Deno.execPath();
    const args = [
      deno,
      "run",
      "-A",
      ...(options.parleyDenoFlags ?? []),
      `${options.root}/server.ts`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--users",
      users,
      "--data",
      `${dir}/data`,
      "--rate",
      "0",
      "--max-connections",
      "20000",
      "--max-per-address",
      "20000",
      "--max-unauthenticated",
      "20000",
      "--login-queue",
      "20000",
      "--login-queue-per-address",
      "20000",
      "--idle-timeout",
      "0",
      "--pbkdf2-iterations",
      "1",
      // No per-connection log lines (the IRC peers' logs are discarded likewise).
      "--quiet",
      "--io",
      io,
      // The HTTP listener only where the clients use it (0: a free port, read from the log).
      "--http-port",
      listener === "http" ? "0" : "off",
      ...variant,
      ...(options.parleyArgs ?? []),
    ];
    const { spawned, port } = await spawnListening(
      "parley",
      wrapCommand(options.cpu, args),
      dir,
      options.logFile,
      new RegExp(`listening ${listener} (?:\\[[^\\]]*\\]|[^\\s:]+):(\\d+)`),
    );
    return handle(name, listener === "http" ? "ws" : "parley", port, spawned, dir);
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** ngircd's configuration for the benchmark (penalties, per-IP and connection limits off). */
export function ngircdConfig(port: number, dir: string): string {
  return `[Global]
	Name = bench.local
	Info = parley benchmark peer
	AdminInfo1 = benchmark
	AdminInfo2 = benchmark
	AdminEMail = bench@localhost
	Listen = 127.0.0.1
	Ports = ${port}
	MotdPhrase = "bench"
	PidFile = ${dir}/run/ngircd.pid
[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 30
	# 0 disables the command penalties (flood control) altogether.
	MaxPenaltyTime = 0
	PingTimeout = 3600
	PongTimeout = 600
	IdleTimeout = 0
[Options]
	DNS = no
	Ident = no
	PAM = no
`;
}

/**
 * inspircd's configuration for the benchmark: one connect class for everyone with flood control
 * (threshold/commandrate/fakelag), per-IP limits (localmax/globalmax), the connect-ban throttle and
 * DNS look-ups off, and send queues large enough not to drop a client that reads in bursts.
 */
export function inspircdConfig(port: number, dir: string): string {
  return `<server name="bench.local" description="parley benchmark peer" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<connect name="bench" allow="*" timeout="120" pingfreq="3600"
         hardsendq="67108864" softsendq="67108864" recvq="1048576"
         threshold="1000000" commandrate="1000000000" fakelag="no"
         localmax="1000000" globalmax="1000000" maxconnwarn="no" limit="1000000"
         resolvehostnames="no" useident="no" useconnectban="no" usednsbl="no" maxchans="100">
<channels users="100" opers="100">
<dns server="127.0.0.1" timeout="1">
<options hostintopic="no" syntaxhints="no">
<security hideserver="" userstats="Pu" maxtargets="20">
<performance netbuffersize="65536" somaxconn="4096" clonesonconnect="no" quietbursts="yes"
             timeskipwarn="0">
<whowas groupsize="0" maxgroups="0" maxkeep="0">
<files motd="${dir}/motd.txt">
`;
}

async function startIrc(name: "ngircd" | "inspircd", options: StartOptions) {
  const binary = findExecutable(name);
  if (!binary) throw new Error(`${name} is not installed (scripts/install_bench_peers.sh)`);
  const dir = await Deno.makeTempDir({ prefix: `${name}-bench-` });
  try {
    // ngircd drops root privileges to "nobody", which must still read its files.
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(`${dir}/run`, { mode: 0o777 });
    await Deno.chmod(`${dir}/run`, 0o777);
    const port = freePort();
    let command: string[];
    if (name === "ngircd") {
      await Deno.writeFile(`${dir}/ngircd.conf`, encoder.encode(ngircdConfig(port, dir)));
      await Deno.chmod(`${dir}/ngircd.conf`, 0o644);
      command = [binary, "--nodaemon", "--config", `${dir}/ngircd.conf`];
    } else {
      await Deno.writeTextFile(`${dir}/inspircd.conf`, inspircdConfig(port, dir));
      await Deno.writeTextFile(`${dir}/motd.txt`, "bench\n");
      command = [binary, "--config", `${dir}/inspircd.conf`, "--nofork", "--nopid"];
      if (Deno.uid() === 0) command.push("--runasroot");
    }
    const spawned = spawn(wrapCommand(options.cpu, command), dir, options.logFile);
    try {
      await waitForPort(port, 15_000, () => !spawned.exited);
    } catch (error) {
      const lines = spawned.lines.join("\n");
      await stopSpawned(spawned);
      throw new Error(`${name}: ${(error as Error).message}\n${lines}`);
    }
    return handle(name, "irc", port, spawned, dir);
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Starts the `ws` relay (`bench/ws_relay.mjs`) on Node.js. */
async function startWsRelay(options: StartOptions): Promise<RunningServer> {
  const node = findExecutable("node");
  if (!node) throw new Error("ws: node is not installed");
  const dir = await Deno.makeTempDir({ prefix: "ws-bench-" });
  try {
    const { spawned, port } = await spawnListening(
      "ws",
      wrapCommand(options.cpu, [node, `${options.root}/bench/ws_relay.mjs`]),
      dir,
      options.logFile,
      /listening ws [^\s:]+:(\d+)/,
    );
    return handle("ws", "ws", port, spawned, dir);
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Starts one server for the benchmark and waits until it accepts connections. */
export function startServer(name: ServerName, options: StartOptions): Promise<RunningServer> {
  if (isParley(name)) return startParley(name, options);
  return name === "ws" ? startWsRelay(options) : startIrc(name, options);
}

/**
 * Whether a server can run here: parley always; an IRC peer when its executable is found; the
 * `ws` relay when Node.js is and `npm install` has put the `ws` package in node_modules.
 */
export function peerInstalled(name: ServerName, root: string): boolean {
  if (isParley(name)) return true;
  if (name !== "ws") return findExecutable(name) !== undefined;
  try {
    return findExecutable("node") !== undefined &&
      Deno.statSync(`${root}/node_modules/ws/package.json`).isFile;
  } catch {
    return false;
  }
}

/**
 * Whether the peers are installed; runs the install script once for missing IRC servers (the `ws`
 * relay comes with `npm install`). Returns the peers still missing.
 */
export async function ensurePeers(names: ServerName[], root: string): Promise<string[]> {
  const irc = names.filter((n) => (n === "ngircd" || n === "inspircd") && !peerInstalled(n, root));
  if (irc.length > 0) {
    const status = await new Deno.Command("sh", {
      args: [`${root}/scripts/install_bench_peers.sh`, ...irc],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!status.success) console.error("install_bench_peers.sh failed");
  }
  return names.filter((n) => !peerInstalled(n, root));
}
