/**
 * The real client as a subprocess against the real server as a subprocess, over loopback: piped
 * stdin (so the password is read as the next line), output read line by line with deadlines.
 */
import assert from "node:assert/strict";
import { ClientProcess } from "../helpers/client_process.ts";
import { LineClient } from "../helpers/line_client.ts";
import { peerInRoom } from "../helpers/peer.ts";
import { makeUsersDir, serverArgs, ServerProcess, type UsersDir } from "../helpers/server.ts";
import { TcpProxy } from "../helpers/tcp_proxy.ts";

const ACCOUNTS = { alice: "alicepw", bob: "bobpw" };
const CLOCK = "\\d\\d:\\d\\d:\\d\\d";

/** A temp dir with the test accounts, removed on dispose. */
function workspace(): Promise<UsersDir> {
  return makeUsersDir(ACCOUNTS, "parley-client-test-");
}

/** A server subprocess on `port` (0: any free one), killed on dispose. */
function server(dir: string, port = 0): Promise<ServerProcess> {
  return ServerProcess.start(serverArgs(dir, "--port", String(port)));
}

/** A port nothing listens on (just released by us). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Logs bob in over a raw text-mode connection, in the lobby. */
function bobInLobby(port: number): Promise<LineClient> {
  return peerInRoom(port, "bob", ACCOUNTS.bob);
}

Deno.test("the client logs in with the password piped on stdin and chats both ways", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw");
  await alice.expect(/^\* \d\d:\d\d:\d\d welcome, alice/);
  await alice.type("join lobby");
  await alice.expect("you joined lobby");

  await using bob = await bobInLobby(srv.port);
  await alice.expect(new RegExp(`^\\* ${CLOCK} bob entered lobby`));
  await bob.send("hello alice");
  // sender, then the time, then the message
  const shown = await alice.expect("hello alice");
  assert.match(shown, new RegExp(`^bob@lobby ${CLOCK} hello alice$`));

  await alice.type("hi bob, nice to see you");
  await bob.expect("alice@lobby");
  assert.match(bob.lines.at(-1)!, /alice@lobby \d\d:\d\d:\d\d hi bob, nice to see you$/);

  await bob.send("tell alice a secret");
  assert.match(await alice.expect("a secret"), new RegExp(`^bob \\(private\\) ${CLOCK} a secret$`));
  await bob.send("shout everyone listen");
  assert.match(
    await alice.expect("everyone listen"),
    new RegExp(`^bob \\(broadcast\\) ${CLOCK} everyone listen$`),
  );
  // the password was never shown
  assert.ok(!alice.lines.some((line) => line.includes("alicepw")), alice.log());
});

Deno.test("who is shown as a readable list of users and their rooms", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using bob = await bobInLobby(srv.port);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw", "who");
  await alice.expect(new RegExp(`^\\* ${CLOCK} 2 users online:$`));
  const rows = [
    await alice.expect(new RegExp(`^\\* ${CLOCK}   \\S+`)),
    await alice.expect(new RegExp(`^\\* ${CLOCK}   \\S+`)),
  ].map((line) => line.replace(new RegExp(`^\\* ${CLOCK}   `), "").replace(/\s+/g, " "));
  assert.deepEqual(rows.sort(), ["alice (in no room)", "bob lobby"]);
  await bob.close();
});

Deno.test("logout is sent to the server, and the client exits 0", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using bob = await bobInLobby(srv.port);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw", "join lobby");
  await alice.expect("you joined lobby");
  await alice.type("logout");
  const status = await alice.exited();
  assert.equal(status.code, 0);
  // a logout is a leave, not a lost connection
  await bob.expect("alice entered lobby");
  const left = await bob.waitFor((line) => /alice (left|logged out|lost)/.test(line));
  assert.doesNotMatch(left, /lost/);
});

Deno.test("commands go to the server as typed: the server's own answers, not the client's", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  // The welcome suggests `login <user> <password>`: it works as typed.
  await alice.type("login alice alicepw");
  await alice.expect(/^\* \S+ welcome, alice/);
  await alice.type("login", "start big topic here", "enter big topic here");
  await alice.expect(/^\* \S+ error: usage: login <user> \[password\]/);
  await alice.expect(/^\* \S+ you opened room #\d+ big topic here/);
  await alice.expect(/^\* \S+ you entered big topic here/);
  assert.ok(!alice.lines.some((line) => /^! .*usage/.test(line)), alice.log());
});

Deno.test("your own lines are shown like everyone else's: name, time, message", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using bob = await bobInLobby(srv.port);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw", "join lobby");
  await alice.expect("you joined lobby");
  const long = "a long line ".repeat(30).trim();
  await alice.type("hello bob", "//slash first", long, "say lobby via say");
  assert.match(await alice.expect("hello bob"), new RegExp(`^alice@lobby ${CLOCK} hello bob$`));
  assert.match(
    await alice.expect("slash first"),
    new RegExp(`^alice@lobby ${CLOCK} /slash first$`),
  );
  // shown whole, not cut to the terminal's width
  assert.match(await alice.expect(long), new RegExp(`^alice@lobby ${CLOCK} ${long}$`));
  await bob.expect("via say");
  await alice.type("tell bob psst");
  assert.match(await alice.expect("psst"), new RegExp(`^alice \\(to bob\\) ${CLOCK} psst$`));
});

Deno.test("register asks for the password twice and says when they differ", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using carol = ClientProcess.start(["--port", String(srv.port)]);
  await carol.type("login guest");
  await carol.expect("logged in as guest");
  await carol.type("register carol", "first", "second");
  await carol.expect(/^! \S+ the two passwords differ; nothing was sent$/);
  await carol.type("register carol", "carolpw", "carolpw");
  await carol.expect("registered carol");
});

Deno.test("mode changes how this client shows events; the connection stays JSON", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice alicepw", "mode json", "ping alice");
  await alice.expect(/^! \S+ mode json/);
  const raw = await alice.expect(/"command":"ping"/);
  assert.match(raw, /^\{"type":"reply"/);
  await alice.type("mode text", "ping alice");
  await alice.expect(/^\* \S+ alice is online/);
});

Deno.test("an IPv6 address is written in brackets", async () => {
  await using alice = ClientProcess.start(["--host", "::1", "--port", String(freePort())]);
  await alice.expect(/^! \S+ cannot connect to \[::1\]:\d+: /);
  await alice.endInput();
});

Deno.test("a wrong password is reported and the client stays usable", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "nope");
  await alice.expect(new RegExp(`^\\* ${CLOCK} error: wrong user name or password`));
  await alice.type("login alice", "alicepw");
  await alice.expect("welcome, alice");
});

Deno.test("--user logs in at start with the password read from stdin", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port), "--user", "alice"]);
  await alice.type("alicepw");
  await alice.expect("welcome, alice");
});

Deno.test("end of input logs out and exits 0", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw", "join lobby", "hello from a script");
  await alice.endInput();
  assert.equal((await alice.exited()).code, 0);
  assert.ok(alice.lines.some((line) => line.includes("you joined lobby")), alice.log());
  assert.ok(alice.lines.some((line) => line.includes("goodbye")), alice.log());
});

Deno.test("reconnect: after a server restart the client is back in its rooms", async () => {
  await using ws = await workspace();
  const first = await server(ws.dir);
  const port = first.port;
  await using alice = ClientProcess.start(["--port", String(port)]);
  try {
    await alice.type("login alice", "alicepw", "join lobby", "start book club", "switch lobby");
    await alice.expect("now speaking in lobby");
  } finally {
    await first.stop("SIGINT");
  }
  // the failure is reported in words, once: the server's notice is not repeated
  await alice.expect(/^! \S+ connection lost: the server shut down$/);
  await alice.expect(/reconnecting in \d+ s/);

  await using second = await server(ws.dir, port);
  assert.equal(second.port, port);
  const back = await alice.expect("connection is back", 20_000);
  assert.match(back, /logged in as alice; in lobby, book club \(current: lobby\)/);

  // The server agrees: alice is in both rooms, and messages after the restart reach her.
  await using bob = await bobInLobby(port);
  await bob.send("who");
  await bob.waitFor((line) => /^\* \S+ {3}alice in lobby, book club$/.test(line));
  await bob.send("said after the restart");
  assert.match(
    await alice.expect("said after the restart"),
    new RegExp(`^bob@lobby ${CLOCK} said after the restart$`),
  );
  // and what alice types goes to her current room again
  await alice.type("glad to be back");
  await bob.expect("glad to be back");
  // the connection banner is not printed again at the reconnect
  assert.equal(alice.lines.filter((line) => line.includes("connected to")).length, 1, alice.log());
});

Deno.test("reconnect: what was said while away is shown once, after the client is back", async () => {
  await using ws = await workspace();
  const first = await server(ws.dir);
  const port = first.port;
  await using alice = ClientProcess.start(["--port", String(port)]);
  try {
    await alice.type("login alice", "alicepw", "join lobby");
    await alice.expect("you joined lobby");
    await using bob = await bobInLobby(port);
    await bob.send("before the restart");
    await alice.expect("before the restart");
  } finally {
    await first.stop("SIGINT");
  }
  await alice.expect(/reconnecting in \d+ s/);
  // While alice's client waits to reconnect, the server is back and bob speaks.
  await using _second = await server(ws.dir, port);
  await using bob = await bobInLobby(port);
  await bob.send("while alice was away");
  await alice.expect("connection is back", 20_000);
  await alice.expect("while alice was away");
  await bob.send("after she is back");
  await alice.expect("after she is back");
  const count = (text: string) => alice.lines.filter((line) => line.endsWith(text)).length;
  assert.equal(count("while alice was away"), 1, alice.log());
  assert.equal(count("before the restart"), 1, "the re-join's replay did not show it again");
});

Deno.test("a failed automatic login still ends the back-off: the next wait is about 3 s again", async () => {
  await using ws = await workspace();
  await using changed = await makeUsersDir(
    { alice: "changed", bob: "bobpw" },
    "parley-client-test-",
  );
  const first = await server(ws.dir);
  const port = first.port;
  await using alice = ClientProcess.start(["--port", String(port)]);
  try {
    await alice.type("login alice", "alicepw");
    await alice.expect("welcome, alice");
  } finally {
    await first.stop("SIGINT");
  }
  await alice.expect(/reconnecting in \d+ s/);
  const second = await server(changed.dir, port);
  try {
    await alice.expect("could not log in again automatically", 20_000);
  } finally {
    await second.stop("SIGINT");
  }
  const wait = await alice.expect(/reconnecting in \d+ s/);
  const seconds = Number(/reconnecting in (\d+) s/.exec(wait)![1]);
  assert.ok(seconds <= 4, `about 3 s (20 % jitter), not 6: ${wait}`);
});

Deno.test("reconnect: a dropped connection resumes the held session without re-joining", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using proxy = TcpProxy.start(srv.port);
  await using alice = ClientProcess.start(["--port", String(proxy.port)]);
  await alice.type("login alice", "alicepw", "join lobby", "start den", "switch lobby");
  await alice.expect("now speaking in lobby");
  await using bob = await bobInLobby(srv.port);
  await alice.expect("bob entered lobby");

  await proxy.cut(); // the network fails; the server keeps alice's session for a while
  await alice.expect(/connection lost: /);
  await bob.expect("alice lost");
  await bob.send("while you were away");
  const back = await alice.expect("connection is back", 20_000);
  assert.match(back, /logged in as alice; in lobby, den \(current: lobby\)/);
  await bob.expect("alice is back");
  // Held messages arrive, and what alice types goes to lobby, her current room.
  await alice.expect("while you were away");
  await alice.type("and now I am back");
  await bob.expect("and now I am back");
  // The session was resumed, not rebuilt: alice never entered the lobby a second time.
  assert.equal(bob.lines.filter((line) => line.includes("alice entered lobby")).length, 0);
  assert.equal(proxy.connections, 2);
});

Deno.test("lines typed while the server is down are sent once it is up", async () => {
  await using ws = await workspace();
  const port = freePort();
  await using alice = ClientProcess.start(["--port", String(port)]);
  await alice.expect(/cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  await alice.expect(/reconnecting in \d+ s/);
  await alice.type("login alice", "alicepw", "join lobby");
  await alice.expect("not connected: kept to send when the connection is back");
  await using _server = await server(ws.dir, port);
  await alice.expect("welcome, alice", 20_000);
  await alice.expect("you joined lobby");
});

Deno.test("kicked by an administrator, the client says why and exits 5 without reconnecting", async () => {
  await using ws = await workspace();
  // bob is made an administrator in the account file before the server reads it.
  const users = await Deno.readTextFile(ws.usersFile);
  await Deno.writeTextFile(ws.usersFile, users.replace(/^bob:user:/m, "bob:admin:"));
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw", "join lobby");
  await alice.expect("you joined lobby");
  await using bob = await LineClient.json(srv.port, "bob", "bobpw");
  assert.equal((await bob.command("kick alice cool off")).type, "reply");
  await alice.expect(/removed from the server: .*cool off.*not reconnecting/);
  assert.equal((await alice.exited()).code, 5);
  assert.ok(!alice.lines.some((line) => /reconnecting in/.test(line)), alice.log());
});

Deno.test("a session taken over by another login exits 3 without reconnecting", async () => {
  await using ws = await workspace();
  await using srv = await server(ws.dir);
  await using alice = ClientProcess.start(["--port", String(srv.port)]);
  await alice.type("login alice", "alicepw");
  await alice.expect("welcome, alice");
  await using _other = await LineClient.json(srv.port, "alice", "alicepw");
  await alice.expect("taken over");
  assert.equal((await alice.exited()).code, 3);
  assert.ok(!alice.lines.some((line) => /reconnecting in/.test(line)), alice.log());
});

Deno.test("bad options are refused with usage and status 2", async () => {
  await using client = ClientProcess.start(["--port", "notaport"]);
  assert.equal((await client.exited()).code, 2);
  assert.match(client.errors.join("\n"), /--port needs a number/);
  assert.match(client.errors.join("\n"), /usage: deno task client/);
});
