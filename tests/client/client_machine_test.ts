/**
 * The client's behaviour without a terminal or a socket: events go into the state machine, and
 * the effects that come out (terminal text, lines sent, timers, exit) are checked.
 */
import assert from "node:assert/strict";
import {
  ClientMachine,
  type Effect,
  type MachineOptions,
} from "../../lib/client/client_machine.ts";
import { PLAIN } from "../../lib/client/display.ts";

const TTY = { interactive: true, overlay: true, colour: false, echo: "stdout" as const };
const PIPE = { interactive: false, overlay: false, colour: false, echo: "none" as const };
const TIME = "2026-01-02T21:04:05.000Z";
const encode = (text: string) => new TextEncoder().encode(text);

/** A machine with a connection made and the server's first answers given. */
class Harness {
  readonly machine: ClientMachine;
  effects: Effect[] = [];

  constructor(options: Partial<MachineOptions> = {}) {
    this.machine = new ClientMachine({
      host: "127.0.0.1",
      port: 4000,
      terminal: TTY,
      palette: PLAIN,
      columns: 100,
      now: () => new Date(TIME),
      ...options,
    });
  }

  handle(...events: Parameters<ClientMachine["handle"]>[0][]): Effect[] {
    const out = events.flatMap((event) => this.machine.handle(event));
    this.effects.push(...out);
    return out;
  }

  type(text: string): Effect[] {
    return this.handle({ type: "input", data: encode(text) });
  }

  server(...events: Record<string, unknown>[]): Effect[] {
    const lines = events.map((event) => JSON.stringify({ from: "*", time: TIME, ...event }) + "\n");
    return this.handle({ type: "server-data", data: encode(lines.join("")) });
  }

  /** Starts, connects, answers mode and help, and logs alice in with her rooms. */
  loggedIn(rooms = ["lobby"], current = "lobby"): this {
    this.handle({ type: "start" }, { type: "connected" });
    this.server(
      { type: "reply", command: "mode", text: "mode json" },
      { type: "reply", command: "help", text: "", data: [] },
    );
    this.type("login alice alicepw\r");
    this.server({
      type: "reply",
      command: "login",
      text: "welcome, alice",
      data: { user: "alice", guest: false, rooms: [], current: null, resumed: false },
    });
    for (const room of rooms) {
      this.server({
        type: "reply",
        command: "join",
        text: `you joined ${room}`,
        data: { room, rooms: rooms.slice(0, rooms.indexOf(room) + 1), current: room },
      });
    }
    if (current !== rooms.at(-1)) {
      this.server({
        type: "reply",
        command: "switch",
        text: `now speaking in ${current}`,
        data: { room: current, rooms, current },
      });
    }
    this.effects = [];
    return this;
  }
}

const sent = (effects: Effect[]) =>
  effects.flatMap((effect) => effect.type === "send" ? [effect.line] : []);
const shown = (effects: Effect[]) =>
  effects.flatMap((effect) => effect.type === "output" ? [effect.text] : []).join("");

Deno.test("connecting sends mode json and help; a typed login goes out as typed", () => {
  const client = new Harness();
  assert.deepEqual(
    client.handle({ type: "start" }),
    [{ type: "connect" }].concat(
      client.effects.slice(1) as never[],
    ),
  );
  assert.deepEqual(sent(client.handle({ type: "connected" })), ["mode json", "help"]);
  assert.deepEqual(sent(client.type("login alice s3cret\r")), ["login alice s3cret"]);
  // a line holding a password is not kept for Up
  assert.equal(client.machine.typing.history.lines.length, 0);
});

Deno.test("your own room line is shown as name, time, message, and sent", () => {
  const client = new Harness().loggedIn();
  const effects = client.type("hello all\r");
  assert.deepEqual(sent(effects), ["hello all"]);
  assert.match(shown(effects), /alice@lobby \d\d:\d\d:\d\d hello all\r\n/);
  // a command is not shown as a chat line
  assert.doesNotMatch(shown(client.type("who\r")), /alice@lobby/);
  assert.deepEqual(client.machine.typing.history.lines, ["hello all", "who"]);
});

Deno.test("a replayed line of your own already shown is not shown again", () => {
  const client = new Harness().loggedIn();
  client.type("said before\r");
  const replay = client.server({
    type: "message",
    from: "alice",
    room: "lobby",
    text: "said before",
    id: "a1",
    history: true,
  });
  assert.doesNotMatch(shown(replay), /said before/);
});

Deno.test("register asks twice; different answers send nothing", () => {
  const client = new Harness().loggedIn();
  assert.match(shown(client.type("register carol\r")), /password for carol: /);
  assert.match(shown(client.type("abc\r")), /the same password again: /);
  const effects = client.type("abd\r");
  assert.deepEqual(sent(effects), []);
  assert.match(shown(effects), /the two passwords differ; nothing was sent/);
  client.type("register carol\rpw\rpw\r");
  assert.deepEqual(sent(client.effects), ["register carol pw"]);
});

Deno.test("passwd asks for the old password and the new one twice, with stars only", () => {
  const client = new Harness().loggedIn();
  client.type("passwd\rold\rnew\rnew\r");
  assert.deepEqual(sent(client.effects), ["passwd old new"]);
  assert.doesNotMatch(shown(client.effects), /: (old|new)\b|passwd/);
});

Deno.test("piped input answers the password questions line by line", () => {
  const client = new Harness({ terminal: PIPE });
  client.handle({ type: "start" }, { type: "connected" });
  client.handle({ type: "input", data: encode("rename alicia\nalicepw\n") });
  assert.deepEqual(sent(client.effects).slice(2), ["rename alicia alicepw"]);
});

Deno.test("a paste of many lines is confirmed first; n drops it, y sends it", () => {
  const client = new Harness().loggedIn();
  const paste = "\x1b[200~" + ["1", "2", "3", "4", "5", "6"].join("\r") + "\r\x1b[201~";
  const asked = client.type(paste);
  assert.deepEqual(sent(asked), []);
  assert.match(shown(asked), /send 6 pasted lines\? \(y: send them, n or Ctrl-C: drop them\)/);
  assert.match(shown(client.type("n")), /6 pasted lines dropped/);
  client.effects = [];
  client.type(paste);
  assert.deepEqual(sent(client.type("y")), ["1", "2", "3", "4", "5", "6"]);
  // a short paste goes at once
  assert.deepEqual(sent(client.type("\x1b[200~a\rb\r\x1b[201~")), ["a", "b"]);
});

Deno.test("many lines in one read without paste markers are confirmed too", () => {
  const client = new Harness().loggedIn();
  assert.deepEqual(sent(client.type("a\rb\rc\rd\re\r")), []);
  assert.deepEqual(sent(client.type("\r")), ["a", "b", "c", "d", "e"]);
});

Deno.test("a mention and a private message ring the bell; --no-bell keeps quiet", () => {
  const client = new Harness().loggedIn();
  const bell = (effects: Effect[]) =>
    effects.some((effect) => effect.type === "echo" && effect.text.includes("\x07"));
  assert.ok(bell(client.server({ type: "message", from: "bob", room: "lobby", text: "hi Alice" })));
  assert.ok(!bell(client.server({ type: "message", from: "bob", room: "lobby", text: "hi all" })));
  assert.ok(bell(client.server({ type: "private", from: "bob", to: "alice", text: "psst" })));
  const quiet = new Harness({ bell: false }).loggedIn();
  assert.ok(!bell(quiet.server({ type: "private", from: "bob", to: "alice", text: "psst" })));
});

Deno.test("the status line shows who, the connection, windows with unread counts and mentions", () => {
  const client = new Harness().loggedIn(["lobby", "den"], "lobby");
  client.server({ type: "message", from: "bob", room: "den", text: "one" });
  const effects = client.server({ type: "message", from: "bob", room: "den", text: "alice?" });
  assert.match(shown(effects), /alice │ connected │ \[1:lobby\] 2:den\(2!\)/);
  const tell = client.server({ type: "private", from: "bob", to: "alice", text: "psst" });
  assert.match(shown(tell), /2:den\(2!\) 3:@bob\(1!\)/);
});

Deno.test("Alt-2 switches to the second room; a private window sends plain lines as tell", () => {
  const client = new Harness().loggedIn(["lobby", "den"], "lobby");
  assert.deepEqual(sent(client.type("\x1b2")), ["switch den"]);
  client.server({ type: "private", from: "bob", to: "alice", text: "psst" });
  client.type("\x1b3");
  assert.deepEqual(sent(client.type("hi there\r")), ["tell bob hi there"]);
  assert.deepEqual(sent(client.type("\x10")), ["switch den"]);
  client.server({
    type: "reply",
    command: "switch",
    text: "now speaking in den",
    data: { room: "den", rooms: ["lobby", "den"], current: "den" },
  });
  assert.deepEqual(sent(client.type("\x10who\r")), ["switch lobby", "who"]);
});

Deno.test("the server's slow-down notice shows waiting lines until they are out", () => {
  const client = new Harness().loggedIn();
  const effects = client.server({
    type: "notice",
    kind: "info",
    text: "slow down: 4 lines waiting (at most 5 a second after a burst of 10)",
  });
  assert.match(shown(effects), /4 lines waiting \(slow down\)/);
  assert.ok(effects.some((e) => e.type === "set-timer" && e.name === "throttle"));
  assert.doesNotMatch(shown(client.handle({ type: "timer", name: "throttle" })), /waiting/);
});

Deno.test("a shutdown is worded once, and the reconnect hint is given once", () => {
  const client = new Harness().loggedIn();
  client.server({ type: "notice", kind: "shutdown", text: "the server is shutting down" });
  const lost = shown(client.handle({ type: "disconnected" }));
  assert.match(lost, /connection lost: the server shut down\r\n/);
  assert.match(lost, /reconnecting in \d+ s \(keep typing; logout or Ctrl-C gives up\)/);
  client.handle({ type: "timer", name: "reconnect" }, {
    type: "connect-failed",
    error: new Error("x"),
  });
  assert.doesNotMatch(shown(client.effects.slice(-8)), /keep typing/);
});

Deno.test("lines typed while offline are kept, and the notice is given once", () => {
  const client = new Harness({ host: "::1" }).loggedIn();
  client.handle({ type: "disconnected" });
  client.effects = [];
  client.type("one\rtwo\r");
  const text = shown(client.effects);
  assert.equal(text.split("not connected: kept").length, 2, text);
  assert.match(text, /2 typed lines kept/);
  assert.match(
    shown(
      client.handle({ type: "connect-failed", error: new Deno.errors.ConnectionRefused("no") }),
    ),
    /cannot connect to \[::1\]:4000: connection refused by \[::1\]:4000/,
  );
});

Deno.test("Ctrl-C logs out and exits 130; logout exits 0 when the server closes", () => {
  const client = new Harness().loggedIn();
  assert.deepEqual(sent(client.type("\x03")), ["logout"]);
  assert.deepEqual(client.handle({ type: "disconnected" }).at(-1), { type: "exit", code: 130 });
  const other = new Harness().loggedIn();
  assert.deepEqual(sent(other.type("logout\r")), ["logout"]);
  assert.deepEqual(other.handle({ type: "disconnected" }).at(-1), { type: "exit", code: 0 });
});

Deno.test("lines the user asks for with history or search are shown even when seen before", () => {
  const client = new Harness().loggedIn();
  const line = { type: "message", from: "bob", room: "lobby", text: "seen once", id: "b1" };
  assert.match(shown(client.server(line)), /seen once/);
  client.type("history lobby\r");
  const again = client.server({ ...line, history: true });
  assert.match(shown(again), /seen once/, "asked for, so shown again");
  client.server({ type: "reply", command: "history", text: "1 line of lobby" });
  assert.doesNotMatch(shown(client.server({ ...line, history: true })), /seen once/, "a replay");
});
