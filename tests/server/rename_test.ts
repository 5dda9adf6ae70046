/**
 * Renaming (seed 004) over real sockets: everything follows the account, rooms are told, the old
 * name is held and `status` says who it became; bad input; a restart; and kill -9 in the middle
 * of renames, after which exactly one of the two names logs in.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { ok } from "../helpers/replies.ts";
import { makeUsersDir, serverArgs, ServerProcess, startTestServer } from "../helpers/server.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };

Deno.test("rename moves blocks, mailbox, groups and leadership; rooms are told; the old name is held", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-rename-" });
  try {
    {
      await using t = await startTestServer(USERS, {}, dir);
      await using alice = await LineClient.json(t.port, "alice", "a");
      await using bob = await LineClient.json(t.port, "bob", "b");
      const renames: string[] = [];
      t.server.chat.onRename((from, to) => renames.push(`${from}->${to}`));
      await alice.command("create den");
      await bob.command("join den");
      await alice.command("block carol");
      await bob.command("block alice");
      await alice.command("group create pals bob");
      await bob.command("tell carol hi from bob");
      assert.equal((await alice.command("rename alicia wrong")).code, "LOGIN_FAILED");
      const done = await alice.command("rename alicia a");
      assert.equal(done.type, "reply", String(done.text));
      assert.deepEqual(renames, ["alice->alicia"]);
      const told = await bob.nextEvent((e) => e.kind === "rename");
      assert.equal(told.text, "alice is now known as alicia");
      const rooms = await bob.command("rooms");
      assert.equal((rooms.data as { name: string; leader: string }[])[1]!.leader, "alicia");
      assert.deepEqual((await alice.command("blocks")).data, ["carol"]);
      assert.deepEqual((await bob.command("blocks")).data, ["alicia"]);
      assert.equal((await bob.command("tell alicia hi")).code, undefined);
      const status = await bob.command("status alice");
      assert.equal((status.data as { renamedTo: string }).renamedTo, "alicia");
      assert.equal((await bob.command("groups")).data instanceof Array, true);
      assert.equal(
        ((await bob.command("groups")).data as { group: string }[])[0]!.group,
        "alicia/pals",
      );
      // The old name is held against everyone else, but its old owner may take it back.
      await using guest = await LineClient.connectJson(t.port);
      await guest.command("login guest");
      assert.equal((await guest.command("register alice pw")).code, "NAME_TAKEN");
      assert.equal((await bob.command("rename alice b")).code, "NAME_TAKEN");
    }
    await using t = await startTestServer({}, {}, dir);
    await using c = await LineClient.connectJson(t.port);
    assert.equal((await c.command("login alice a")).code, "LOGIN_FAILED");
    await ok(c, "login alicia a");
    assert.deepEqual((await c.command("blocks")).data, ["carol"]);
    await ok(c, "rename alice a");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rename refuses taken, reserved, invalid and same names, and asks for the password in text mode", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  const cases: [string, string][] = [
    ["rename", "BAD_FORMAT"],
    ["rename bob a", "NAME_TAKEN"],
    ["rename BOB a", "NAME_TAKEN"],
    ["rename guest a", "NAME_TAKEN"],
    ["rename 9x a", "BAD_FORMAT"],
    ["rename bad!name a", "BAD_FORMAT"],
    ["rename Alice a", "BAD_FORMAT"],
    ["rename alicia", "BAD_FORMAT"],
    ["rename alicia a extra", "BAD_FORMAT"],
  ];
  for (const [line, code] of cases) {
    const event = await alice.command(line);
    assert.equal(event.code, code, `${line}: ${event.text}`);
  }
  await using bob = await LineClient.connect(t.port);
  await bob.send("login bob b");
  await bob.expect("welcome, bob");
  await bob.send("rename robert");
  await bob.expect("typing is hidden");
  await bob.send("b");
  await bob.expect("you are now known as robert");
});

Deno.test("a login racing a rename of the same account gets one clear answer", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using other = await LineClient.connectJson(t.port);
  await alice.send("rename alicia a");
  await other.send("login alice a");
  const renamed = await alice.nextEvent((e) => e.type === "reply" || e.type === "error");
  const login = await other.nextEvent((e) => e.type === "reply" || e.type === "error");
  assert.equal(renamed.type, "reply", String(renamed.text));
  // Either the login came first (a takeover of the same user, then renamed) or it failed.
  assert.ok(login.command === "login" || login.code === "LOGIN_FAILED", String(login.text));
});

Deno.test("kill -9 in the middle of renames leaves exactly one of the two names working", async () => {
  await using ws = await makeUsersDir({ u0: "p" }, "parley-rename-kill-");
  let current = "u0";
  for (let round = 1; round <= 4; round++) {
    const next = `u${round}`;
    await using server = await ServerProcess.start(serverArgs(ws.dir));
    const client = await LineClient.connectJson(server.port);
    assert.equal((await client.command(`login ${current} p`)).type, "reply");
    await client.send(`rename ${next} p`);
    // Kill at a moment somewhere in the rename (or just after it).
    await new Promise((resolve) => setTimeout(resolve, round * 3));
    await server.stop("SIGKILL");
    await client.close();
    await using restarted = await ServerProcess.start(serverArgs(ws.dir));
    const works: string[] = [];
    for (const name of [current, next]) {
      const c = await LineClient.connectJson(restarted.port);
      if ((await c.command(`login ${name} p`)).type === "reply") works.push(name);
      await c.close();
    }
    assert.equal(
      works.length,
      1,
      `round ${round}: ${works.join(", ")}\n${await Deno.readTextFile(ws.usersFile)}\n` +
        restarted.stderrLines.join("\n"),
    );
    current = works[0]!;
    await restarted.stop("SIGKILL");
  }
});
