/**
 * Stopping the server: SIGINT or SIGTERM tells every client, drains and closes, and exits 0; a
 * second Ctrl-C more than 300 ms after the first ends a slow drain at once, while the same
 * keypress delivered twice (terminal and task runner) still takes the graceful path; and one
 * Ctrl-C on `deno task server` in a real terminal (tmux) stops it gracefully.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineClient } from "../helpers/line_client.ts";
import {
  makeUsersDir,
  serverArgs,
  ServerProcess,
  TEST_IO,
  type UsersDir,
} from "../helpers/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const encoder = new TextEncoder();

const HAS_TMUX = await new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
  .output().then((out) => out.success, () => false);
if (!HAS_TMUX) console.log("tmux is not installed: the real-terminal Ctrl-C test is skipped");

/** A temp dir with alice and bob, removed on dispose. */
function setUp(): Promise<UsersDir> {
  return makeUsersDir({ alice: "pa", bob: "pb" }, "parley-stop-");
}

/** Waits until `check` holds, polling, for at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`${signal} tells every client, closes their connections and exits 0`, async () => {
    await using users = await setUp();
    const server = await ServerProcess.start(serverArgs(users.dir));
    try {
      await using alice = await LineClient.connect(server.port);
      await alice.send("login alice pa");
      await alice.expect("welcome, alice");
      await using bob = await LineClient.json(server.port, "bob", "pb");
      const status = await server.stop(signal);
      assert.equal(status.code, 0);
      await alice.expect("the server is shutting down");
      const notice = await bob.nextEvent((e) => e.type === "notice" && e.kind === "shutdown");
      assert.match(String(notice.text), /shutting down/);
      await alice.waitClosed();
      await bob.waitClosed();
      assert.ok(server.stderrLines.some((line) => / stopped$/.test(line)), "stopped is logged");
    } finally {
      await server.stop("SIGKILL");
    }
  });
}

Deno.test("a second SIGINT more than 300 ms after the first ends a slow drain at once", async () => {
  await using users = await setUp();
  // A long drain, and a queue big enough to hold what the reader will not read.
  const server = await ServerProcess.start(
    serverArgs(users.dir, "--shutdown-drain", "30", "--sendq", String(64 << 20), "--rate", "0"),
  );
  let stuck: Deno.TcpConn | undefined;
  try {
    await using alice = await LineClient.json(server.port, "alice", "pa");
    await alice.command("create busy");
    stuck = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await stuck.write(encoder.encode("mode json\nlogin bob pb\njoin busy\n"));
    await until(() => server.stderrLines.some((l) => l.includes('login user="bob"')), 5000, "bob");
    await alice.nextEvent((e) => e.type === "notice" && e.kind === "enter");
    // 8 MB for bob, who never reads: far more than socket buffers hold, so his queue stays full.
    const line = "z".repeat(4000);
    for (let i = 0; i < 2000; i += 100) {
      await alice.sendBytes(encoder.encode(`${line}\n`.repeat(100)));
    }
    await alice.command("ping bob"); // every line above has been handled

    server.child.kill("SIGINT");
    await server.waitForLog(/SIGINT: shutting down/);
    const first = performance.now();
    let exited = false;
    void server.child.status.then(() => exited = true);
    // Past the window in which a second SIGINT counts as the same keypress, still draining.
    await until(() => exited || performance.now() - first > 400, 2000, "the 300 ms window");
    assert.equal(exited, false, "the server is still draining bob's queue");
    const second = performance.now();
    server.child.kill("SIGINT");
    const status = await server.child.status;
    const took = performance.now() - second;
    assert.equal(status.code, 130);
    assert.ok(took < 3000, `stopped ${took.toFixed(0)} ms after the second SIGINT`);
    await server.waitForLog(/SIGINT again: stopping at once/);
    console.log(
      `slow drain (30 s deadline): the second SIGINT ${(second - first).toFixed(0)} ms after ` +
        `the first ended the process in ${took.toFixed(0)} ms (exit 130)`,
    );
  } finally {
    stuck?.close();
    await server.stop("SIGKILL");
  }
});

Deno.test("one Ctrl-C delivered twice at once (terminal and task runner) still stops gracefully", async () => {
  await using users = await setUp();
  const server = await ServerProcess.start(serverArgs(users.dir));
  try {
    await using alice = await LineClient.json(server.port, "alice", "pa");
    server.child.kill("SIGINT");
    server.child.kill("SIGINT");
    const status = await server.child.status;
    assert.equal(status.code, 0);
    await server.waitForLog(/ stopped$/);
    assert.ok(!server.stderrLines.some((line) => line.includes("stopping at once")));
    await alice.nextEvent((e) => e.type === "notice" && e.kind === "shutdown");
  } finally {
    await server.stop("SIGKILL");
  }
});

Deno.test({
  name: "one Ctrl-C on deno task server in a real terminal (tmux) takes the graceful path",
  ignore: !HAS_TMUX,
  async fn() {
    await using users = await setUp();
    const args = serverArgs(users.dir);
    // The runtime driver has a task of its own (the plain one grants FFI for epoll).
    const task = TEST_IO === "epoll" ? "server" : "server:runtime";
    const socket = `parley-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const tmux = (...tmuxArgs: string[]) =>
      new Deno.Command("tmux", {
        args: ["-L", socket, ...tmuxArgs],
        stdout: "null",
        stderr: "piped",
      })
        .output();
    const log = join(users.dir, "server.log");
    const exitFile = join(users.dir, "exit");
    const quoted = args.map((arg) => `'${arg}'`).join(" ");
    // bash waits for the task when Ctrl-C reaches the whole foreground process group, then
    // records how it ended.
    const script = `cd '${ROOT}' && PATH='${dirname(Deno.execPath())}':"$PATH" ` +
      `deno task ${task} ${quoted} 2> '${log}'; echo "exit=$?" > '${exitFile}'`;
    try {
      const started = await tmux(
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "30",
        "bash",
        "-c",
        script,
      );
      assert.ok(started.success, new TextDecoder().decode(started.stderr));
      let port = 0;
      await until(
        async () => {
          const text = await Deno.readTextFile(log).catch(() => "");
          port = Number(/listening tcp \S+:(\d+)/.exec(text)?.[1] ?? 0);
          return port > 0;
        },
        15_000,
        "the server to listen",
      );
      await using alice = await LineClient.json(port, "alice", "pa").catch(async (error) => {
        throw new Error(`${error}; log:\n${await Deno.readTextFile(log)}`);
      });
      assert.ok((await tmux("send-keys", "C-c")).success);
      await alice.nextEvent((e) => e.type === "notice" && e.kind === "shutdown");
      await alice.waitClosed();
      await until(
        async () => (await Deno.readTextFile(exitFile).catch(() => "")) !== "",
        10_000,
        "exit",
      );
      const text = await Deno.readTextFile(log);
      assert.equal((await Deno.readTextFile(exitFile)).trim(), "exit=0");
      assert.match(text, /SIGINT: shutting down/);
      assert.match(text, / stopped\n/);
      assert.doesNotMatch(text, /stopping at once/);
      console.log("tmux: one Ctrl-C on deno task server: shutdown notice, stopped, exit 0");
    } finally {
      await tmux("kill-server");
    }
  },
});
