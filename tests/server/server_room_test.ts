/**
 * Rooms over the wire: create, start, rooms, enter, join, switch, leave, say, plain lines, and the
 * notices members get when someone enters, leaves, loses their connection or closes a room.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };

Deno.test("members are told when someone enters and leaves, and hear plain lines", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  const joined = await alice.command("join lobby");
  assert.deepEqual(joined.data, { room: "lobby", rooms: ["lobby"], current: "lobby" });
  await bob.command("join lobby");
  const entered = await alice.nextEvent((e) => e.type === "notice");
  assert.equal(entered.kind, "enter");
  assert.equal(entered.text, "bob entered lobby");
  await bob.send("hello alice");
  const message = await alice.nextEvent((e) => e.type === "message");
  assert.deepEqual([message.from, message.room, message.text], ["bob", "lobby", "hello alice"]);
  await bob.command("leave");
  const left = await alice.nextEvent((e) => e.type === "notice");
  assert.equal(left.text, "bob left lobby");
});

Deno.test("a room message shows sender, time and text in that order in text mode", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.connect(t.port);
  await alice.send("login alice a");
  await alice.send("join lobby");
  await alice.expect("you joined lobby");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await bob.command("join lobby");
  await bob.send("hi there");
  assert.match(await alice.expect("hi there"), /^bob@lobby \d\d:\d\d:\d\d hi there$/);
});

Deno.test("the sender does not get their own line back, and a blank line is ignored", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.send("   ");
  await alice.send("first");
  await bob.nextEvent((e) => e.type === "message" && e.text === "first");
  await alice.command("who");
  assert.ok(!alice.lines.some((line) => line.includes('"type":"message"')));
});

Deno.test("a line with no current room is UNKNOWN_COMMAND saying how to join", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  const error = await alice.command("hello?");
  assert.equal(error.code, "UNKNOWN_COMMAND");
  assert.match(String(error.text), /join lobby/);
});

Deno.test("create opens a one-word room led by its creator, who leaves other rooms", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("join lobby");
  const created = await alice.command("create games");
  assert.deepEqual(created.data, { room: "games", rooms: ["games"], current: "games" });
  assert.equal((await alice.command("create games")).code, "ROOM_EXISTS");
  assert.equal(
    (await alice.command("create Games")).code,
    "ROOM_EXISTS",
    "names are case-insensitive",
  );
  assert.equal((await alice.command("create two words")).code, "BAD_FORMAT");
  assert.equal((await alice.command("create 42")).code, "BAD_FORMAT", "numbers name rooms already");
  const rooms = await alice.command("rooms");
  assert.deepEqual(rooms.data, [
    { id: 1, name: "lobby", leader: null, members: 0 },
    { id: 2, name: "games", leader: "alice", members: 1 },
  ]);
});

Deno.test("start names a room by a whole topic; rooms can be named by number", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  const started = await alice.command("start  deno   and rust ");
  assert.deepEqual(started.data, {
    room: "deno and rust",
    rooms: ["lobby", "deno and rust"],
    current: "deno and rust",
  });
  assert.equal((await bob.command("join 2")).command, "join");
  assert.equal(
    (await bob.command("join deno and rust")).command,
    "join",
    "joining again is harmless",
  );
  await bob.send("say 2 by number");
  const heard = await alice.nextEvent((e) => e.type === "message");
  assert.equal(heard.room, "deno and rust");
});

Deno.test("a user can be in several rooms; say, switch and leave choose among them", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await bob.command("create games");
  await bob.command("join lobby");
  await alice.command("join lobby");
  await alice.command("join games");
  assert.deepEqual((await alice.command("switch lobby")).data, {
    room: "lobby",
    rooms: ["lobby", "games"],
    current: "lobby",
  });
  await alice.send("in the lobby");
  assert.equal((await bob.nextEvent((e) => e.type === "message")).room, "lobby");
  await alice.send("say games in games");
  assert.equal((await bob.nextEvent((e) => e.type === "message")).room, "games");
  assert.equal((await alice.command("cd games")).command, "switch");
  const left = await alice.command("leave games");
  assert.deepEqual(left.data, { room: "games", rooms: ["lobby"], current: "lobby" });
  assert.equal((await alice.command("say games hello")).code, "NOT_IN_ROOM");
  assert.equal((await alice.command("switch games")).code, "NOT_IN_ROOM");
  assert.equal((await alice.command("leave games")).code, "NOT_IN_ROOM");
  assert.equal((await alice.command("join nowhere")).code, "NO_SUCH_ROOM");
  assert.equal((await alice.command("say nowhere hi")).code, "NO_SUCH_ROOM");
});

Deno.test("enter leaves every other room, so the user is in exactly one", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await bob.command("start chess club");
  await alice.command("join lobby");
  await alice.command("join chess club");
  const entered = await alice.command("enter lobby");
  assert.deepEqual(entered.data, { room: "lobby", rooms: ["lobby"], current: "lobby" });
  const left = await bob.nextEvent((e) => e.type === "notice" && e.kind === "leave");
  assert.equal(left.text, "alice left chess club");
});

Deno.test("the leader leaving closes the room and every member is told", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("create games");
  await bob.command("join lobby");
  await bob.command("join games");
  await alice.command("leave");
  const closed = await bob.nextEvent((e) => e.type === "notice" && e.kind === "closed");
  assert.equal(closed.room, "games");
  assert.match(String(closed.text), /closed: its leader alice left/);
  const rooms = await bob.command("rooms");
  assert.deepEqual((rooms.data as { name: string }[]).map((r) => r.name), ["lobby"]);
  const status = await bob.command("status");
  assert.deepEqual((status.data as { rooms: string[] }).rooms, ["lobby"], "bob is left in lobby");
});

Deno.test("the leader logging out closes the room; the lobby never closes", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("create games");
  await bob.command("join games");
  await alice.command("logout");
  const left = await bob.nextEvent((e) => e.type === "notice");
  assert.equal(left.text, "alice left games");
  await bob.nextEvent((e) => e.type === "notice" && e.kind === "closed");
  await bob.command("join lobby");
  await bob.command("leave lobby");
  assert.equal((await bob.command("join lobby")).command, "join");
});

Deno.test("a lost connection is told to the room at once", async () => {
  await using t = await startTestServer(USERS, { grace: 0 });
  await using alice = await LineClient.json(t.port, "alice", "a");
  const bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.nextEvent((e) => e.kind === "enter");
  await bob.close();
  const lost = await alice.nextEvent((e) => e.type === "notice");
  assert.equal(lost.kind, "lost");
  assert.match(String(lost.text), /^bob lost connection/);
});

Deno.test("who lists everyone online with their rooms; whoelse leaves me out", async () => {
  await using t = await startTestServer(USERS);
  await using alice = await LineClient.json(t.port, "alice", "a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  const who = await bob.command("who");
  assert.deepEqual(who.data, [
    { user: "alice", rooms: ["lobby"], current: "lobby", online: true },
    { user: "bob", rooms: [], current: null, online: true },
  ]);
  const whoelse = await bob.command("whoelse");
  assert.deepEqual((whoelse.data as { user: string }[]).map((e) => e.user), ["alice"]);
  await bob.send("who is there?");
  const error = await bob.nextEvent((e) => e.type === "error");
  assert.equal(error.code, "UNKNOWN_COMMAND", "who with more words is chat, and bob is in no room");
});
