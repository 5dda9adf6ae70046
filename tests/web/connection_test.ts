/**
 * The web client's connection state machine and page model, driven by inputs and events as the
 * browser would deliver them; no socket, no timer, no DOM.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { WireEvent } from "../../lib/shared/protocol.ts";
import { closeReason, Connection, type Effect, MAX_QUEUED } from "../../web/src/connection.ts";
import { ChatModel, privateKey, roomKey } from "../../web/src/model.ts";

const T = "2026-11-23T21:04:05.000Z";

function reply(command: string, data?: unknown, text = "ok"): WireEvent {
  return { type: "reply", command, text, data, from: "*", time: T } as WireEvent;
}
function error(command: string, code: string, text = "no"): WireEvent {
  return { type: "error", command, code, text, from: "*", time: T } as WireEvent;
}
function notice(kind: string, fields: Record<string, string> = {}): WireEvent {
  return { type: "notice", kind, text: kind, from: "*", time: T, ...fields } as WireEvent;
}
const login = (rooms: string[] = [], current: string | null = null, resumed = false) =>
  reply("login", { user: "alice", guest: false, rooms, current, resumed });
const roomsData = (room: string, rooms: string[], current: string | null) => ({
  room,
  rooms,
  current,
});

const sent = (effects: Effect[]) => effects.flatMap((e) => e.type === "send" ? [e.line] : []);
const of = <T extends Effect["type"]>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

/** A machine logged in as alice in lobby and den (current den). */
function loggedIn(): Connection {
  const c = new Connection({ backoff: { random: () => 0.5 }, now: () => 1000 });
  c.handle({ type: "start" });
  c.handle({ type: "opened" });
  assert.deepEqual(sent(c.login("alice", "pw")), ["login alice pw"]);
  const results = of(c.handle({ type: "event", event: login() }), "login-result");
  assert.equal(results[0]?.ok, true);
  c.submit({ line: "join lobby", command: "join" });
  c.handle({ type: "event", event: reply("join", roomsData("lobby", ["lobby"], "lobby")) });
  c.submit({ line: "join den", command: "join" });
  c.handle({ type: "event", event: reply("join", roomsData("den", ["lobby", "den"], "den")) });
  assert.equal(c.status.phase, "ready");
  return c;
}

Deno.test("connecting, logging in, and a failed login reported in the server's code", () => {
  const c = new Connection();
  assert.deepEqual(c.handle({ type: "start" }).map((e) => e.type), ["open", "status"]);
  assert.equal(c.status.phase, "connecting");
  assert.equal(of(c.login("alice", "pw"), "login-result")[0]?.ok, false);
  c.handle({ type: "opened" });
  assert.equal(c.status.phase, "open");
  c.login("alice", "bad");
  const effects = c.handle({ type: "event", event: error("login", "LOGIN_FAILED") });
  assert.deepEqual(of(effects, "login-result")[0], {
    type: "login-result",
    ok: false,
    text: "no",
    code: "LOGIN_FAILED",
  });
  assert.equal(of(effects, "deliver")[0]?.internal, true);
  assert.equal(c.loggedIn, false);
  assert.equal(c.status.phase, "open");
});

Deno.test("a lost connection waits 3 s, 6 s … with jitter, then logs in and re-enters rooms", () => {
  const c = loggedIn();
  const lost = c.handle({ type: "closed", code: 1006, reason: "" });
  assert.equal(of(lost, "timer")[0]?.ms, 3000);
  assert.match(
    of(lost, "local")[0]!.text,
    /connection lost: the connection to the server was lost/,
  );
  assert.equal(c.status.phase, "waiting");
  assert.equal(c.status.retryAt, 4000);
  // Lines typed meanwhile are queued, then sent after the rooms are back.
  assert.equal(c.submit({ line: "hello", room: "den" }).outcome, "queued");
  assert.equal(c.status.queued, 1);
  assert.deepEqual(c.handle({ type: "timer" }).map((e) => e.type), ["open", "status"]);
  // The server is still down: the next wait is longer.
  assert.equal(of(c.handle({ type: "closed", code: 1006, reason: "" }), "timer")[0]?.ms, 6000);
  assert.match(c.status.reason!, /not reachable/);
  c.handle({ type: "timer" });
  assert.deepEqual(sent(c.handle({ type: "opened" })), ["login alice pw"]);
  assert.equal(c.status.phase, "restoring");
  const rejoin = c.handle({ type: "event", event: login() });
  assert.deepEqual(sent(rejoin), ["join lobby", "join den"]);
  c.handle({ type: "event", event: reply("join", roomsData("lobby", ["lobby"], "lobby")) });
  const done = c.handle({
    type: "event",
    event: reply("join", roomsData("den", ["lobby", "den"], "den")),
  });
  assert.deepEqual(sent(done), ["hello"]);
  assert.match(of(done, "local")[0]!.text, /connection is back: logged in as alice; in lobby, den/);
  assert.equal(c.status.phase, "ready");
  // All of the restore's answers were the machine's own.
  assert.ok(of(done, "deliver").every((d) => d.internal));
});

Deno.test("a room the restarted server forgot is opened again, then the current one is made current", () => {
  const c = loggedIn();
  c.handle({ type: "closed", code: 1006, reason: "" });
  c.handle({ type: "timer" });
  c.handle({ type: "opened" });
  c.handle({ type: "event", event: login() });
  c.handle({ type: "event", event: reply("join", roomsData("lobby", ["lobby"], "lobby")) });
  const retry = c.handle({ type: "event", event: error("join", "NO_SUCH_ROOM") });
  assert.deepEqual(sent(retry), ["start den", "switch den"]);
  c.handle({ type: "event", event: reply("start", roomsData("den", ["lobby", "den"], "den")) });
  const done = c.handle({
    type: "event",
    event: reply("switch", roomsData("den", ["lobby", "den"], "den")),
  });
  assert.equal(c.status.phase, "ready");
  assert.match(of(done, "local")[0]!.text, /connection is back/);
});

Deno.test("a resumed session re-joins nothing", () => {
  const c = loggedIn();
  c.handle({ type: "closed", code: 1006, reason: "" });
  c.handle({ type: "timer" });
  c.handle({ type: "opened" });
  const effects = c.handle({ type: "event", event: login(["lobby", "den"], "den", true) });
  assert.deepEqual(sent(effects), []);
  assert.equal(c.status.phase, "ready");
});

Deno.test("offline: no timer, the online event reconnects at once", () => {
  const c = loggedIn();
  c.handle({ type: "offline" });
  const effects = c.handle({ type: "closed", code: 1006, reason: "" });
  assert.equal(of(effects, "timer").length, 0);
  assert.equal(c.status.phase, "offline");
  assert.deepEqual(c.handle({ type: "timer" }), []);
  assert.ok(c.handle({ type: "online" }).some((e) => e.type === "open"));
  // Going offline while waiting stops the timer too.
  const d = loggedIn();
  d.handle({ type: "closed", code: 1006, reason: "" });
  assert.ok(d.handle({ type: "offline" }).some((e) => e.type === "cancel-timer"));
  assert.equal(d.status.phase, "offline");
});

Deno.test("takeover stops reconnecting until asked; shutdown is said in words", () => {
  const c = loggedIn();
  c.handle({ type: "event", event: notice("takeover") });
  const effects = c.handle({ type: "closed", code: 1000, reason: "" });
  assert.equal(of(effects, "timer").length, 0);
  assert.equal(c.status.phase, "stopped");
  assert.equal(c.submit({ line: "hi" }).outcome, "refused");
  assert.ok(c.handle({ type: "retry" }).some((e) => e.type === "open"));

  const d = loggedIn();
  d.handle({ type: "event", event: notice("shutdown", { text: "the server is shutting down" }) });
  d.handle({ type: "closed", code: 1000, reason: "" });
  assert.equal(d.status.reason, "the server is shutting down");
  assert.equal(closeReason(true, 1013, "", undefined, true), "the server has too many connections");
});

Deno.test("at most 100 lines wait; the next is refused with a message", () => {
  const c = loggedIn();
  c.handle({ type: "closed", code: 1006, reason: "" });
  for (let i = 0; i < MAX_QUEUED; i++) assert.equal(c.submit({ line: `l${i}` }).outcome, "queued");
  const refused = c.submit({ line: "one too many" });
  assert.equal(refused.outcome, "refused");
  assert.match(of(refused.effects, "local")[0]!.text, /100 lines are already waiting/);
  // Not logged in at all: refused, not queued.
  const fresh = new Connection();
  assert.equal(fresh.submit({ line: "hi" }).outcome, "refused");
});

Deno.test("a room line goes to its room: switch first when the server speaks elsewhere", () => {
  const c = loggedIn();
  assert.deepEqual(sent(c.submit({ line: "hi den", room: "den" }).effects), ["hi den"]);
  assert.deepEqual(sent(c.submit({ line: "hi lobby", room: "lobby" }).effects), [
    "switch lobby",
    "hi lobby",
  ]);
  assert.deepEqual(sent(c.submit({ line: "again", room: "lobby" }).effects), ["again"]);
  // The switch's answer is the machine's own.
  const effects = c.handle({
    type: "event",
    event: reply("switch", roomsData("lobby", ["lobby", "den"], "lobby")),
  });
  assert.equal(of(effects, "deliver")[0]?.internal, true);
});

Deno.test("register from a guest logs in with the new account", () => {
  const c = new Connection();
  c.handle({ type: "start" });
  c.handle({ type: "opened" });
  c.login("guest");
  c.handle({
    type: "event",
    event: reply("login", { user: "guest", guest: true, rooms: [], current: null }),
  });
  assert.deepEqual(sent(c.register("carol", "pw3")), ["register carol pw3"]);
  const effects = c.handle({ type: "event", event: reply("register", { user: "carol" }) });
  assert.deepEqual(sent(effects), ["login carol pw3"]);
  const done = c.handle({
    type: "event",
    event: reply("login", { user: "carol", guest: false, rooms: [], current: null }),
  });
  assert.equal(of(done, "login-result")[0]?.ok, true);
  assert.deepEqual(c.session.credentials, { user: "carol", password: "pw3" });
});

Deno.test("logout opens a fresh connection for the next login", () => {
  const c = loggedIn();
  assert.deepEqual(sent(c.logout()), ["logout"]);
  assert.equal(c.loggedIn, false);
  assert.ok(c.handle({ type: "closed", code: 1000, reason: "" }).some((e) => e.type === "open"));
});

Deno.test("the model: rooms, unread counts, private conversations, members, blocks, closed rooms", () => {
  const m = new ChatModel();
  m.apply(login(), true);
  assert.equal(m.me, "alice");
  m.apply(reply("join", roomsData("lobby", ["lobby"], "lobby")), false);
  assert.equal(m.activeKey, roomKey("lobby"));
  m.apply(reply("join", roomsData("den", ["lobby", "den"], "den")), false);
  m.apply(
    reply("who", [
      { user: "alice", rooms: ["lobby", "den"], current: "den", online: true },
      { user: "bob", rooms: ["lobby"], current: "lobby", online: true },
    ]),
    true,
  );
  assert.deepEqual(m.membersOf("lobby").map((x) => x.name), ["alice", "bob"]);
  m.apply({ type: "message", from: "bob", room: "lobby", text: "hi", time: T }, false);
  const mention = m.apply(
    { type: "message", from: "bob", room: "lobby", text: "alice: look", time: T },
    false,
  );
  assert.ok(mention.alert);
  assert.equal(m.conversation(roomKey("lobby"))!.unread, 2);
  assert.equal(m.conversation(roomKey("lobby"))!.mentions, 1);
  m.select(roomKey("lobby"));
  assert.equal(m.conversation(roomKey("lobby"))!.unread, 0);
  // Private and offline messages get their own conversation.
  const p = m.apply({
    type: "private",
    from: "carol",
    to: "alice",
    text: "kept",
    offline: true,
    time: T,
  } as WireEvent, false);
  assert.equal(p.alert?.key, privateKey("carol"));
  assert.equal(m.conversation(privateKey("carol"))!.lines[0]!.offline, true);
  assert.equal(m.conversation(privateKey("carol"))!.unread, 1);
  m.apply(reply("tell", { to: "carol", text: "thanks", offline: false }), false);
  assert.equal(m.conversation(privateKey("carol"))!.lines.at(-1)!.own, true);
  // Presence from notices.
  m.apply(notice("lost", { room: "lobby", user: "bob" }), false);
  assert.equal(m.membersOf("lobby").find((x) => x.name === "bob")!.presence, "reconnecting");
  m.apply(notice("leave", { room: "lobby", user: "bob" }), false);
  assert.deepEqual(m.membersOf("lobby").map((x) => x.name), ["alice"]);
  // Blocks hide lines (the page filters on isBlocked).
  m.apply(reply("block", { user: "Bob", blocked: true }), false);
  assert.ok(m.isBlocked("bob"));
  m.apply(reply("unblock", { user: "bob", blocked: false }), false);
  assert.ok(!m.isBlocked("bob"));
  // A room closed by its leader.
  m.apply(notice("closed", { room: "den", text: "room den closed: its leader left" }), false);
  const den = m.conversation(roomKey("den"))!;
  assert.equal(den.joined, false);
  assert.match(den.closed!, /closed/);
  m.close(den.key);
  assert.equal(m.conversation(den.key), undefined);
  // Leaving a room removes it from the list.
  m.apply(reply("leave", roomsData("lobby", [], null)), false);
  assert.equal(m.conversation(roomKey("lobby")), undefined);
  assert.equal(m.activeKey, "server");
});
