/**
 * Lost connections and the grace period: rooms are told at once; a login within the grace
 * resumes the session (back, no enter repeated, no room closed, held lines delivered); after it
 * the user leaves for good and the rooms they led close.
 */
import assert from "node:assert/strict";
import type { WireEvent } from "../../lib/shared/protocol.ts";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

type Event = WireEvent & Record<string, unknown>;

const USERS = { alice: "pa", bob: "pb", carol: "pc" };

function events(lines: string[]): Event[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Event];
    } catch {
      return [];
    }
  });
}

function notice(kind: string, user?: string, room?: string) {
  return (e: Event) =>
    e.type === "notice" && e.kind === kind && (user === undefined || e.user === user) &&
    (room === undefined || e.room === room);
}

Deno.test("a dropped user is announced at once and a login within the grace resumes the session", async () => {
  await using t = await startTestServer(USERS, { grace: 10 });
  const alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  assert.equal((await alice.command("create den")).command, "create");
  assert.equal((await alice.command("join lobby")).command, "join");
  assert.equal((await alice.command("switch den")).command, "switch");
  assert.equal((await bob.command("join den")).command, "join");
  await alice.nextEvent(notice("enter", "bob", "den"));

  await alice.close(); // gone without a logout
  const lost = await bob.nextEvent(notice("lost", "alice", "den"));
  assert.match(String(lost.text), /alice lost connection/);
  const sinceLost = bob.lines.length;
  await bob.send("while you were away");
  await bob.send("say den and this too");
  const rooms = await bob.command("rooms");
  const den = (rooms.data as { name: string; members: number; leader: string }[])
    .find((room) => room.name === "den");
  assert.deepEqual(den && { members: den.members, leader: den.leader }, {
    members: 2,
    leader: "alice",
  }, "the room stays open with alice still in it");

  await using again = await LineClient.connectJson(t.port);
  const login = await again.command("login alice pa");
  assert.equal(login.command, "login");
  assert.deepEqual(login.data, {
    user: "alice",
    guest: false,
    rooms: ["den", "lobby"],
    current: "den",
    resumed: true,
  });
  const first = await again.nextEvent((e) => e.type === "message");
  const second = await again.nextEvent((e) => e.type === "message");
  assert.deepEqual([first.text, second.text], ["while you were away", "and this too"]);
  assert.equal(first.room, "den");

  const back = await bob.nextEvent(notice("back", "alice", "den"));
  assert.match(String(back.text), /alice is back/);
  const between = events(bob.lines.slice(sinceLost)).filter((e) => e.type === "notice");
  assert.deepEqual(between.map((e) => e.kind), ["back"], "no enter, leave or closed notices");

  await again.send("good to be back");
  const heard = await bob.nextEvent((e) => e.type === "message");
  assert.deepEqual([heard.from, heard.text, heard.room], ["alice", "good to be back", "den"]);
  console.log("grace 10 s: lost announced, 2 held lines delivered on resume, back announced");
});

Deno.test("after the grace period the user leaves for good and rooms they led close", async () => {
  await using t = await startTestServer(USERS, { grace: 0.3 });
  const alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await using carol = await LineClient.json(t.port, "carol", "pc");
  await alice.command("create den");
  await alice.command("join lobby");
  await bob.command("join den");
  await carol.command("join lobby");

  const dropped = performance.now();
  await alice.close();
  await bob.nextEvent(notice("lost", "alice", "den"));
  await carol.nextEvent(notice("lost", "alice", "lobby"));
  const closed = await bob.nextEvent(notice("closed", undefined, "den"), 3000);
  const after = performance.now() - dropped;
  assert.match(String(closed.text), /room den closed/);
  await carol.nextEvent(notice("leave", "alice", "lobby"), 3000);
  assert.ok(after >= 250, `the room closed ${after.toFixed(0)} ms after the drop`);
  const roomNames = ((await bob.command("rooms")).data as { name: string }[]).map((r) => r.name);
  assert.deepEqual(roomNames, ["lobby"]);

  await using again = await LineClient.connectJson(t.port);
  const login = await again.command("login alice pa");
  assert.equal((login.data as { resumed: boolean }).resumed, false);
  assert.deepEqual((login.data as { rooms: string[] }).rooms, []);
  console.log(`grace 0.3 s: den closed ${after.toFixed(0)} ms after alice's connection dropped`);
});

Deno.test("a logout is not a lost connection: the user leaves at once", async () => {
  await using t = await startTestServer(USERS, { grace: 30 });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.send("logout");
  const left = await bob.nextEvent((e) => e.type === "notice" && e.user === "alice");
  assert.equal(left.kind, "leave");
  assert.equal(t.server.chat.directory.present("alice") !== undefined, false);
});

Deno.test("lines held for a lost user are bounded by --sendq, the newest kept", async () => {
  await using t = await startTestServer(USERS, { grace: 10, sendq: 8192 });
  const alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.close();
  await bob.nextEvent(notice("lost", "alice"));
  const count = 200;
  for (let i = 0; i < count; i++) await bob.send(`held line ${i} ${"x".repeat(100)}`);
  await bob.command("ping alice"); // every line above has been handled
  const held = t.server.chat.directory.present("alice")!;
  assert.ok(held.heldBytes <= 8192, `${held.heldBytes} bytes held`);
  await using again = await LineClient.connectJson(t.port);
  await again.command("login alice pa");
  await again.nextEvent((e) =>
    e.type === "message" && String(e.text).startsWith(`held line ${count - 1} `)
  );
  const got = events(again.lines).filter((e) => e.type === "message").map((e) => String(e.text));
  assert.ok(got.length > 10 && got.length < count, `${got.length} of ${count} lines kept`);
  const numbers = got.map((text) => Number(text.split(" ")[2]));
  assert.deepEqual(
    numbers,
    numbers.map((_, i) => count - numbers.length + i),
    "the newest, in order",
  );
  // The replay fits the new connection's queue: it is not cut off for what was held for it.
  assert.equal((await again.command("ping bob")).command, "ping");
  assert.ok(!again.closed);
  console.log(`sendq 8 KiB: ${got.length} of ${count} lines held for the resume, the newest kept`);
});

Deno.test("a tell to a user in the grace period is kept in their mailbox, so it survives expiry", async () => {
  await using t = await startTestServer(USERS, { grace: 10 });
  const alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await alice.close();
  await new Promise<void>((resolve) => {
    const poll = () =>
      t.server.chat.directory.present("alice")?.online === false ? resolve() : setTimeout(poll, 5);
    poll();
  });
  const told = await bob.command("tell alice are you there?");
  const { id, ...kept } = told.data as { id: string };
  assert.deepEqual(kept, { to: "alice", text: "are you there?", offline: true });
  assert.match(id, /^[0-9a-z]+$/, "the message id, as history shows it");
  assert.deepEqual(t.server.chat.directory.store.offlineFor("alice").map((m) => m.text), [
    "are you there?",
  ]);
  await using again = await LineClient.connectJson(t.port);
  assert.equal((await again.command("login alice pa")).command, "login");
  const shown = await again.nextEvent((e) => e.type === "private");
  assert.deepEqual([shown.from, shown.text, shown.offline], ["bob", "are you there?", true]);
});
