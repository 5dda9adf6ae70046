import assert from "node:assert/strict";
import {
  COLOUR,
  formatEvent,
  formatLocal,
  formatRaw,
  localClock,
  nameColour,
  neutralize,
  PLAIN,
  replyList,
} from "../../lib/client/display.ts";
import { clockTime, type WireEvent } from "../../lib/shared/protocol.ts";

// A fixed instant, and what it reads as on this machine's clock.
const ISO = "2026-01-02T21:04:05.000Z";
const LOCAL = clockTime(new Date(ISO));

function event(fields: Record<string, unknown>): WireEvent {
  return { from: "*", time: ISO, text: "", ...fields } as unknown as WireEvent;
}

/** Whether a string holds any character that could start or be part of a terminal control. */
function hasControl(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f-\x9f]/.test(text);
}

Deno.test("a room message shows sender@room, then local time, then the message", () => {
  const lines = formatEvent(event({ type: "message", from: "bob", room: "lobby", text: "hi all" }));
  assert.deepEqual(lines, [`bob@lobby ${LOCAL} hi all`]);
});

Deno.test("the time shown is the event's time in local HH:MM:SS", () => {
  const local = new Date(2026, 5, 7, 8, 9, 10); // 08:09:10 local
  const lines = formatEvent(
    event({ type: "broadcast", from: "bob", text: "x", time: local.toISOString() }),
  );
  assert.deepEqual(lines, ["bob (broadcast) 08:09:10 x"]);
});

Deno.test("private, offline and broadcast messages are marked as such", () => {
  assert.deepEqual(formatEvent(event({ type: "private", from: "bob", to: "me", text: "psst" })), [
    `bob (private) ${LOCAL} psst`,
  ]);
  assert.deepEqual(
    formatEvent(event({ type: "private", from: "bob", to: "me", text: "later", offline: true })),
    [`bob (offline) ${LOCAL} later`],
  );
  assert.deepEqual(formatEvent(event({ type: "broadcast", from: "bob", text: "all" })), [
    `bob (broadcast) ${LOCAL} all`,
  ]);
});

Deno.test("a private conversation's history says whom each line went to, own lines too", () => {
  const replayed = (from: string, to: string) =>
    formatEvent(event({ type: "private", from, to, text: "x", history: true }))[0]!;
  assert.match(replayed("me", "bob"), /^me \(to bob\) /);
  assert.match(replayed("bob", "me"), /^bob \(to me\) /);
});

Deno.test("notices and replies come from *, errors are marked", () => {
  assert.deepEqual(
    formatEvent(event({ type: "notice", kind: "enter", text: "bob entered lobby" })),
    [`* ${LOCAL} bob entered lobby`],
  );
  assert.deepEqual(formatEvent(event({ type: "reply", command: "passwd", text: "ok" })), [
    `* ${LOCAL} ok`,
  ]);
  assert.deepEqual(
    formatEvent(event({ type: "error", code: "NO_SUCH_USER", text: "no such user: carol" })),
    [`* ${LOCAL} error: no such user: carol`],
  );
});

Deno.test("a multi-line reply repeats the sender and time on every line", () => {
  const lines = formatEvent(event({ type: "reply", command: "help", text: "one\ntwo" }));
  assert.deepEqual(lines, [`* ${LOCAL} one`, `* ${LOCAL} two`]);
});

Deno.test("escape sequences in another user's text cannot reach the terminal", () => {
  const nasty = "hi\x1b[2J\x1b]0;pwned\x07\x1b[31mred\r\x08\x9b6n end";
  const [line, ...rest] = formatEvent(
    event({ type: "message", from: "mallory", room: "lobby", text: nasty }),
  );
  assert.equal(rest.length, 0);
  assert.ok(!hasControl(line!), JSON.stringify(line));
  assert.equal(line, `mallory@lobby ${LOCAL} hi^[[2J^[]0;pwned^G^[[31mred^M^H<U+009B>6n end`);
});

Deno.test("a newline in someone's message cannot fake a second line", () => {
  const lines = formatEvent(
    event({ type: "message", from: "eve", room: "lobby", text: "hi\n* 21:00:00 admin says" }),
  );
  assert.equal(lines.length, 1);
  assert.equal(lines[0], `eve@lobby ${LOCAL} hi^J* 21:00:00 admin says`);
});

Deno.test("control characters in names, rooms and replies are neutralised too", () => {
  const [message] = formatEvent(
    event({ type: "message", from: "x\x1b[0m", room: "r\x07oom", text: "t" }),
  );
  assert.ok(!hasControl(message!));
  const reply = formatEvent(event({ type: "reply", command: "info", text: "a\x1b[5mb\nc\x00" }));
  assert.deepEqual(reply, [`* ${LOCAL} a^[[5mb`, `* ${LOCAL} c^@`]);
});

Deno.test("bidirectional overrides and line separators become visible marks", () => {
  assert.equal(neutralize("abc\u202Efed\u2066x\u2028y"), "abc<U+202E>fed<U+2066>x<U+2028>y");
});

Deno.test("tab becomes a space and printable Unicode passes unchanged", () => {
  assert.equal(neutralize("a\tb"), "a b");
  assert.equal(neutralize("héllo 日本 😀"), "héllo 日本 😀");
  assert.equal(neutralize("\x7f"), "^?");
});

Deno.test("a time the server did not send as ISO shows as dashes", () => {
  assert.equal(localClock("not a time"), "--:--:--");
  assert.equal(localClock(undefined), "--:--:--");
  const [line] = formatEvent(event({ type: "broadcast", from: "a", text: "x", time: "junk" }));
  assert.equal(line, "a (broadcast) --:--:-- x");
});

Deno.test("who is shown as a list of users and their rooms, from the reply data", () => {
  const lines = formatEvent(event({
    type: "reply",
    command: "who",
    text: "ignored when data is there",
    data: [
      { user: "alice", rooms: ["lobby", "den"], current: "den", online: true },
      { user: "bob", rooms: [], current: null, online: true },
      { user: "carolyn", rooms: ["lobby"], current: "lobby", online: false },
    ],
  }));
  assert.deepEqual(lines, [
    `* ${LOCAL} 3 users online:`,
    `* ${LOCAL}   alice    lobby, den (current)`,
    `* ${LOCAL}   bob      (in no room)`,
    `* ${LOCAL}   carolyn  lobby (reconnecting)`,
  ]);
});

Deno.test("rooms is shown as a numbered list with members and leader", () => {
  const lines = replyList("rooms", [
    { id: 1, name: "lobby", leader: null, members: 3 },
    { id: 4, name: "book club", leader: "alice", members: 1 },
  ]);
  assert.deepEqual(lines, [
    "2 rooms:",
    "  #1 lobby      3 members, permanent",
    "  #4 book club  1 member, led by alice",
  ]);
});

Deno.test("status is shown as the user's state, rooms, info and last login", () => {
  const last = new Date(2026, 0, 2, 9, 8, 7);
  const lines = replyList("status", {
    user: "bob",
    online: true,
    state: "online",
    rooms: ["lobby"],
    current: "lobby",
    info: "away for lunch",
    lastLogin: last.toISOString(),
  });
  assert.deepEqual(lines, [
    "bob: online",
    "  rooms: lobby",
    "  info: away for lunch",
    "  last login: 2026-01-02 09:08:07",
  ]);
  assert.deepEqual(replyList("status", { user: "z", online: false, rooms: [], lastLogin: null }), [
    "z: offline",
    "  never logged in",
  ]);
});

Deno.test("a list reply without usable data shows the reply's text", () => {
  for (const data of [undefined, null, "junk", [1, 2], [{ nobody: true }], { rooms: 3 }]) {
    for (const command of ["who", "rooms", "status"]) {
      const lines = formatEvent(event({ type: "reply", command, text: "as text\nline 2", data }));
      assert.deepEqual(lines, [`* ${LOCAL} as text`, `* ${LOCAL} line 2`], `${command} ${data}`);
    }
  }
});

Deno.test("list data from the server is neutralised as well", () => {
  const lines = formatEvent(event({
    type: "reply",
    command: "who",
    text: "",
    data: [{ user: "a\x1b[2J", rooms: ["r\x1b]0;x\x07"], current: null, online: true }],
  }));
  for (const line of lines) assert.ok(!hasControl(line), JSON.stringify(line));
});

Deno.test("colours: the same name always gets the same colour, time is dim, errors red", () => {
  assert.equal(nameColour("alice"), nameColour("alice"));
  assert.equal(nameColour("Alice"), nameColour("alice"));
  const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
  assert.ok(new Set(names.map(nameColour)).size > 1, "names spread over colours");
  const [line] = formatEvent(
    event({ type: "message", from: "bob", room: "lobby", text: "hi" }),
    COLOUR,
  );
  assert.equal(
    line,
    `\x1b[${nameColour("bob")}mbob\x1b[39m@lobby \x1b[2m${LOCAL}\x1b[22m hi`,
  );
  const [error] = formatEvent(event({ type: "error", code: "BAD_FORMAT", text: "no" }), COLOUR);
  assert.ok(error!.includes("\x1b[1;31merror: no"));
});

Deno.test("plain output has no escape sequences at all", () => {
  const samples = [
    event({ type: "message", from: "bob", room: "lobby", text: "hi" }),
    event({ type: "error", code: "BAD_FORMAT", text: "no" }),
    event({ type: "reply", command: "who", text: "x", data: [] }),
  ];
  for (const sample of samples) {
    for (const line of formatEvent(sample, PLAIN)) assert.ok(!hasControl(line));
  }
});

Deno.test("the client's own lines are marked ! and cannot pass for the server's", () => {
  const time = new Date(2026, 0, 1, 21, 4, 5);
  assert.equal(formatLocal("connection lost", { time }), "! 21:04:05 connection lost");
  assert.equal(formatLocal("x\x1b[2J", { time }), "! 21:04:05 x^[[2J");
});

Deno.test("a raw (non-JSON) line from the server is shown inert", () => {
  assert.equal(formatRaw("* 21:04:05 hi\x1b[2J"), "* 21:04:05 hi^[[2J");
});
