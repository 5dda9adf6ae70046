/**
 * The rough edges a new user hit (issue 16's server-side bugs), each shown over a real socket:
 * registrations that fail on the name do not use up the allowance, a leader moving on is told its
 * room closed, `say` reaches a room whose name has spaces, info can be cleared, names start with a
 * letter, and repeated or self-referring commands say so.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../lib/server/log.ts";
import { startServer } from "../../server.ts";
import { LineClient } from "../helpers/line_client.ts";
import {
  makeUsersDir,
  serverArgs,
  ServerProcess,
  startTestServer,
  testConfig,
  writeUsers,
} from "../helpers/server.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const USERS = { alice: "a", bob: "b" };

Deno.test("registrations refused for a taken, reserved or malformed name do not use up the allowance", async () => {
  await using t = await startTestServer(USERS, { registrationsPerAddress: 2 });
  await using guest = await LineClient.connectJson(t.port);
  await guest.command("login guest");
  for (
    const line of ["register Alice pw", "register guest pw", "register -x pw", "register 9lives pw"]
  ) {
    const reply = await guest.command(line);
    assert.ok(["NAME_TAKEN", "BAD_FORMAT"].includes(String(reply.code)), `${line}: ${reply.code}`);
  }
  assert.equal((await guest.command("register carol c")).command, "register");
  // A password that breaks the rules counts: that is how a bulk registrar would probe.
  assert.equal((await guest.command("register dave \x01x")).code, "BAD_FORMAT");
  assert.equal((await guest.command("register erin e")).code, "RATE_LIMITED");
});

Deno.test("a name must start with a letter; each password rule says itself", async () => {
  await using t = await startTestServer(USERS);
  await using guest = await LineClient.connectJson(t.port);
  await guest.command("login guest");
  for (const name of ["-", "_", "--help", "_x", "1a"]) {
    const reply = await guest.command(`register ${name} pw`);
    assert.equal(reply.code, "BAD_FORMAT", name);
    assert.match(String(reply.text), /starts with a letter/, name);
  }
  const control = await guest.command("register carol a\x07b");
  assert.match(String(control.text), /control characters/);
  const long = await guest.command(`register carol ${"x".repeat(129)}`);
  assert.match(String(long.text), /at most 128 characters/);
  const words = await guest.command("register carol two words");
  assert.match(String(words.text), /usage: register <user> <password> \(a password is one word/);
});

Deno.test("a leader who moves on with enter or create is told the room they led closed", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("create games");
  await bob.command("join games");
  const told = (text: string) =>
    alice.lines.some((line) => line.includes('"kind":"closed"') && line.includes(text));
  await alice.command("enter lobby"); // the notice comes before the reply
  assert.ok(told("room games closed: its leader alice left"));
  await bob.nextEvent((e) => e.kind === "closed");
  await alice.command("start chess club");
  await alice.command("create poker");
  assert.ok(told("room chess club closed: its leader alice left"));
});

Deno.test("say reaches a room whose name has spaces by number or quoted, and the error says how", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  const started = await alice.command("start my big topic");
  assert.equal((started.data as { room: string }).room, "my big topic");
  await bob.command("join my big topic");
  await bob.send('say "my big topic" quoted hello'); // a say has no reply
  assert.equal((await alice.nextEvent((e) => e.type === "message")).text, "quoted hello");
  await bob.send("say #2 numbered hello");
  assert.equal((await alice.nextEvent((e) => e.type === "message")).text, "numbered hello");
  const error = await bob.command("say my big topic hello");
  assert.equal(error.code, "NO_SUCH_ROOM");
  assert.match(String(error.text), /use its number or quote the name/);
});

Deno.test('info "" clears the info text; only spaces shows it', async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("info away until monday");
  assert.equal((await alice.command("info    ")).text, "your info: away until monday");
  const cleared = await alice.command('info ""');
  assert.equal(cleared.text, "your info text is cleared");
  assert.deepEqual((await alice.command("info")).data, { info: "" });
});

Deno.test("block twice and join twice say already; status of yourself shows this login, not a last one", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  assert.equal((await alice.command("block bob")).text, "blocked bob");
  assert.equal((await alice.command("block BOB")).text, "you already block bob");
  await alice.command("join lobby");
  assert.match(String((await alice.command("join lobby")).text), /already in lobby/);
  const status = await alice.command("status");
  assert.match(String(status.text), /logged in since/);
  assert.doesNotMatch(String(status.text), /last login/);
  const help = await alice.command("help");
  assert.match(String(help.text), /logout .*\(also: quit, exit\)/);
  // Every summary starts in one column: a long usage takes a line of its own.
  const lines = String(help.text).split("\n");
  const specs = help.data as { summary: string }[];
  const columns = specs.map(({ summary }) => {
    const line = lines.find((l) => l.includes(summary))!;
    return line.indexOf(summary);
  });
  assert.ok(specs.length > 30);
  assert.deepEqual([...new Set(columns)], [31], String(help.text));
});

Deno.test("a --users path in a folder that does not exist stops the server with a clear error", async () => {
  await using tmp = await tempDir("parley-users-");
  const config = testConfig(tmp.dir, { usersFile: `${tmp.dir}/nonexistent/dir/u.txt` });
  await assert.rejects(
    startServer(config, silentLogger),
    /the account file's folder .*nonexistent\/dir does not exist \(mistyped --users\?\)/,
  );
  assert.equal(await Deno.stat(`${tmp.dir}/nonexistent`).catch(() => null), null, "nothing made");
});

Deno.test("the account file, data folder and database are the owner's only, tightened with a warning", async () => {
  await using tmp = await tempDir("parley-secrets-");
  const config = testConfig(tmp.dir);
  await writeUsers(config.usersFile, { alice: "a" });
  await Deno.chmod(config.usersFile, 0o644);
  await Deno.mkdir(config.dataDir, { mode: 0o755 });
  await Deno.chmod(config.dataDir, 0o755);
  const logged: string[] = [];
  const server = await startServer(config, (event) => logged.push(event));
  await server.shutdown();
  const mode = async (path: string) => ((await Deno.stat(path)).mode ?? 0) & 0o777;
  assert.equal(await mode(config.usersFile), 0o600);
  assert.equal(await mode(config.dataDir), 0o700);
  assert.equal(await mode(`${config.dataDir}/parley.db`), 0o600);
  assert.ok(
    logged.some((line) => /warning: .*users\.txt was open to others \(mode 644\)/.test(line)),
  );
  assert.ok(logged.some((line) => /warning: .*data was open to others \(mode 755\)/.test(line)));
  // A fresh server makes them so from the start, without a warning.
  await using fresh = await tempDir("parley-secrets-");
  const freshConfig = testConfig(fresh.dir);
  const quiet: string[] = [];
  const second = await startServer(freshConfig, (event) => quiet.push(event));
  await second.shutdown();
  assert.equal(await mode(freshConfig.usersFile), 0o600);
  assert.equal(await mode(freshConfig.dataDir), 0o700);
  assert.equal(await mode(`${freshConfig.dataDir}/parley.db`), 0o600);
  assert.ok(!quiet.some((line) => line.includes("warning")), quiet.join("\n"));
});

Deno.test("rooms and their leaders survive a restart; a member back first does not take the lead", async () => {
  await using users = await makeUsersDir({ alice: "a", bob: "b" }, "parley-rooms-");
  let server = await ServerProcess.start(serverArgs(users.dir));
  {
    await using alice = await LineClient.json(server.port, "alice", "a");
    await alice.command("join lobby");
    await alice.command("start book club");
    await using bob = await LineClient.json(server.port, "bob", "b");
    await bob.command("join book club");
  }
  await server.stop("SIGINT");
  server = await ServerProcess.start(serverArgs(users.dir));
  try {
    await using bob = await LineClient.json(server.port, "bob", "b");
    const joined = await bob.command("join book club");
    assert.equal(joined.type, "reply", "the room is still there");
    const rooms = (await bob.command("rooms")).data as {
      id: number;
      name: string;
      leader: string;
    }[];
    assert.deepEqual(rooms.find((r) => r.name === "book club"), {
      id: 2,
      name: "book club",
      leader: "alice",
      members: 1,
    });
    await using alice = await LineClient.json(server.port, "alice", "a");
    await alice.command("join book club");
    await alice.command("leave book club");
    const closed = await bob.nextEvent((e) => e.kind === "closed");
    assert.equal(closed.text, "room book club closed: its leader alice left");
  } finally {
    await server.stop("SIGINT");
  }
});

Deno.test("a restored room whose leader does not come back within the grace period closes", async () => {
  await using users = await makeUsersDir({ alice: "a", bob: "b" }, "parley-rooms-");
  let server = await ServerProcess.start(serverArgs(users.dir));
  {
    await using alice = await LineClient.json(server.port, "alice", "a");
    await alice.command("create games");
  }
  await server.stop("SIGINT");
  server = await ServerProcess.start(serverArgs(users.dir, "--grace", "1"));
  try {
    await using bob = await LineClient.json(server.port, "bob", "b");
    await bob.command("join games");
    const closed = await bob.nextEvent((e) => e.kind === "closed", 5000);
    assert.match(String(closed.text), /its leader alice did not come back after the restart/);
    const rooms = (await bob.command("rooms")).data as { name: string }[];
    assert.deepEqual(rooms.map((r) => r.name), ["lobby"]);
  } finally {
    await server.stop("SIGINT");
  }
});
