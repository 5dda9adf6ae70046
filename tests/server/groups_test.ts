/**
 * Private groups over real sockets (seed 003): create, message (live, offline, blocked),
 * membership changes, invisibility to non-members, bad input, and persistence across a restart.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { ok } from "../helpers/replies.ts";
import { startTestServer } from "../helpers/server.ts";

const USERS = { alice: "a", bob: "b", carol: "c", dave: "d" };

Deno.test("a group message reaches members online, the mailbox of the others, not blockers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-groups-" });
  try {
    {
      await using t = await startTestServer(USERS, {}, dir);
      await using alice = await LineClient.json(t.port, "alice", "a");
      await using bob = await LineClient.json(t.port, "bob", "b");
      await using dave = await LineClient.json(t.port, "dave", "d");
      const made = await alice.command("group create team bob carol");
      assert.equal(made.type, "reply", String(made.text));
      assert.deepEqual((made.data as { members: string[] }).members, ["alice", "bob", "carol"]);
      await bob.nextEvent((e) => e.type === "notice" && String(e.text).includes("added you"));
      // Seed spelling and the group command alike.
      const sent = await alice.command("message group team hello team");
      assert.equal(sent.type, "reply", String(sent.text));
      assert.equal((sent.data as { offline: number }).offline, 1);
      const got = await bob.nextEvent((e) => e.type === "group");
      assert.equal(got.from, "alice");
      assert.equal(got.group, "alice/team");
      assert.equal(got.text, "hello team");
      // Non-members see nothing of it.
      assert.equal((await dave.command("group msg team hi")).code, "NO_SUCH_GROUP");
      assert.equal((await dave.command("group msg alice/team hi")).code, "NO_SUCH_GROUP");
      assert.deepEqual((await dave.command("groups")).data, []);
      // Blocks apply per recipient.
      await ok(bob, "block alice");
      await ok(alice, "group msg team second");
      await ok(bob, "grouplist");
      assert.ok(!bob.unread().some((line) => line.includes("second")));
      // Only the owner changes it; a member leaves.
      assert.equal((await bob.command("group add team dave")).code, "FORBIDDEN");
      await ok(alice, "group add team dave");
      await ok(dave, "group leave team");
      assert.equal((await dave.command("group msg team hi")).code, "NO_SUCH_GROUP");
    }
    // After a restart the group is there and carol gets her offline group messages.
    await using t = await startTestServer({}, {}, dir);
    await using carol = await LineClient.connectJson(t.port);
    await carol.send("login carol c");
    const mail = await carol.nextEvent((e) => e.type === "group");
    assert.equal(mail.offline, true);
    assert.equal(mail.text, "hello team");
    const list = await carol.command("groups");
    assert.deepEqual((list.data as { group: string }[]).map((g) => g.group), ["alice/team"]);
    await ok(carol, "group msg team back");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("group commands refuse bad input with a code and a sentence", async () => {
  await using t = await startTestServer(USERS, { maxGroupMembers: 3 });
  await using alice = await LineClient.json(t.port, "alice", "a");
  const cases: [string, string][] = [
    ["group", "BAD_FORMAT"],
    ["group create", "BAD_FORMAT"],
    ["group create team", "BAD_FORMAT"],
    ["group frobnicate team", "BAD_FORMAT"],
    ["group create team bob bob", "BAD_FORMAT"],
    ["group create team bob nobody", "NO_SUCH_USER"],
    ["group create team alice bob", "BAD_FORMAT"],
    ["group create team bob carol dave", "BAD_FORMAT"],
    ["group create bob carol", "NAME_TAKEN"],
    ["group create lobby carol", "NAME_TAKEN"],
    ["group create 9lives carol", "BAD_FORMAT"],
    ["group msg nothing hi", "NO_SUCH_GROUP"],
    ["group delete nothing", "NO_SUCH_GROUP"],
    ["group leave nothing extra", "BAD_FORMAT"],
  ];
  for (const [line, code] of cases) {
    const event = await alice.command(line);
    assert.equal(event.code, code, `${line}: ${event.text}`);
    assert.ok(String(event.text).length > 10, line);
  }
  const limit = await alice.command("group create team bob carol dave");
  assert.match(String(limit.text), /at most 3 members/);
  await ok(alice, "group create team bob carol");
  assert.equal((await alice.command("group create team dave")).code, "NAME_TAKEN");
  assert.equal((await alice.command("group leave team")).code, "FORBIDDEN");
  assert.equal((await alice.command("group remove team alice")).code, "FORBIDDEN");
  assert.equal((await alice.command("group remove team dave")).code, "NO_SUCH_USER");
  await ok(alice, "group delete team");
  assert.deepEqual((await alice.command("groups")).data, []);
});
