/**
 * Accounts over the wire: login, guests, register, passwd, logout, mode, help, lockout and
 * takeover, as telnet users (text mode) and programs (JSON mode) meet them.
 */
import assert from "node:assert/strict";
import { TELNET_ECHO_OFF, TELNET_ECHO_ON } from "../../lib/server/transports/telnet_filter.ts";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

const TIME = "\\d\\d:\\d\\d:\\d\\d";

Deno.test("a telnet user sees the welcome, logs in and gets text lines from *", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using alice = await LineClient.connect(t.port);
  const welcome = await alice.expect("welcome to parley");
  assert.match(welcome, new RegExp(`^\\* ${TIME} welcome to parley`));
  await alice.send("login alice secret");
  assert.match(await alice.expect("welcome, alice"), new RegExp(`^\\* ${TIME} welcome, alice`));
});

Deno.test("before login everything but login, mode, help and logout gets NOT_LOGGED_IN", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.connectJson(t.port);
  for (const line of ["who", "join lobby", "tell alice hi", "hello everyone", "status"]) {
    const event = await c.command(line);
    assert.equal(event.type, "error", line);
    assert.equal(event.code, "NOT_LOGGED_IN", line);
  }
  assert.equal((await c.command("help")).command, "help");
  assert.equal((await c.command("help tell")).type, "reply");
});

Deno.test("a wrong password gets LOGIN_FAILED and the third failure locks the user out", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.connectJson(t.port);
  for (let i = 0; i < 2; i++) {
    assert.equal((await c.command("login alice wrong")).code, "LOGIN_FAILED");
  }
  const third = await c.command("login alice wrong");
  assert.equal(third.code, "LOGIN_FAILED");
  assert.match(String(third.text), /locked out for 60 s/);
  const locked = await c.command("login alice secret");
  assert.equal(locked.code, "LOCKED_OUT");
  assert.match(String(locked.text), /try again in \d+ s/);
  assert.equal(
    (await c.command("login nobody x")).code,
    "LOGIN_FAILED",
    "unknown users fail alike",
  );
});

Deno.test("a guest may register and list users, nothing else; the new account logs in", async () => {
  await using t = await startTestServer();
  await using guest = await LineClient.connectJson(t.port);
  assert.equal((await guest.command("login guest")).command, "login");
  assert.equal((await guest.command("who")).command, "who");
  assert.equal((await guest.command("join lobby")).code, "FORBIDDEN");
  assert.equal((await guest.command("register carol pw1")).command, "register");
  assert.equal((await guest.command("register Carol pw2")).code, "NAME_TAKEN");
  assert.equal((await guest.command("register bad!name pw")).code, "BAD_FORMAT");
  assert.equal((await guest.command("register server pw")).code, "NAME_TAKEN");
  await using carol = await LineClient.json(t.port, "carol", "pw1");
  assert.equal((await carol.command("status")).command, "status");
  const file = await Deno.readTextFile(t.config.usersFile);
  assert.match(file, /^carol:user:pbkdf2-sha256:1000:/m, "the account is in users.txt");
});

Deno.test("a registered user can register another account and change their password", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using alice = await LineClient.json(t.port, "alice", "secret");
  assert.equal((await alice.command("register dave pw")).command, "register");
  assert.equal((await alice.command("passwd wrong new1")).code, "LOGIN_FAILED");
  assert.equal((await alice.command("passwd secret has space")).code, "BAD_FORMAT");
  assert.equal((await alice.command("passwd secret new1")).command, "passwd");
  await using again = await LineClient.connectJson(t.port);
  assert.equal((await again.command("login alice secret")).code, "LOGIN_FAILED");
  assert.equal((await again.command("login alice new1")).command, "login");
});

Deno.test("in text mode, login without a password prompts with telnet echo off", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.connect(t.port);
  c.keepRaw = true;
  await c.expect("welcome to parley");
  await c.send("login alice");
  await c.expect("password for alice");
  await c.waitFor(() => false, 200).catch(() => {}); // let the negotiation bytes arrive
  assert.ok(indexOf(c.raw, TELNET_ECHO_OFF) > 0, "IAC WILL ECHO follows the prompt");
  await c.send("secret");
  await c.expect("welcome, alice");
  assert.ok(indexOf(c.raw, TELNET_ECHO_ON) > indexOf(c.raw, TELNET_ECHO_OFF), "echo comes back on");
});

function indexOf(haystack: number[], needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("in JSON mode, login without a password is BAD_FORMAT", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.connectJson(t.port);
  const event = await c.command("login alice");
  assert.equal(event.code, "BAD_FORMAT");
});

Deno.test("JSON events carry type, from, ISO time and text", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.connect(t.port);
  await c.send("mode json");
  const reply = await c.nextEvent((e) => e.command === "mode");
  assert.equal(reply.from, "*");
  assert.match(String(reply.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(reply.text, "mode json");
  await c.send("mode text");
  assert.match(await c.expect("mode text"), new RegExp(`^\\* ${TIME} mode text$`));
  await c.send("who");
  assert.match(await c.expect("error:"), new RegExp(`^\\* ${TIME} error: log in first`));
});

Deno.test("a second login for the same user takes over and the old connection is told and closed", async () => {
  await using t = await startTestServer({ alice: "secret", bob: "pw" });
  await using first = await LineClient.json(t.port, "alice", "secret");
  await using bob = await LineClient.json(t.port, "bob", "pw");
  await first.command("join lobby");
  await bob.command("join lobby");
  await using second = await LineClient.connectJson(t.port);
  const login = await second.command("login alice secret");
  assert.deepEqual(login.data, {
    user: "alice",
    guest: false,
    rooms: ["lobby"],
    current: "lobby",
    resumed: true,
  });
  const notice = await first.nextEvent((e) => e.type === "notice" && e.kind === "takeover");
  assert.match(String(notice.text), /another connection/);
  await first.waitClosed();
  await bob.send("still here?");
  const got = await second.nextEvent((e) => e.type === "message");
  assert.equal(got.text, "still here?");
  assert.ok(
    !bob.unread().some((line) => line.includes('"kind":"lost"')),
    "a takeover is not a lost connection",
  );
});

Deno.test("logout, quit and exit say goodbye and close the connection", async () => {
  await using t = await startTestServer({ alice: "secret" });
  for (const word of ["logout", "quit", "exit"]) {
    await using c = await LineClient.json(t.port, "alice", "secret");
    const reply = await c.command(word);
    assert.equal(reply.command, "logout");
    await c.waitClosed();
  }
  await using anonymous = await LineClient.connect(t.port);
  await anonymous.send("quit");
  await anonymous.expect("goodbye");
  await anonymous.waitClosed();
});

Deno.test("unknown slash commands and bad mode arguments get clear errors", async () => {
  await using t = await startTestServer({ alice: "secret" });
  await using c = await LineClient.json(t.port, "alice", "secret");
  assert.equal((await c.command("/frobnicate")).code, "UNKNOWN_COMMAND");
  assert.equal((await c.command("mode xml")).code, "BAD_FORMAT");
  assert.equal((await c.command("help nosuch")).code, "UNKNOWN_COMMAND");
  const help = await c.command("help");
  assert.ok(Array.isArray(help.data) && help.data.length >= 25, "help lists every command as data");
});
