import assert from "node:assert/strict";
import { Backoff, SessionState } from "../../lib/shared/reconnect.ts";
import type { WireEvent } from "../../lib/shared/protocol.ts";

function reply(command: string, data: unknown): WireEvent {
  return { type: "reply", command, data, from: "*", text: "", time: "" } as WireEvent;
}

function error(code: string, command?: string): WireEvent {
  return { type: "error", code, command, from: "*", text: "no", time: "" } as WireEvent;
}

function notice(kind: string, room?: string): WireEvent {
  return { type: "notice", kind, room, from: "*", text: "", time: "" } as WireEvent;
}

const login = (
  user: string,
  rooms: string[] = [],
  current: string | null = null,
  resumed = false,
) => reply("login", { user, guest: false, rooms, current, resumed });

const rooms = (room: string, all: string[], current: string | null) => ({
  room,
  rooms: all,
  current,
});

Deno.test("backoff waits about 3 s first and grows to about 30 s", () => {
  const backoff = new Backoff({ random: () => 0.5 });
  assert.deepEqual(
    Array.from({ length: 7 }, () => backoff.next()),
    [3000, 6000, 12000, 24000, 30000, 30000, 30000],
  );
  assert.equal(backoff.failures, 7);
  backoff.reset();
  assert.equal(backoff.next(), 3000);
});

Deno.test("backoff jitter stays within 20 % either way", () => {
  const low = new Backoff({ random: () => 0 });
  const high = new Backoff({ random: () => 0.999999 });
  assert.equal(low.next(), 2400);
  assert.equal(high.next(), 3600);
  for (let i = 0; i < 10; i++) low.next();
  assert.equal(low.next(), 24000);
  const real = new Backoff();
  for (let i = 0; i < 50; i++) {
    const ms = real.next();
    assert.ok(ms >= 2400 && ms <= 36000, String(ms));
  }
});

Deno.test("credentials are remembered only once the server accepts the login", () => {
  const state = new SessionState();
  state.loginSent({ user: "alice", password: "wrong" });
  state.observe(error("LOGIN_FAILED", "login"));
  assert.equal(state.credentials, undefined);
  assert.deepEqual(state.loginCommands(), []);
  state.loginSent({ user: "alice", password: "pw" });
  state.observe(login("alice"));
  assert.deepEqual(state.credentials, { user: "alice", password: "pw" });
  assert.ok(state.loggedIn);
});

Deno.test("a reconnect logs in again, joins every room and switches to the current one", () => {
  const state = new SessionState();
  state.loginSent({ user: "alice", password: "pw" });
  state.observe(login("alice"));
  state.observe(reply("join", rooms("lobby", ["lobby"], "lobby")));
  state.observe(reply("start", rooms("book club", ["lobby", "book club"], "book club")));
  state.observe(reply("switch", rooms("lobby", ["lobby", "book club"], "lobby")));
  state.disconnected();
  assert.equal(state.loggedIn, false);
  assert.deepEqual(state.loginCommands(), ["login alice pw"]);
  // a fresh login on a restarted server: in no room
  const change = state.observe(login("alice"));
  assert.equal(change?.type, "logged-in");
  // the remembered rooms survive the login reply that lists none
  assert.deepEqual(state.rooms, ["lobby", "book club"]);
  assert.equal(state.current, "lobby");
  assert.deepEqual(
    state.rejoinCommands({ user: "alice", guest: false, rooms: [], current: null, resumed: false }),
    ["join lobby", "join book club", "switch lobby"],
  );
});

Deno.test("no switch is needed when the last room joined is the current one", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.observe(reply("join", rooms("x", ["lobby", "x"], "x")));
  state.loginCommands();
  assert.deepEqual(
    state.rejoinCommands({ user: "a", guest: false, rooms: [], current: null, resumed: false }),
    ["join lobby", "join x"],
  );
});

Deno.test("a resumed session that still has the rooms joins nothing again", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.observe(reply("join", rooms("den", ["lobby", "den"], "den")));
  state.loginCommands();
  const data = { user: "a", guest: false, rooms: ["lobby", "den"], current: "den", resumed: true };
  assert.deepEqual(state.rejoinCommands(data), []);
  // resumed, but the current room differs: only a switch
  assert.deepEqual(state.rejoinCommands({ ...data, current: "lobby" }), ["switch den"]);
  // resumed with one room missing: only that one, then back to the current one
  assert.deepEqual(state.rejoinCommands({ ...data, rooms: ["den"], current: "den" }), [
    "join lobby",
    "switch den",
  ]);
});

Deno.test("a user in no room rejoins nothing", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.loginCommands();
  assert.deepEqual(
    state.rejoinCommands({ user: "a", guest: false, rooms: [], current: null, resumed: false }),
    [],
  );
});

Deno.test("leaving a room and room-closed notices update the rooms to rejoin", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.observe(reply("join", rooms("lobby", ["lobby"], "lobby")));
  state.observe(reply("join", rooms("den", ["lobby", "den"], "den")));
  state.observe(reply("join", rooms("club", ["lobby", "den", "club"], "club")));
  state.observe(reply("leave", rooms("lobby", ["den", "club"], "club")));
  assert.equal(state.observe(notice("closed", "club"))?.type, "rooms");
  assert.deepEqual(state.rooms, ["den"]);
  assert.equal(state.current, null);
  // a closed notice about a room we are not in changes nothing
  assert.equal(state.observe(notice("closed", "elsewhere")), undefined);
});

Deno.test("a failed command's error does not change the rooms", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.observe(reply("join", rooms("lobby", ["lobby"], "lobby")));
  state.observe(error("NO_SUCH_ROOM", "join"));
  assert.deepEqual(state.rooms, ["lobby"]);
});

Deno.test("a changed password is the one replayed", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "old" });
  state.observe(login("a"));
  state.passwordChangeSent("bad");
  state.observe(error("LOGIN_FAILED", "passwd"));
  assert.deepEqual(state.loginCommands(), ["login a old"]);
  state.observe(login("a"));
  state.passwordChangeSent("new");
  state.observe(reply("passwd", undefined));
  assert.deepEqual(state.loginCommands(), ["login a new"]);
});

Deno.test("logout forgets the session: nothing is replayed", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a", ["lobby"], "lobby"));
  assert.equal(state.observe(reply("logout", undefined))?.type, "logged-out");
  assert.deepEqual(state.loginCommands(), []);
  assert.deepEqual(state.rooms, []);
});

Deno.test("a replayed password that stopped working is forgotten", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.loginCommands();
  assert.equal(state.observe(error("LOGIN_FAILED", "login"))?.type, "login-failed");
  assert.deepEqual(state.loginCommands(), []);
});

Deno.test("a replayed login refused for a passing reason is tried again next time", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.loginCommands();
  state.observe(error("LOCKED_OUT", "login"));
  assert.deepEqual(state.loginCommands(), ["login a p"]);
});

Deno.test("a guest session is replayed as login guest", () => {
  const state = new SessionState();
  state.loginSent({ user: "guest" });
  state.observe(reply("login", { user: "guest", guest: true, rooms: [], current: null }));
  assert.deepEqual(state.loginCommands(), ["login guest"]);
});

Deno.test("takeover and shutdown notices are reported", () => {
  const state = new SessionState();
  assert.equal(state.observe(notice("shutdown"))?.type, "shutdown");
  assert.equal(state.takenOver, false);
  assert.equal(state.observe(notice("takeover"))?.type, "takeover");
  assert.equal(state.takenOver, true);
});

Deno.test("a room that could not be re-entered is dropped", () => {
  const state = new SessionState();
  state.loginSent({ user: "a", password: "p" });
  state.observe(login("a"));
  state.observe(reply("join", rooms("x", ["lobby", "x"], "x")));
  state.dropRoom("x");
  assert.deepEqual(state.rooms, ["lobby"]);
  assert.equal(state.current, "lobby");
});

Deno.test("a kick or ban from the server stops reconnection; a leader's kick from a room only leaves it", () => {
  const state = new SessionState();
  state.observe(reply("join", { room: "games", rooms: ["lobby", "games"], current: "games" }));
  state.observe(notice("kicked", "games"));
  assert.deepEqual([state.rooms, state.expelled], [["lobby"], null]);
  const banned = { ...notice("banned"), text: "you are banned" } as WireEvent;
  assert.deepEqual(state.observe(banned), { type: "expelled" });
  assert.equal(state.expelled, "you are banned");
});

Deno.test("notices and replies about other users do not change one's own session", () => {
  const state = new SessionState();
  state.observe(reply("join", { room: "lobby", rooms: ["lobby", "games"], current: "lobby" }));
  // Another member's ban and kick, as their rooms hear of them, name them.
  state.observe(
    { ...notice("banned", "lobby"), user: "dave", text: "dave was banned" } as WireEvent,
  );
  state.observe(
    { ...notice("kicked", "games"), user: "dave", text: "dave was kicked" } as WireEvent,
  );
  // `status bob` answers with bob's rooms.
  state.observe(reply("status", { user: "bob", rooms: ["elsewhere"], current: "elsewhere" }));
  assert.deepEqual([state.rooms, state.current, state.expelled], [
    ["lobby", "games"],
    "lobby",
    null,
  ]);
});
