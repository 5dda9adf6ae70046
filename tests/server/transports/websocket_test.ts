/**
 * WebSocket at /ws: bad input gets a clear error and affects nothing else, the same limits as TCP
 * apply (flood control, the send-queue bound, caps, the login timeout), keepalive pings cut a
 * silent peer, and Origin and X-Forwarded-For are believed only where they should be.
 */
import assert from "node:assert/strict";
import type { ServerConfig } from "../../../lib/server/config.ts";
import { LineClient } from "../../helpers/line_client.ts";
import { clientFrame, RawWebSocket, request, upgradeHead } from "../../helpers/raw_websocket.ts";
import {
  makeUsersDir,
  serverArgs,
  ServerProcess,
  startTestServer,
  type TestServer,
} from "../../helpers/server.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Connects to the HTTP listener of `t`. */
function connectHttp(t: TestServer): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port: t.server.port("http")! });
}

/** A hand-made WebSocket to `t`, in JSON (as every WebSocket is). */
async function raw(
  t: TestServer,
  extra: Record<string, string> = {},
  autoRead = true,
): Promise<RawWebSocket> {
  return await RawWebSocket.open(await connectHttp(t), extra, autoRead);
}

/** Waits for an event matching `match` on a raw WebSocket. */
async function waitEvent(
  ws: RawWebSocket,
  match: (event: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await ws.waitFrame((frame) => {
    if (frame.opcode !== 1) return false;
    for (const line of decoder.decode(frame.payload).split("\n").filter(Boolean)) {
      const event = JSON.parse(line);
      if (match(event)) found ??= event;
    }
    return found !== undefined;
  });
  return found!;
}

/** Sends an HTTP request to `t` and returns the status and whole response. */
async function httpRequest(t: TestServer, head: string) {
  const conn = await connectHttp(t);
  try {
    return await request(conn, head);
  } finally {
    conn.close();
  }
}

const get = (path: string, method = "GET") =>
  `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`;

async function server(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  return await startTestServer(USERS, overrides);
}

Deno.test("a message over --max-line gets LINE_TOO_LONG and the next message is read as usual", async () => {
  await using t = await server({ maxLine: 100 });
  await using ws = await raw(t);
  await ws.sendText("x".repeat(500));
  const error = await waitEvent(ws, (e) => e.type === "error");
  assert.equal(error.code, "LINE_TOO_LONG");
  // A message sent in fragments is joined; one too long in fragments is discarded whole.
  await ws.sendFrame(1, encoder.encode("y".repeat(80)), { fin: false });
  await ws.sendFrame(0, encoder.encode("y".repeat(80)));
  await waitEvent(ws, (e) => e.type === "error" && e !== error);
  await ws.sendFrame(1, encoder.encode("login al"), { fin: false });
  await ws.sendFrame(9, encoder.encode("ping between fragments"));
  await ws.sendFrame(0, encoder.encode("ice a"));
  const login = await waitEvent(ws, (e) => e.type === "reply" && e.command === "login");
  assert.equal((login.data as { user: string }).user, "alice");
  assert.ok(
    ws.frames.some((f) =>
      f.opcode === 10 && decoder.decode(f.payload) === "ping between fragments"
    ),
    "the ping between fragments was answered",
  );
});

Deno.test("binary messages and messages with line breaks get BAD_FORMAT; the connection stays", async () => {
  await using t = await server();
  await using ws = await raw(t);
  await ws.sendFrame(2, new Uint8Array([1, 2, 3]));
  const binary = await waitEvent(ws, (e) => e.type === "error");
  assert.equal(binary.code, "BAD_FORMAT");
  assert.match(String(binary.text), /binary/);
  await ws.sendText("login alice a\njoin lobby");
  const twoLines = await waitEvent(ws, (e) => e.type === "error" && e !== binary);
  assert.match(String(twoLines.text), /one command per message/);
  await ws.sendText("login alice a\n"); // a trailing line break is forgiven
  await waitEvent(ws, (e) => e.type === "reply" && e.command === "login");
});

Deno.test("invalid UTF-8 and unmasked or reserved-bit frames close with 1007 and 1002", async () => {
  await using t = await server();
  await using alice = await LineClient.json(
    { kind: "ws", port: t.server.port("http")! },
    "alice",
    "a",
  );
  const cases: [string, Uint8Array, number][] = [
    ["invalid UTF-8", clientFrame(1, new Uint8Array([0x68, 0xff, 0xfe])), 1007],
    ["unmasked", clientFrame(1, encoder.encode("who"), { mask: false }), 1002],
    [
      "reserved bits",
      (() => {
        const frame = clientFrame(1, encoder.encode("who"));
        frame[0]! |= 0x40;
        return frame;
      })(),
      1002,
    ],
    ["continuation first", clientFrame(0, encoder.encode("who")), 1002],
  ];
  for (const [what, frame, code] of cases) {
    await using ws = await raw(t);
    await ws.conn.write(frame);
    assert.equal((await ws.closed()).code, code, what);
  }
  // Nobody else noticed.
  assert.equal((await alice.command("who")).type, "reply");
});

Deno.test("a plain GET of /ws, a POST and a bad handshake are refused with a reason", async () => {
  await using t = await server();
  const plain = await httpRequest(t, get("/ws"));
  assert.equal(plain.status, 426);
  assert.match(plain.text, /WebSocket endpoint/);
  assert.equal((await httpRequest(t, get("/ws", "POST"))).status, 405);
  const badKey = await httpRequest(t, upgradeHead({ "sec-websocket-key": "short" }));
  assert.equal(badKey.status, 426);
  const oldVersion = await httpRequest(t, upgradeHead({ "sec-websocket-version": "8" }));
  assert.match(oldVersion.text, /version 13/);
  assert.equal((await httpRequest(t, "GARBAGE\r\n\r\n")).status, 400);
  const huge = await httpRequest(t, `GET / HTTP/1.1\r\nx: ${"a".repeat(9000)}\r\n\r\n`);
  assert.equal(huge.status, 431);
});

Deno.test("only this server's pages, and --ws-origins, may open /ws from a browser", async () => {
  await using t = await server({ wsOrigins: ["https://chat.example"] });
  const port = t.server.port("http")!;
  const foreign = await httpRequest(t, upgradeHead({ origin: "https://evil.example" }));
  assert.equal(foreign.status, 403);
  await using own = await raw(t, { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
  await using listed = await raw(t, { origin: "https://chat.example" });
  await using noOrigin = await raw(t); // not a browser page
  for (const ws of [own, listed, noOrigin]) {
    await waitEvent(ws, (e) => e.type === "notice" && e.kind === "welcome");
  }
});

Deno.test("static files: index, HEAD, 404, 405, security headers, and no way out of the web root", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-web-" });
  try {
    await Deno.mkdir(`${dir}/public/css`, { recursive: true });
    await Deno.writeTextFile(`${dir}/public/index.html`, "<!doctype html><title>parley</title>");
    await Deno.writeTextFile(`${dir}/public/css/app.css`, "body{}");
    await Deno.writeTextFile(`${dir}/secret.txt`, "TOP SECRET");
    await Deno.symlink(`${dir}/secret.txt`, `${dir}/public/link.txt`);
    await using t = await server({ webRoot: `${dir}/public` });
    const index = await httpRequest(t, get("/"));
    assert.equal(index.status, 200);
    assert.match(index.text, /content-type: text\/html/);
    assert.match(index.text, /content-security-policy: default-src 'self'; script-src 'self'/);
    assert.match(index.text, /x-content-type-options: nosniff/);
    assert.match(index.text, /<title>parley<\/title>/);
    const head = await httpRequest(t, get("/css/app.css", "HEAD"));
    assert.equal(head.status, 200);
    assert.match(head.text, /content-length: 6/);
    assert.ok(!head.text.includes("body{}"), "HEAD has no body");
    assert.equal((await httpRequest(t, get("/nothing.js"))).status, 404);
    assert.equal((await httpRequest(t, get("/", "POST"))).status, 405);
    assert.equal((await httpRequest(t, get("/", "DELETE"))).status, 405);
    for (
      const path of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/css/../../secret.txt",
        "/css%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00",
        "/%zz",
        "/link.txt",
      ]
    ) {
      const answer = await httpRequest(t, get(path));
      assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
      assert.ok(!answer.text.includes("TOP SECRET"), `${path} leaked the file`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing web root answers 404 saying the web client is not built", async () => {
  await using t = await server({ webRoot: "/nonexistent/parley-web" });
  const answer = await httpRequest(t, get("/"));
  assert.equal(answer.status, 404);
  assert.match(answer.text, /not built/);
});

Deno.test("flood control slows a WebSocket sender's lines without dropping or reordering them", async () => {
  await using t = await server({ rate: 4, burst: 2 });
  const ws = { kind: "ws" as const, port: t.server.port("http")! };
  await using alice = await LineClient.json(ws, "alice", "a");
  await using bob = await LineClient.json(ws, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  const started = Date.now();
  for (let i = 0; i < 8; i++) await alice.send(`line ${i}`);
  const heard: string[] = [];
  while (heard.length < 8) {
    heard.push(String((await bob.nextEvent((e) => e.type === "message")).text));
  }
  assert.deepEqual(heard, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `line ${i}`));
  // 2 at once, then 4 a second: the last of 8 lines comes 1.5 s in at the earliest.
  assert.ok(Date.now() - started >= 1200, `took ${Date.now() - started} ms`);
});

Deno.test("a WebSocket reader that stops reading is cut at --sendq; one that reads gets every line", async () => {
  // A server of its own (a process): the readers here must not share a thread with it.
  await using users = await makeUsersDir(USERS, "parley-ws-flood-");
  await using server = await ServerProcess.start(
    serverArgs(users.dir, "--sendq", "65536", "--rate", "0", "--history", "off"),
  );
  const port = Number(
    /listening http \S+:(\d+)/.exec(await server.waitForLog(/listening http/))![1],
  );
  await using sender = await RawWebSocket.open(await Deno.connect({ hostname: "127.0.0.1", port }));
  await using reader = await LineClient.json({ kind: "ws", port }, "carol", "c");
  const stalled = await RawWebSocket.open(
    await Deno.connect({ hostname: "127.0.0.1", port }),
    {},
    false,
  );
  await stalled.write(encoder.encode("login bob b\njoin lobby\n"));
  await sender.write(encoder.encode("login alice a\njoin lobby\n"));
  await reader.command("join lobby");
  await reader.nextEvent((e) => e.type === "notice" && e.text === "alice entered lobby");
  const line = "z".repeat(3900);
  // ~12 MB, more than loopback's socket buffers take, written in one go (as fast as the socket
  // takes it): the reader that reads must get every line however fast the room floods.
  const LINES = 3000;
  const frames = Array.from(
    { length: LINES },
    (_, i) => clientFrame(1, encoder.encode(`${i} ${line}`)),
  );
  const flood = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const frame of frames) {
    flood.set(frame, at);
    at += frame.length;
  }
  const sending = (async () => {
    let offset = 0;
    while (offset < flood.length) offset += await sender.conn.write(flood.subarray(offset));
  })().catch((error) => {
    throw new Error(`the flood was cut: ${error}; log:\n${server.stderrLines.join("\n")}`);
  });
  for (let received = 0; received < LINES; received++) {
    const event = await reader.nextEvent((e) => e.type === "message", 20_000);
    assert.ok(String(event.text).startsWith(`${received} `), "in order, none skipped");
  }
  await sending;
  assert.equal(reader.closed, false, "the reader that reads is still connected");
  assert.ok(
    reader.lines.some((l) => l.includes('"kind":"lost"') && l.includes("send queue overflow")),
    "the room was told the stalled reader was cut",
  );
  stalled.close();
});

Deno.test("WebSocket connections count against --max-per-address like TCP ones, and hear why", async () => {
  await using t = await server({ maxPerAddress: 2 });
  await using tcp = await LineClient.connect(t.port);
  await tcp.expect("welcome");
  await using first = await raw(t);
  await waitEvent(first, (e) => e.kind === "welcome");
  await using refused = await raw(t);
  const error = await waitEvent(refused, (e) => e.type === "error");
  assert.equal(error.code, "TOO_MANY_CONNECTIONS");
  assert.equal((await refused.closed()).code, 1013);
});

Deno.test("X-Forwarded-For names the client only when a trusted proxy sends it", async () => {
  const forwarded = (ip: string) => ({ "x-forwarded-for": `${ip}, 127.0.0.1` });
  {
    await using t = await server({ maxPerAddress: 1, trustedProxies: ["127.0.0.1"] });
    await using a = await raw(t, forwarded("203.0.113.5"));
    await using b = await raw(t, forwarded("203.0.113.6"));
    for (const ws of [a, b]) await waitEvent(ws, (e) => e.kind === "welcome");
    await using again = await raw(t, forwarded("203.0.113.5"));
    assert.equal((await waitEvent(again, (e) => e.type === "error")).code, "TOO_MANY_CONNECTIONS");
  }
  {
    await using t = await server({ maxPerAddress: 1 });
    await using a = await raw(t, forwarded("203.0.113.5"));
    await waitEvent(a, (e) => e.kind === "welcome");
    await using b = await raw(t, forwarded("203.0.113.6"));
    const error = await waitEvent(b, (e) => e.type === "error");
    assert.equal(error.code, "TOO_MANY_CONNECTIONS", "an untrusted header changes nothing");
  }
});

Deno.test("a WebSocket that does not log in within --idle-timeout is told and closed", async () => {
  await using t = await server({ idleTimeout: 1 });
  await using ws = await raw(t);
  const notice = await waitEvent(ws, (e) => e.type === "notice" && e.kind === "info");
  assert.match(String(notice.text), /no login within 1 s/);
  assert.equal((await ws.closed()).code, 1000);
});

Deno.test("keepalive: pings every --ws-ping seconds; a peer that never answers is cut", async () => {
  await using t = await server({ wsPing: 1 });
  await using answering = await raw(t);
  await using silent = await raw(t);
  silent.answerPings = false;
  await silent.write(encoder.encode("login alice a\n"));
  await waitEvent(silent, (e) => e.command === "login");
  const closed = await silent.closed(5000);
  assert.equal(closed.code, 1001);
  assert.match(closed.reason, /no answer to a ping/);
  // The one that answers has had its pings and is still here.
  assert.ok(answering.frames.filter((f) => f.opcode === 9).length >= 2);
  assert.equal(answering.ended, false);
  await answering.sendText("help");
  await waitEvent(answering, (e) => e.command === "help");
});

Deno.test("requests whose head has not arrived are capped per address: the next gets 503", async () => {
  await using t = await server({ maxPerAddress: 2 });
  const silent = [await connectHttp(t), await connectHttp(t)];
  try {
    // Wait until both are being served (counted), then one more from the same address.
    const answer = await (async () => {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const reply = await httpRequest(t, get("/"));
        if (reply.status === 503) return reply;
      }
      throw new Error("never refused");
    })();
    assert.match(answer.text, /too many requests/);
  } finally {
    for (const conn of silent) conn.close();
  }
});
