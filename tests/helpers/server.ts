/**
 * Starts the real server for tests: in-process (fast, for most tests) or as a subprocess (for
 * signals, kill -9 and restarts), always on port 0 with a temporary users file and data dir.
 *
 * @module
 */

import { hashPassword } from "../../lib/server/password_hash.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "../../lib/server/config.ts";
import { silentLogger } from "../../lib/server/log.ts";
import { type RunningServer, startServer } from "../../server.ts";
import { type TempDir, tempDir } from "./temp_dir.ts";
import { Wakeup } from "./wakeup.ts";

/** Cheap hashes for test accounts. */
export const TEST_ITERATIONS = 1000;

/** The socket driver under test: `PARLEY_TEST_IO=epoll deno task test` runs everything on epoll. */
export const TEST_IO = Deno.env.get("PARLEY_TEST_IO") === "epoll" ? "epoll" : "runtime";

/** Settings for tests: loopback, port 0, cheap hashes, no fail delay, no flood control. */
export function testConfig(dir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    ...DEFAULT_CONFIG,
    host: "127.0.0.1",
    port: 0,
    usersFile: `${dir}/users.txt`,
    dataDir: `${dir}/data`,
    pbkdf2Iterations: TEST_ITERATIONS,
    loginFailDelay: 0,
    rate: 0,
    io: TEST_IO,
    httpPort: 0,
    ...overrides,
  };
}

/** Writes a users file with these accounts (name → password). */
export async function writeUsers(path: string, accounts: Record<string, string>): Promise<void> {
  const lines = ["# test accounts"];
  for (const [name, password] of Object.entries(accounts)) {
    lines.push(`${name}:user:${await hashPassword(password, TEST_ITERATIONS)}`);
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n", { mode: 0o600 });
}

/** A temporary directory holding a users file; disposing removes it. */
export interface UsersDir extends TempDir {
  /** `<dir>/users.txt`, where {@link testConfig} and {@link serverArgs} look for it. */
  usersFile: string;
}

/**
 * Makes a temporary directory (named with `prefix`) with a users file holding these accounts.
 *
 * @example
 * ```ts
 * await using ws = await makeUsersDir({ alice: "pw" }, "parley-stop-");
 * const server = await ServerProcess.start(serverArgs(ws.dir));
 * ```
 */
export async function makeUsersDir(
  accounts: Record<string, string>,
  prefix = "parley-test-",
): Promise<UsersDir> {
  const tmp = await tempDir(prefix);
  const usersFile = `${tmp.dir}/users.txt`;
  await writeUsers(usersFile, accounts);
  return Object.assign(tmp, { usersFile });
}

/**
 * Arguments for {@link ServerProcess.start} matching {@link testConfig}: loopback, port 0, the
 * users file and data dir in `dir`, cheap hashes; then `extra` (a repeated option takes its later
 * value, so `extra` may set another port).
 *
 * @example
 * ```ts
 * const server = await ServerProcess.start(serverArgs(dir, "--rate", "0"));
 * ```
 */
export function serverArgs(dir: string, ...extra: string[]): string[] {
  return [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--users",
    `${dir}/users.txt`,
    "--data",
    `${dir}/data`,
    "--pbkdf2-iterations",
    String(TEST_ITERATIONS),
    "--io",
    TEST_IO,
    "--http-port",
    "0",
    ...extra,
  ];
}

/** An in-process server with its temp dir; disposing shuts it down and removes the dir. */
export interface TestServer extends AsyncDisposable {
  server: RunningServer;
  port: number;
  dir: string;
  config: ServerConfig;
}

/**
 * Starts the server in this process with the given accounts.
 *
 * @example
 * ```ts
 * await using t = await startTestServer({ alice: "pw" });
 * ```
 */
export async function startTestServer(
  accounts: Record<string, string> = {},
  overrides: Partial<ServerConfig> = {},
  dir?: string,
): Promise<TestServer> {
  const base = dir ?? await Deno.makeTempDir({ prefix: "parley-test-" });
  const config = testConfig(base, overrides);
  if (Object.keys(accounts).length) await writeUsers(config.usersFile, accounts);
  const server = await startServer(config, silentLogger);
  return {
    server,
    port: server.addr.port,
    dir: base,
    config,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      if (!dir) await Deno.remove(base, { recursive: true });
    },
  };
}

/** A server running as a child process; disposing kills it (SIGKILL). */
export class ServerProcess implements AsyncDisposable {
  readonly stderrLines: string[] = [];
  readonly #logged = new Wakeup();
  readonly #pumping: Promise<void>;
  port = 0;

  private constructor(readonly child: Deno.ChildProcess) {
    this.#pumping = this.#pump();
  }

  /**
   * Spawns `server.ts` with these arguments (see {@link serverArgs}), and waits for `listening`.
   * `fileLimit` runs it under `ulimit -n` (a POSIX shell is needed), to exhaust its descriptors;
   * `permissions` replaces `--allow-all` (e.g. a task's own flags).
   */
  static async start(
    args: string[],
    cwd = Deno.cwd(),
    options: { fileLimit?: number; permissions?: string[] } = {},
  ): Promise<ServerProcess> {
    const command = [
      Deno.execPath(),
      "run",
      ...(options.permissions ?? ["--allow-all"]),
      "--unstable-net",
      new URL("../../server.ts", import.meta.url).pathname,
      ...args,
    ];
    if (options.fileLimit !== undefined) {
      command.unshift("sh", "-c", `ulimit -n ${options.fileLimit} && exec "$@"`, "sh");
    }
    const child = new Deno.Command(command[0]!, {
      args: command.slice(1),
      cwd,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const server = new ServerProcess(child);
    const line = await server.waitForLog(/listening tcp \S+:(\d+)/, 15_000);
    server.port = Number(/listening tcp \S+:(\d+)/.exec(line)![1]);
    return server;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoderStream();
    let partial = "";
    for await (const chunk of this.child.stderr.pipeThrough(decoder)) {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      this.stderrLines.push(...parts);
      this.#logged.wake();
    }
    this.#logged.wake();
  }

  /** Waits for a log line matching `pattern`, searching from the start of the log. */
  async waitForLog(pattern: RegExp, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.child.status.then(() => exited = true);
    while (true) {
      const found = this.stderrLines.find((line) => pattern.test(line));
      if (found) return found;
      if (exited) throw new Error(`server exited; log:\n${this.stderrLines.join("\n")}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no log line ${pattern} in ${ms} ms; log:\n${this.stderrLines.join("\n")}`);
      }
      await this.#logged.wait(Math.min(left, 100));
    }
  }

  /** Sends a signal and waits for the process to exit; returns its status. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // already exited
    }
    const status = await this.child.status;
    await this.#pumping;
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
  }
}
