/**
 * History over real sockets: every kept line has an id and a millisecond time that stay the same
 * when it is shown again; join replay (order, marker, limit, blocks); every `history` form with
 * exclusive bounds and ties; who may read what; search with the same rules; bad input; and
 * `--history off`.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { FLUSH_MS } from "../../lib/server/history_store.ts";
import { makeUsersDir, serverArgs, ServerProcess, startTestServer } from "../helpers/server.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };
type Event = Awaited<ReturnType<LineClient["nextEvent"]>>;

/** The history events a command sent, until its reply. */
async function historyOf(
  client: LineClient,
  line: string,
): Promise<{ lines: Event[]; reply: Event }> {
  await client.send(line);
  const lines: Event[] = [];
  while (true) {
    const event = await client.nextEvent((e) =>
      e.history === true || e.type === "reply" || e.type === "error"
    );
    if (event.type === "reply" || event.type === "error") return { lines, reply: event };
    lines.push(event);
  }
}

/** Says `count` lines in alice's current room and waits until bob has heard the last. */
async function say(alice: LineClient, bob: LineClient, texts: string[]): Promise<Event[]> {
  const heard: Event[] = [];
  for (const text of texts) await alice.send(text);
  while (heard.length < texts.length) {
    heard.push(await bob.nextEvent((e) => e.type === "message" && e.history !== true));
  }
  return heard;
}

Deno.test("every room line, private message and shout carries an id and a millisecond time", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  const [line] = await say(alice, bob, ["hello"]);
  await alice.command("tell bob psst");
  const told = await bob.nextEvent((e) => e.type === "private");
  await alice.command("shout all");
  const shout = await bob.nextEvent((e) => e.type === "broadcast");
  const ids = [line!.id, told.id, shout.id];
  for (const id of ids) assert.match(String(id), /^[0-9a-z]+$/);
  assert.equal(new Set(ids).size, 3, "unique");
  assert.match(String(line!.time), /\.\d{3}Z$/);
  const again = await historyOf(bob, "history lobby");
  assert.deepEqual(again.lines.map((e) => [e.id, e.time, e.text]), [[
    line!.id,
    line!.time,
    "hello",
  ]]);
  assert.equal((await historyOf(bob, "history alice")).lines[0]!.id, told.id);
  assert.equal((await historyOf(bob, "history *")).lines[0]!.id, shout.id);
});

Deno.test("joining replays the room's last lines in order, as history, then a marker; blocks apply", async () => {
  await using t = await startTestServer(USERS, { joinReplay: 3 });
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await say(alice, bob, ["one", "two", "three", "four"]);
  await bob.send("from bob");
  await alice.nextEvent((e) => e.text === "from bob");
  await using carol = await LineClient.json(t.port, "carol", "c");
  await carol.command("block bob");
  await carol.send("join lobby");
  const replayed: Event[] = [];
  const marker = await carol.nextEvent((e) => {
    if (e.history === true) replayed.push(e);
    return e.type === "notice" && e.kind === "history";
  });
  assert.deepEqual(replayed.map((e) => e.text), ["two", "three", "four"], "bob's line left out");
  assert.equal(marker.room, "lobby");
  assert.match(String(marker.text), /end of history: 3 earlier lines of lobby/);
  // Live lines come after the marker and are not marked.
  await alice.send("live");
  const live = await carol.nextEvent((e) => e.type === "message");
  assert.deepEqual([live.text, live.history], ["live", undefined]);
});

Deno.test("history forms: latest N, before, after and around an id, with exclusive bounds", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  const texts = Array.from({ length: 10 }, (_, i) => `line ${i}`);
  const said = await say(alice, bob, texts);
  const ids = said.map((e) => String(e.id));
  const text = (r: { lines: Event[] }) => r.lines.map((e) => e.text);
  assert.deepEqual(text(await historyOf(bob, "history lobby 3")), ["line 7", "line 8", "line 9"]);
  assert.deepEqual(text(await historyOf(bob, `history lobby before ${ids[5]} 2`)), [
    "line 3",
    "line 4",
  ]);
  assert.deepEqual(text(await historyOf(bob, `history lobby after ${ids[5]} 2`)), [
    "line 6",
    "line 7",
  ]);
  assert.deepEqual(text(await historyOf(bob, `history lobby around ${ids[5]} 3`)), [
    "line 4",
    "line 5",
    "line 6",
  ]);
  const after = await historyOf(bob, `history lobby after ${ids[9]}`);
  assert.deepEqual([after.lines.length, after.reply.text], [0, "0 lines of lobby: nothing there"]);
  // Lines said in the same millisecond still have one order: their ids'.
  const all = (await historyOf(bob, "history lobby 100")).lines.map((e) => String(e.id));
  assert.deepEqual(all, ids);
  assert.deepEqual([...all].sort((a, b) => parseInt(a, 36) - parseInt(b, 36)), ids);
});

Deno.test("history and search read only what the reader may: members, the two people, no blocked lines", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await using carol = await LineClient.json(t.port, "carol", "c");
  await alice.command("start secret plans");
  await bob.command("join secret plans");
  await say(alice, bob, ["the heist is at noon"]);
  await alice.command("tell bob bring the van");
  await bob.nextEvent((e) => e.type === "private");
  const outside = await historyOf(carol, 'history "secret plans"');
  assert.equal(outside.reply.code, "NOT_IN_ROOM");
  const theirs = await historyOf(carol, "history alice");
  assert.deepEqual(theirs.lines, [], "carol's own conversation with alice is empty");
  const found = await historyOf(carol, "search heist van");
  assert.deepEqual(found.lines, []);
  assert.equal((await historyOf(carol, "search heist")).lines.length, 0);
  assert.equal((await historyOf(bob, "search heist")).lines[0]?.text, "the heist is at noon");
  assert.equal((await historyOf(bob, "search van")).lines[0]?.text, "bring the van");
  await bob.command("block alice");
  assert.deepEqual((await historyOf(bob, 'history "secret plans"')).lines, []);
  assert.deepEqual((await historyOf(bob, "search heist")).lines, []);
});

Deno.test("bad history and search input gets a clear error or a clamped answer, never an exception", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("join lobby");
  for (let i = 0; i < 3; i++) await alice.send(`x ${i}`);
  const code = async (line: string) => (await historyOf(alice, line)).reply.code;
  for (
    const line of ["history lobby 0", "history lobby -3", "history lobby abc", "history lobby 3 4"]
  ) {
    assert.equal(await code(line), "BAD_FORMAT", line);
  }
  for (
    const line of [
      "history lobby before",
      "history lobby before NOT-AN-ID",
      "history lobby after zzzzzzzzzzzzzzzzz",
    ]
  ) {
    assert.equal(await code(line), "BAD_FORMAT", line);
  }
  assert.equal(await code("history nowhere"), "NO_SUCH_ROOM");
  const clamped = await historyOf(alice, "history lobby 99999");
  assert.equal(clamped.reply.type, "reply");
  assert.equal(await code("search"), "BAD_FORMAT");
  assert.equal(await code(`search ${"w".repeat(300)}`), "BAD_FORMAT");
  assert.equal(
    await code(`search ${Array.from({ length: 11 }, (_, i) => `w${i}`).join(" ")}`),
    "BAD_FORMAT",
  );
  for (const query of ['"', "*", "NEAR", "-x", "a OR b", "x\u0000y", "(", "^", "col:x"]) {
    const reply = (await historyOf(alice, `search ${query}`)).reply;
    assert.ok(reply.type === "reply" || reply.code === "BAD_FORMAT", `${query}: ${reply.text}`);
  }
  const help = await alice.command("help history");
  assert.match(String(help.text), /at most 100/);
});

Deno.test("--history off keeps nothing and says so, and lines still carry ids", async () => {
  await using t = await startTestServer(USERS, { history: false });
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  const [line] = await say(alice, bob, ["not kept"]);
  assert.match(String(line!.id), /^[0-9a-z]+$/);
  assert.equal((await historyOf(bob, "history lobby")).reply.code, "FORBIDDEN");
  assert.equal(await Deno.stat(`${t.config.dataDir}/history.db`).catch(() => null), null);
});

Deno.test("kill -9 during a burst loses at most the lines of the last write window", async () => {
  await using users = await makeUsersDir({ alice: "a", bob: "b" }, "parley-history-");
  const server = await ServerProcess.start(serverArgs(users.dir, "--rate", "0"));
  const heard: { text: string; at: number }[] = [];
  let killedAt = 0;
  try {
    const alice = await LineClient.json(server.port, "alice", "a");
    const bob = await LineClient.json(server.port, "bob", "b");
    await alice.command("join lobby");
    await bob.command("join lobby");
    // Lines go out one at a time as bob hears them, for ~600 ms, then the server is killed.
    const started = Date.now();
    for (let i = 0; Date.now() - started < 600 && i < 5000; i++) {
      await alice.send(`burst ${i}`);
      const event = await bob.nextEvent((e) => e.type === "message");
      heard.push({ text: String(event.text), at: Date.now() });
    }
    killedAt = Date.now();
    await server.stop("SIGKILL");
    await alice.close();
    await bob.close();
  } finally {
    await server[Symbol.asyncDispose]();
  }
  const again = await ServerProcess.start(serverArgs(users.dir, "--join-replay", "0"));
  try {
    const bob = await LineClient.json(again.port, "bob", "b");
    await bob.command("join lobby");
    const kept = (await historyOf(bob, "history lobby 100")).lines.map((e) => String(e.text));
    const newest = heard.findIndex((h) => h.text === kept.at(-1));
    assert.ok(newest >= 0, "something was kept");
    // No gap among the newest lines kept, and every line after them was heard within the window.
    assert.deepEqual(kept, heard.slice(Math.max(0, newest - 99), newest + 1).map((h) => h.text));
    const lost = heard.slice(newest + 1);
    const window = FLUSH_MS * 2; // a batch waits at most FLUSH_MS; the other half is slack
    console.log(
      `kill -9 after ${heard.length} lines (one every ${(600 / heard.length).toFixed(2)} ms): ` +
        `${lost.length} lost, the oldest of them heard ` +
        `${lost.length ? killedAt - lost[0]!.at : 0} ms before the kill (window ${FLUSH_MS} ms)`,
    );
    assert.ok(lost.every((h) => killedAt - h.at <= window), "only the last window was lost");
    await bob.close();
  } finally {
    await again[Symbol.asyncDispose]();
  }
});

Deno.test("a renamed user's lines and private conversations follow the new name", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await say(alice, bob, ["said as alice"]);
  await alice.command("tell bob between us");
  await bob.nextEvent((e) => e.type === "private");
  assert.equal((await alice.command("rename alicia a")).type, "reply");
  const room = await historyOf(bob, "history lobby");
  assert.deepEqual(room.lines.map((e) => [e.from, e.text]), [["alicia", "said as alice"]]);
  const pair = await historyOf(bob, "history alicia");
  assert.deepEqual(pair.lines.map((e) => [e.from, e.to, e.text]), [[
    "alicia",
    "bob",
    "between us",
  ]]);
});

Deno.test("a room opened again under a closed room's name has none of its history", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("start secret plans");
  await bob.command("join secret plans");
  await say(alice, bob, ["the code is swordfish"]);
  await alice.command("leave secret plans"); // the room closes
  await using carol = await LineClient.json(t.port, "carol", "c");
  await carol.command("start secret plans");
  const old = await historyOf(carol, 'history "secret plans"');
  assert.deepEqual(old.lines, [], "the new room's history starts empty");
  assert.deepEqual((await historyOf(carol, "search swordfish")).lines, []);
  await carol.send("a new line");
  await carol.command("who");
  assert.deepEqual(
    (await historyOf(carol, 'history "secret plans"')).lines.map((e) => e.text),
    ["a new line"],
  );
});

Deno.test("a telnet user, who sees no ids, pages back with the command each page ends with", async () => {
  await using t = await startTestServer(USERS, { joinReplay: 2 });
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("start big topic");
  await bob.command("join big topic");
  await say(alice, bob, ["one", "two", "three", "four", "five"]);
  await using carol = await LineClient.connect(t.port);
  await carol.send("login carol c");
  await carol.expect("welcome, carol");
  await carol.send("join big topic");
  const marker = await carol.expect("end of history");
  const next = /\(older: (history "big topic" before \w+)\)/.exec(marker)?.[1];
  assert.ok(next, marker);
  await carol.send(`${next} 2`);
  const page = await carol.expect("2 lines of big topic");
  assert.ok(carol.lines.some((line) => / \d\d:\d\d:\d\d two$/.test(line)), "the page before");
  await carol.send(/\(older: (history .*)\)/.exec(page)![1]!);
  assert.match(await carol.expect("1 line of big topic"), /older: history "big topic" before/);
  assert.ok(carol.lines.some((line) => / \d\d:\d\d:\d\d one$/.test(line)));
});

Deno.test("a private line is found by search at once, before its batch is written", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("tell bob the first word between us");
  const found = await historyOf(bob, "search first word");
  assert.deepEqual(found.lines.map((e) => e.text), ["the first word between us"]);
});
