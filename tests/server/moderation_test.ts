/**
 * Administrators and moderation over real sockets (seeds 001, 004): admin-only commands, kick,
 * ban and mute with expiry on a clock the test moves, enforcement on every sending path,
 * persistence across a restart, reports, the modlog, the word filter and bad input.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { ok } from "../helpers/replies.ts";
import { silentLogger } from "../../lib/server/log.ts";
import { startServer } from "../../server.ts";
import { startTestServer, testConfig, type TestServer } from "../helpers/server.ts";

const USERS = { root: "r", alice: "a", bob: "b" };

/** Makes `root` an administrator and returns a clock the test can move. */
async function withAdmin(t: TestServer): Promise<{ advance(ms: number): void }> {
  await t.server.chat.directory.accounts.setRole("root", "admin");
  let offset = 0;
  t.server.chat.moderation.now = () => new Date(Date.now() + offset);
  return { advance: (ms) => offset += ms };
}

Deno.test("admin commands are FORBIDDEN to others and reveal nothing about the target", async () => {
  await using t = await startTestServer(USERS);
  await withAdmin(t);
  await using alice = await LineClient.json(t.port, "alice", "a");
  for (
    const line of [
      "users",
      "rooms all",
      "ban bob",
      "ban nobody",
      "unban bob",
      "bans",
      "mutes",
      "announce hi",
      "close lobby",
      "modlog",
      "reports",
      "kick bob",
      "kick nobody",
      "mute nobody",
    ]
  ) {
    const event = await alice.command(line);
    assert.equal(event.code, "FORBIDDEN", line);
    assert.ok(!String(event.text).includes("nobody"), line);
  }
  const help = await alice.command("help");
  assert.ok(!(help.data as { name: string }[]).some((c) => c.name === "ban"));
});

Deno.test("users, rooms all, announce, close and kick with a reason", async () => {
  await using t = await startTestServer(USERS);
  await withAdmin(t);
  await using root = await LineClient.json(t.port, "root", "r");
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  const users = await root.command("users");
  const entries = users.data as { user: string; role: string; state: string }[];
  assert.deepEqual(entries.map((e) => [e.user, e.role, e.state]), [
    ["root", "admin", "online"],
    ["alice", "user", "online"],
    ["bob", "user", "online"],
  ]);
  await alice.command("create games");
  await bob.command("join games");
  const all = await root.command("rooms all");
  const games = (all.data as { name: string; names: string[]; leader: string }[])
    .find((r) => r.name === "games")!;
  assert.deepEqual(games.names, ["alice", "bob"]);
  await ok(root, "announce maintenance at noon");
  const notice = await bob.nextEvent((e) => e.kind === "announce");
  assert.equal(notice.from, "*");
  assert.equal(notice.text, "maintenance at noon");
  assert.equal((await root.command("close lobby")).code, "FORBIDDEN");
  // A leader kicks out of their own room only; the session goes on.
  const roomKick = await alice.command("kick bob too loud");
  assert.equal((roomKick.data as { room: string }).room, "games");
  await bob.nextEvent((e) => e.kind === "kicked" && String(e.text).includes("too loud"));
  await ok(bob, "rooms");
  assert.equal((await alice.command("kick root")).code, "NOT_IN_ROOM");
  await ok(root, "close games");
  // An administrator's kick ends the session; the reason is shown.
  await ok(root, "kick bob spamming");
  const kicked = await bob.nextEvent((e) => e.kind === "kicked");
  assert.match(String(kicked.text), /kicked by root \(spamming\)/);
  await bob.waitClosed();
  assert.equal((await root.command("kick bob")).code, "USER_OFFLINE");
  assert.equal((await root.command("kick root")).code, "FORBIDDEN");
  const log = await root.command("modlog 5");
  const actions = (log.data as { action: string; target: string }[]).map((e) => e.action);
  assert.deepEqual(actions.slice(0, 3), ["kick", "close", "kick"]);
});

Deno.test("a ban disconnects at once, refuses logins with reason and end, expires, survives a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-ban-" });
  try {
    {
      await using t = await startTestServer(USERS, {}, dir);
      await withAdmin(t);
      await using root = await LineClient.json(t.port, "root", "r");
      await using bob = await LineClient.json(t.port, "bob", "b");
      const banned = await root.command("ban bob 2h flooding the lobby");
      assert.equal(banned.type, "reply", String(banned.text));
      assert.equal((banned.data as { ended: number }).ended, 1);
      const told = await bob.nextEvent((e) => e.kind === "banned");
      assert.match(String(told.text), /banned until .* \(flooding the lobby\)/);
      await bob.waitClosed();
      await using again = await LineClient.connectJson(t.port);
      const refused = await again.command("login bob b");
      assert.equal(refused.code, "BANNED");
      assert.match(String(refused.text), /until \d{4}-\d\d-\d\d .*flooding/);
      assert.equal((await again.command("login bob wrong")).code, "LOGIN_FAILED");
      await ok(root, "ban alice");
      await ok(root, "bans");
    }
    // A restart keeps both; time moves past the timed one.
    await using t = await startTestServer({}, {}, dir);
    const clock = await withAdmin(t);
    await using root = await LineClient.json(t.port, "root", "r");
    const list = await root.command("bans");
    assert.deepEqual((list.data as { target: string }[]).map((b) => b.target), ["bob", "alice"]);
    await using c = await LineClient.connectJson(t.port);
    assert.equal((await c.command("login bob b")).code, "BANNED");
    clock.advance(2 * 3600_000 + 1000);
    await ok(c, "login bob b");
    await using d = await LineClient.connectJson(t.port);
    assert.equal((await d.command("login alice a")).code, "BANNED");
    await ok(root, "unban alice");
    await ok(d, "login alice a");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a muted user cannot speak, say, tell, shout or message a group, but reads; mutes end", async () => {
  await using t = await startTestServer(USERS);
  const clock = await withAdmin(t);
  await using root = await LineClient.json(t.port, "root", "r");
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.command("group create pals bob");
  const muted = await root.command("mute bob 10m be calm");
  assert.equal(muted.type, "reply", String(muted.text));
  await bob.nextEvent((e) => e.kind === "muted");
  for (
    const line of [
      "hello all",
      "say lobby hi",
      "tell alice hi",
      "shout hi",
      "group msg pals hi",
      "message group pals hi",
    ]
  ) {
    await bob.send(line);
    const refused = await bob.nextEvent((e) => e.type === "error");
    assert.equal(refused.code, "MUTED", line);
    assert.match(String(refused.text), /be calm/);
  }
  await alice.send("still hear me?");
  assert.equal((await bob.nextEvent((e) => e.type === "message")).text, "still hear me?");
  clock.advance(10 * 60_000 + 1000);
  await bob.send("free again");
  assert.equal((await alice.nextEvent((e) => e.type === "message")).text, "free again");
  // In one room only, by its leader.
  await alice.command("start quiet corner");
  await bob.command("join quiet corner");
  await ok(alice, "mute bob");
  await bob.send("say lobby fine here");
  await bob.send("not here");
  assert.equal((await bob.nextEvent((e) => e.type === "error")).code, "MUTED");
  assert.equal((await bob.command("mute alice")).code, "FORBIDDEN");
  await ok(alice, "unmute bob");
  assert.equal((await root.command("mute root")).code, "FORBIDDEN");
});

Deno.test("reports carry the lines the reporter saw and notify administrators", async () => {
  await using t = await startTestServer(USERS);
  await withAdmin(t);
  await using root = await LineClient.json(t.port, "root", "r");
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await bob.send("you are all fools");
  await bob.command("tell alice and you most of all");
  await bob.command("tell root not for alice");
  await alice.nextEvent((e) => e.type === "private");
  const made = await alice.command("report bob insults");
  assert.equal(made.type, "reply", String(made.text));
  await root.nextEvent((e) => e.kind === "report" && String(e.text).includes("insults"));
  const open = await root.command("reports");
  const [report] = open.data as { id: number; lines: string[]; reporter: string }[];
  assert.equal(report!.reporter, "alice");
  assert.equal(report!.lines.length, 2);
  assert.ok(report!.lines.some((line) => line.endsWith("you are all fools")));
  assert.ok(!report!.lines.some((line) => line.includes("not for alice")));
  assert.equal((await alice.command("report close 1")).code, "NO_SUCH_USER");
  assert.equal((await alice.command("report alice me")).code, "BAD_FORMAT");
  assert.equal((await alice.command("report nobody x")).code, "NO_SUCH_USER");
  assert.equal((await alice.command("report bob")).code, "BAD_FORMAT");
  await ok(root, `report close ${report!.id}`);
  assert.equal((await root.command(`report close ${report!.id}`)).code, "BAD_FORMAT");
  assert.match(String((await root.command("report close x")).text), /report close <number>/);
  assert.deepEqual((await root.command("reports")).data, []);
});

Deno.test("moderation commands refuse odd arguments with a code and a sentence", async () => {
  await using t = await startTestServer(USERS);
  await withAdmin(t);
  await using root = await LineClient.json(t.port, "root", "r");
  const cases: [string, string][] = [
    ["ban", "BAD_FORMAT"],
    ["ban bob 0", "BAD_FORMAT"],
    ["ban bob -5m", "BAD_FORMAT"],
    ["ban bob 99999d", "BAD_FORMAT"],
    ["ban bob 5x", "BAD_FORMAT"],
    ["ban nobody", "NO_SUCH_USER"],
    ["ban root", "FORBIDDEN"],
    ["ban 0.0.0.0/0", "BAD_FORMAT"],
    ["ban 10.0.0.0/33", "BAD_FORMAT"],
    ["ban 10.0.0.300", "BAD_FORMAT"],
    ["ban ::/0", "BAD_FORMAT"],
    ["ban 127.0.0.0/8", "FORBIDDEN"],
    ["ban 127.0.0.1", "FORBIDDEN"],
    ["unban bob", "BAD_FORMAT"],
    ["unban 1.2.3", "BAD_FORMAT"],
    ["mute", "BAD_FORMAT"],
    ["mute bob 0s", "BAD_FORMAT"],
    ["mute bob --force 1h", "BAD_FORMAT"],
    ["mute nobody", "NO_SUCH_USER"],
    ["unmute bob", "BAD_FORMAT"],
    ["unmute bob nowhere", "NO_SUCH_ROOM"],
    ["kick", "BAD_FORMAT"],
    ["kick nobody", "NO_SUCH_USER"],
    ["modlog 0", "BAD_FORMAT"],
    ["modlog x", "BAD_FORMAT"],
    ["modlog 1000", "BAD_FORMAT"],
    ["announce", "BAD_FORMAT"],
    ["close nowhere", "NO_SUCH_ROOM"],
    ["rooms everything", "BAD_FORMAT"],
  ];
  for (const [line, code] of cases) {
    const event = await root.command(line);
    assert.equal(event.code, code, `${line}: ${event.text}`);
    assert.ok(String(event.text).length > 10, line);
  }
  // Forced wide ranges and IPv6 ranges are accepted, and listed canonically.
  const wide = await root.command("ban 16.0.0.0/4 --force 1h test");
  assert.equal((wide.data as { target: string }).target, "16.0.0.0/4", String(wide.text));
  const v6 = await root.command("ban 2001:db8:0:0:1::/48");
  assert.equal((v6.data as { target: string }).target, "2001:db8::/48");
  await ok(root, "unban 2001:db8::/48");
});

Deno.test("the word filter refuses or masks, case and disguise notwithstanding; SIGHUP re-reads it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-filter-" });
  try {
    const filter = `${dir}/filter.txt`;
    await Deno.writeTextFile(filter, "# words\nspam\nscam*\n");
    for (const mode of ["refuse", "mask"] as const) {
      await using t = await startTestServer(USERS, { filter, filterMode: mode });
      await using alice = await LineClient.json(t.port, "alice", "a");
      await using bob = await LineClient.json(t.port, "bob", "b");
      await alice.command("join lobby");
      await bob.command("join lobby");
      for (const line of ["buy SPAM", "buy s\u200bpam", "buy ѕрам", "scammers here"]) {
        await bob.send(line);
        if (mode === "refuse") {
          assert.equal((await bob.nextEvent((e) => e.type === "error")).code, "FILTERED", line);
        } else {
          const got = await alice.nextEvent((e) => e.type === "message");
          assert.match(String(got.text), /\*{4}/, line);
        }
      }
      assert.equal(
        (await bob.command("tell alice spam")).code ?? "none",
        mode === "refuse" ? "FILTERED" : "none",
      );
      await bob.send("spammer is a different word");
      assert.equal(
        (await alice.nextEvent((e) => e.type === "message")).text,
        "spammer is a different word",
      );
      if (mode === "mask") {
        await Deno.writeTextFile(filter, "different\n");
        await t.server.reload();
        await bob.send("spam is fine now, different is not");
        assert.equal(
          (await alice.nextEvent((e) => e.type === "message")).text,
          "spam is fine now, ********* is not",
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a room mute ends with its room: a room opened later under the name is another", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("start big topic");
  await bob.command("join big topic");
  const muted = await alice.command('mute bob "big topic"');
  assert.match(String(muted.text), /in big topic/);
  assert.equal((await bob.command("say #2 still here?")).code, "MUTED");
  await alice.command("leave big topic"); // the room closes
  await using root = await LineClient.json(t.port, "root", "r");
  await root.command("start big topic");
  await bob.command("join big topic");
  await bob.send("free to speak");
  const heard = await root.nextEvent((e) => e.type === "message");
  assert.equal(heard.text, "free to speak");
});

Deno.test("a --filter file that cannot be read stops the server at start, saying which", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-filter-" });
  try {
    await assert.rejects(
      startServer(testConfig(dir, { filter: `${dir}/nonexistent.txt` }), silentLogger),
      /cannot read the --filter file .*nonexistent\.txt/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a mistyped room in mute is refused, not made a server-wide mute; quoted rooms work", async () => {
  await using t = await startTestServer(USERS);
  await withAdmin(t);
  await using root = await LineClient.json(t.port, "root", "r");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await root.command("start secret plans");
  await bob.command("join secret plans");
  for (const line of ["mute bob nosuchroom 1h", "mute bob #99", "unmute bob nosuchroom"]) {
    assert.equal((await root.command(line)).code, "NO_SUCH_ROOM", line);
  }
  await bob.send("still free");
  assert.equal((await root.nextEvent((e) => e.type === "message")).text, "still free");
  const muted = await root.command('mute bob "secret plans" 1h too loud');
  assert.match(String(muted.text), /in secret plans .*\(too loud\)/);
  assert.equal((await bob.command("say #2 hello?")).code, "MUTED");
  await ok(root, 'unmute bob "secret plans"');
  await bob.send("free again");
  assert.equal((await root.nextEvent((e) => e.type === "message")).text, "free again");
});
