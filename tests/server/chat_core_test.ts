/**
 * The chat core's rules, driven through in-memory connections (no sockets): rooms and their
 * leaders, blocks on every path, the grace period and its resume, big-room summaries, and what a
 * guest may do.
 */
import assert from "node:assert/strict";
import { memoryChat } from "../helpers/memory_chat.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };

Deno.test("leader leaving closes the room, and every member is told and taken out", async () => {
  await using core = await memoryChat(USERS);
  const alice = await core.connect("alice", "a");
  const bob = await core.connect("bob", "b");
  assert.equal((await alice.command("start a long topic")).type, "reply");
  await bob.command("join lobby");
  const joined = await bob.command("join a long topic");
  assert.deepEqual(joined.data, {
    room: "a long topic",
    rooms: ["lobby", "a long topic"],
    current: "a long topic",
  });
  assert.equal((await alice.command("leave a long topic")).type, "reply");
  const closed = await bob.next((e) => e.type === "notice" && e.kind === "closed");
  assert.equal(closed.text, "room a long topic closed: its leader alice left");
  const rooms = (await bob.command("rooms")).data as { name: string }[];
  assert.deepEqual(rooms.map((room) => room.name), ["lobby"]);
  const state = await bob.command("status bob");
  assert.deepEqual((state.data as { rooms: string[]; current: string }).rooms, ["lobby"]);
  assert.equal((state.data as { current: string }).current, "lobby", "back to the room before");
});

Deno.test("enter leaves every other room, join keeps them, switch moves plain lines", async () => {
  await using core = await memoryChat(USERS);
  const alice = await core.connect("alice", "a");
  const bob = await core.connect("bob", "b");
  await alice.command("join lobby");
  await alice.command("start games");
  assert.deepEqual((await alice.command("join lobby")).data, {
    room: "lobby",
    rooms: ["lobby", "games"],
    current: "lobby",
  });
  await bob.command("join games");
  await alice.command("switch games");
  alice.send("to games");
  const heard = await bob.next((e) => e.type === "message");
  assert.deepEqual([heard.room, heard.text], ["games", "to games"]);
  assert.deepEqual((await bob.command("enter lobby")).data, {
    room: "lobby",
    rooms: ["lobby"],
    current: "lobby",
  });
});

Deno.test("a blocked user's lines, tells and shouts never reach the blocker; the sender learns only of tells", async () => {
  await using core = await memoryChat(USERS);
  const alice = await core.connect("alice", "a");
  const bob = await core.connect("bob", "b");
  const carol = await core.connect("carol", "c");
  for (const client of [alice, bob, carol]) await client.command("join lobby");
  await bob.command("block alice");
  alice.send("room line");
  assert.equal((await alice.command("tell bob hi")).code, "BLOCKED");
  // Counted as reached: a shouter is never told who blocks them.
  assert.deepEqual((await alice.command("shout all")).data, { reached: 2 });
  await carol.next((e) => e.type === "broadcast");
  await bob.command("unblock alice");
  alice.send("after unblock");
  await bob.next((e) => e.type === "message" && e.text === "after unblock");
  const seen = bob.events.map((e) => e.text);
  assert.ok(!seen.includes("room line") && !seen.includes("hi") && !seen.includes("all"));
});

Deno.test("a lost connection is held for the grace period: the rooms are told and a login resumes it", async () => {
  await using core = await memoryChat(USERS, { grace: 5 });
  const alice = await core.connect("alice", "a");
  const bob = await core.connect("bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  core.chat.connectionClosed(bob.session, "connection reset");
  const lost = await alice.next((e) => e.type === "notice" && e.kind === "lost");
  assert.equal(lost.text, "bob lost connection (connection reset)");
  alice.send("while you were away");
  const again = await core.connect();
  const login = await again.command("login bob b");
  assert.equal((login.data as { resumed: boolean }).resumed, true);
  assert.deepEqual((login.data as { rooms: string[] }).rooms, ["lobby"]);
  await again.next((e) => e.type === "message" && e.text === "while you were away");
  assert.equal((await alice.next((e) => e.type === "notice")).text, "bob is back");
});

Deno.test("with no grace, a lost leader's room closes at once", async () => {
  await using core = await memoryChat(USERS, { grace: 0 });
  const alice = await core.connect("alice", "a");
  const bob = await core.connect("bob", "b");
  await alice.command("create games");
  await bob.command("join games");
  core.chat.connectionClosed(alice.session, "connection reset");
  const closed = await bob.next((e) => e.kind === "closed");
  assert.match(String(closed.text), /its leader alice left/);
});

Deno.test("above --big-room members, enter notices are summarised once per period", async () => {
  await using core = await memoryChat(USERS, { bigRoom: 1, summarySeconds: 0.05 });
  const alice = await core.connect("alice", "a");
  await alice.command("join lobby");
  const bob = await core.connect("bob", "b");
  await bob.command("join lobby");
  const carol = await core.connect("carol", "c");
  await carol.command("join lobby");
  const summary = await alice.next((e) => e.type === "notice");
  assert.equal(summary.kind, "summary");
  assert.match(String(summary.text), /lobby: 2 entered \(bob, carol\)/);
});

Deno.test("a guest may list who is here and register, and nothing that needs a user", async () => {
  await using core = await memoryChat(USERS);
  const guest = await core.connect();
  assert.equal((await guest.command("login guest")).type, "reply");
  assert.equal((await guest.command("who")).type, "reply");
  assert.equal((await guest.command("join lobby")).code, "FORBIDDEN");
  assert.equal((await guest.command("tell alice hi")).code, "FORBIDDEN");
  assert.equal((await guest.command("register dave d")).type, "reply");
  const stranger = await core.connect();
  assert.equal((await stranger.command("who")).code, "NOT_LOGGED_IN");
});
