/**
 * `deno task accounts` against a running server: a first administrator made before the server
 * ever starts, roles and removals picked up by polling and by SIGHUP, and writes by the tool and
 * by the server at the same time losing nothing.
 */
import assert from "node:assert/strict";
import { Accounts } from "../../lib/server/accounts.ts";
import { runAccountsTool, type ToolIO } from "../../lib/server/accounts_tool.ts";
import { LineClient } from "../helpers/line_client.ts";
import { ok } from "../helpers/replies.ts";
import { serverArgs, ServerProcess, TEST_ITERATIONS } from "../helpers/server.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const SCRIPT = new URL("../../scripts/accounts.ts", import.meta.url).pathname;

/** Runs the real script as `deno task accounts` would, with passwords piped in. */
async function tool(
  args: string[],
  input = "",
): Promise<{ code: number; out: string; err: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", SCRIPT, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

Deno.test("the accounts tool makes the first admin, and a running server follows its changes", async () => {
  await using tmp = await tempDir("parley-tool-");
  const users = ["--users", `${tmp.dir}/users.txt`, "--pbkdf2-iterations", String(TEST_ITERATIONS)];
  assert.equal((await tool(["add", "root", "--admin", ...users], "rootpw\n")).code, 0);
  assert.equal((await tool(["add", "bob", ...users], "bobpw\n")).code, 0);
  assert.equal((await tool(["add", "bob", ...users], "x\n")).code, 1);
  assert.equal((await tool(["frob", ...users])).code, 2);
  assert.equal((await tool(["role", "bob", "king", ...users])).code, 2);
  assert.equal(Deno.statSync(`${tmp.dir}/users.txt`).mode! & 0o777, 0o600);
  await using server = await ServerProcess.start(serverArgs(tmp.dir, "--accounts-poll", "1"));
  await using root = await LineClient.json(server.port, "root", "rootpw");
  await using bob = await LineClient.json(server.port, "bob", "bobpw");
  await ok(root, "users");
  assert.equal((await bob.command("users")).code, "FORBIDDEN");
  // Poll: a role change arrives within the poll interval.
  const listed = await tool(["role", "bob", "admin", ...users]);
  assert.equal(listed.code, 0, listed.err);
  const deadline = Date.now() + 5000;
  while ((await bob.command("users")).type !== "reply") {
    assert.ok(Date.now() < deadline, "bob never became an administrator");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // SIGHUP: a removal logs the removed user out at once.
  assert.equal((await tool(["remove", "bob", ...users])).code, 0);
  server.child.kill("SIGHUP");
  await bob.nextEvent((e) => e.kind === "kicked");
  await bob.waitClosed();
  // Registrations by the server and additions by the tool at the same time: nothing is lost.
  await using guest = await LineClient.connectJson(server.port);
  await ok(guest, "login guest");
  const registering = Promise.all(
    [1, 2, 3, 4].map((i) => guest.command(`register s${i} pw${i}`)),
  );
  const adding = Promise.all([1, 2, 3].map((i) => tool(["add", `t${i}`, ...users], `tp${i}\n`)));
  const [registered, added] = await Promise.all([registering, adding]);
  assert.ok(added.every((result) => result.code === 0), added.map((r) => r.err).join("\n"));
  assert.ok(registered.every((event) => event.type === "reply"));
  const list = (await tool(["list", ...users])).out.trim().split("\n").map((l) => l.split(" ")[0]);
  assert.deepEqual(list.sort(), ["root", "s1", "s2", "s3", "s4", "t1", "t2", "t3"]);
  // The last addition reaches the server by its poll (or a SIGHUP).
  server.child.kill("SIGHUP");
  const until = Date.now() + 5000;
  while (true) {
    const c = await LineClient.connectJson(server.port);
    const login = await c.command("login t3 tp3");
    await c.close();
    if (login.type === "reply") break;
    assert.ok(Date.now() < until, String(login.text));
  }
});

Deno.test("the accounts tool's commands, through its function", async () => {
  await using tmp = await tempDir("parley-tool-fn-");
  const out: string[] = [];
  const passwords = ["pw", "pw", "new", "new"];
  const io: ToolIO = {
    out: (line) => out.push(line),
    err: (line) => out.push(`! ${line}`),
    readPassword: () => Promise.resolve(passwords.shift() ?? null),
  };
  const users = ["--users", `${tmp.dir}/users.txt`, "--pbkdf2-iterations", "1000"];
  assert.equal(await runAccountsTool(["add", "alice", ...users], io, true), 0);
  assert.equal(await runAccountsTool(["passwd", "alice", ...users], io, true), 0);
  assert.equal(await runAccountsTool(["passwd", "nobody", ...users], io), 1);
  assert.equal(await runAccountsTool(["role", "alice", "--admin", ...users], io), 2);
  assert.equal(await runAccountsTool(["--help"], io), 0);
  const accounts = await Accounts.load(`${tmp.dir}/users.txt`, { iterations: 1000 });
  assert.ok(await accounts.verify("alice", "new"));
});
