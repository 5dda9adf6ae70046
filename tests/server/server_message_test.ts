/**
 * Messages beyond rooms and what persists: tell (live and offline), shout, blocks, info, status,
 * ping and wholasthr — including blocks and offline messages surviving a server restart.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };

Deno.test("tell reaches an online user privately, under every alias", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  for (const word of ["tell", "msg", "message"]) {
    const reply = await alice.command(`${word} Bob psst ${word}`);
    assert.equal(reply.command, "tell");
    const event = await bob.nextEvent((e) => e.type === "private");
    assert.deepEqual([event.from, event.to, event.text], ["alice", "bob", `psst ${word}`]);
  }
  assert.equal((await alice.command("tell nobody hi")).code, "NO_SUCH_USER");
});

Deno.test("a private message shows as sender (private) time text for telnet users", async () => {
  await using t = await startTestServer(USERS);
  await using bob = await LineClient.connect(t.port);
  await bob.send("login bob b");
  await bob.expect("welcome, bob");
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("tell bob hi bob");
  assert.match(await bob.expect("hi bob"), /^alice \(private\) \d\d:\d\d:\d\d hi bob$/);
});

/** The texts of the messages an `offline` reply lists. */
const keptTexts = (reply: Record<string, unknown>) =>
  (reply.data as { text: string }[]).map((m) => m.text);

/** The texts of the messages `client`'s mailbox keeps (its `offline` list). */
async function offlineTexts(client: LineClient): Promise<string[]> {
  return keptTexts(await client.command("offline"));
}

Deno.test("tell to an offline user is shown at their next login only, and listed until cleared", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  const reply = await alice.command("tell carol see you later");
  assert.equal(reply.type, "reply");
  assert.match(String(reply.text), /carol is not online; your message will be delivered/);
  {
    await using first = await LineClient.json(t.port, "carol", "c");
    const notice = await first.nextEvent((e) => e.type === "notice");
    assert.match(String(notice.text), /1 new offline message/);
    const kept = await first.nextEvent((e) => e.type === "private");
    assert.deepEqual([kept.from, kept.text, kept.offline], ["alice", "see you later", true]);
    await first.command("logout");
  }
  await using carol = await LineClient.json(t.port, "carol", "c");
  assert.deepEqual(await offlineTexts(carol), ["see you later"], "kept for the list");
  assert.ok(
    !carol.lines.some((line) => /"type":"(private|notice)"/.test(line)),
    `not delivered at the second login:\n${carol.recent()}`,
  );
  assert.deepEqual((await carol.command("offline clear")).data, { removed: 1 });
  assert.deepEqual((await carol.command("offline")).data, []);
  assert.equal((await carol.command("offline now")).code, "BAD_FORMAT");
});

Deno.test("a delivered offline message frees its place in a full mailbox", async () => {
  await using t = await startTestServer(USERS, { maxOffline: 1 });
  await using alice = await LineClient.json(t.port, "alice", "a");
  assert.equal((await alice.command("tell carol first")).type, "reply");
  assert.equal((await alice.command("tell carol second")).code, "USER_OFFLINE", "mailbox full");
  {
    await using carol = await LineClient.json(t.port, "carol", "c");
    await carol.nextEvent((e) => e.type === "private" && e.text === "first");
    await carol.command("logout");
  }
  assert.equal((await alice.command("tell carol third")).type, "reply");
  await using carol = await LineClient.json(t.port, "carol", "c");
  const got = await carol.nextEvent((e) => e.type === "private");
  assert.equal(got.text, "third");
  assert.deepEqual(await offlineTexts(carol), ["third"]);
});

Deno.test("the offline list leaves out messages from users blocked since", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("tell carol unwanted");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await bob.command("tell carol wanted");
  await using carol = await LineClient.json(t.port, "carol", "c");
  await carol.nextEvent((e) => e.type === "private" && e.text === "wanted");
  await carol.command("block alice");
  const list = await carol.command("offline");
  assert.deepEqual(keptTexts(list), ["wanted"]);
  assert.doesNotMatch(String(list.text), /unwanted/);
});

Deno.test("shout reaches everyone online but those who block the shouter", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await using carol = await LineClient.json(t.port, "carol", "c");
  await carol.command("block alice");
  const reply = await alice.command("broadcast hello all");
  assert.deepEqual(reply.data, { reached: 2 }, "the count does not reveal carol's block");
  const got = await bob.nextEvent((e) => e.type === "broadcast");
  assert.deepEqual([got.from, got.text], ["alice", "hello all"]);
  await carol.command("who");
  assert.ok(!carol.lines.some((line) => line.includes("hello all")));
});

Deno.test("a blocked user's room lines and tells never arrive; tell gets BLOCKED", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  assert.equal((await alice.command("block bob")).command, "block");
  assert.equal((await alice.command("block alice")).code, "BAD_FORMAT");
  assert.equal((await alice.command("block ghost")).code, "NO_SUCH_USER");
  await bob.send("can you hear me");
  assert.equal((await bob.command("tell alice hello")).code, "BLOCKED");
  const ping = await bob.command("ping alice");
  assert.deepEqual(ping.data, { user: "alice", online: true, blocksYou: true });
  assert.deepEqual((await alice.command("blocks")).data, ["bob"]);
  await alice.command("unblock bob");
  await bob.send("and now?");
  const heard = await alice.nextEvent((e) => e.type === "message");
  assert.equal(heard.text, "and now?", "the line sent while blocked never arrived");
});

Deno.test("info, status and ping describe a user; wholasthr lists recent logins", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  assert.equal((await alice.command("info")).text, "you have no info text");
  await alice.command("info likes \x1b[31mred\x1b[0m tea");
  const status = await alice.command("status alice");
  const data = status.data as Record<string, unknown>;
  assert.equal(data.info, "likes [31mred[0m tea", "escape bytes are removed");
  assert.equal(data.online, true);
  assert.equal(typeof data.lastLogin, "string");
  const carol = await alice.command("status carol");
  assert.deepEqual((carol.data as Record<string, unknown>).state, "offline");
  assert.equal((await alice.command("status ghost")).code, "NO_SUCH_USER");
  assert.deepEqual((await alice.command("ping bob")).data, {
    user: "bob",
    online: false,
    blocksYou: false,
  });
  const recent = await alice.command("wholasthr");
  assert.deepEqual((recent.data as { user: string }[]).map((e) => e.user), ["alice"]);
});

Deno.test("status in text mode gives a last login as a local date and time", async () => {
  await using t = await startTestServer(USERS);
  {
    await using bob = await LineClient.json(t.port, "bob", "b");
    await bob.command("logout");
  }
  await using alice = await LineClient.connect(t.port);
  await alice.send("login alice a");
  await alice.expect("welcome, alice");
  await alice.send("status bob");
  const line = await alice.expect("last login");
  assert.match(line, /last login \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\W|$)/);
});

Deno.test("blocks, info and offline messages survive a server restart", async () => {
  await using tmp = await tempDir("parley-restart-");
  {
    await using t = await startTestServer(USERS, {}, tmp.dir);
    await using alice = await LineClient.json(t.port, "alice", "a");
    await alice.command("block bob");
    await alice.command("info back soon");
    await alice.command("tell carol kept across restarts");
  }
  await using t = await startTestServer({}, {}, tmp.dir);
  await using bob = await LineClient.json(t.port, "bob", "b");
  assert.equal((await bob.command("tell alice hi")).code, "BLOCKED");
  const status = await bob.command("status alice");
  assert.equal((status.data as Record<string, unknown>).info, "back soon");
  await using carol = await LineClient.json(t.port, "carol", "c");
  const kept = await carol.nextEvent((e) => e.type === "private");
  assert.equal(kept.text, "kept across restarts");
});
