/**
 * Hostile input: overlong lines, control characters, escape sequences, telnet bytes and broken
 * UTF-8 never crash the server, never reach another user's screen and are never stored; a
 * command of the wrong shape gets BAD_FORMAT with its usage line.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

const encoder = new TextEncoder();

function bytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) out.push(...(typeof part === "string" ? encoder.encode(part) : part));
  return new Uint8Array(out);
}

Deno.test("a line over --max-line gets one LINE_TOO_LONG, the rest is discarded, the connection stays usable", async () => {
  const maxLine = 256;
  await using t = await startTestServer({ alice: "pa", bob: "pb" }, { maxLine });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await alice.command("join lobby");
  await bob.command("join lobby");
  // 100 KB in pieces, the newline only at the very end: the server holds at most maxLine of it.
  await alice.sendBytes(encoder.encode("SECRET-START "));
  for (let i = 0; i < 100; i++) await alice.sendBytes(encoder.encode("A".repeat(1000)));
  await alice.sendBytes(encoder.encode(" SECRET-END\n"));
  const error = await alice.nextEvent((e) => e.type === "error");
  assert.equal(error.code, "LINE_TOO_LONG");
  assert.match(String(error.text), /longer than 256 bytes/);
  await alice.send("x".repeat(maxLine)); // exactly the limit: accepted
  await alice.send("y".repeat(maxLine + 1)); // one byte over: refused
  await alice.send("after");
  const first = await bob.nextEvent((e) => e.type === "message");
  const second = await bob.nextEvent((e) => e.type === "message");
  assert.equal(first.text, "x".repeat(maxLine));
  assert.equal(second.text, "after", "nothing of the long lines reached the room");
  await alice.nextEvent((e) => e.code === "LINE_TOO_LONG"); // the 257-byte line's
  const errors = alice.lines.filter((line) => line.includes("LINE_TOO_LONG"));
  assert.equal(errors.length, 2, "one error per overlong line, however long");
  assert.ok(!bob.lines.some((line) => line.includes("SECRET")));
  assert.equal((await alice.command("ping bob")).command, "ping", "still usable");
  console.log("max-line 256: a 100 KB line got 1 LINE_TOO_LONG, a 257-byte line 1; 256 bytes pass");
});

Deno.test("escapes, controls, telnet bytes and broken UTF-8 are cleaned before anyone sees them", async () => {
  await using t = await startTestServer({ alice: "pa", bob: "pb", carol: "pc" });
  await using alice = await LineClient.connect(t.port); // a telnet user: text mode
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await using carol = await LineClient.connect(t.port);
  carol.keepRaw = true;
  await alice.send("login alice pa");
  await alice.expect("welcome, alice");
  await carol.send("login carol pc");
  await carol.expect("welcome, carol");
  for (const client of [alice, carol]) {
    await client.send("join lobby");
    await client.expect("you joined lobby");
  }
  await bob.command("join lobby");
  const cases: [Uint8Array, string][] = [
    [bytes("a\x1b[2Jb\n"), "a[2Jb"], // ANSI clear screen loses its ESC
    [bytes("c\x1b]0;title\x07d\n"), "c]0;titled"], // OSC window title, BEL
    [bytes("e\u009b31mf\n"), "e31mf"], // C1 CSI
    [bytes("g\u202eh\u2066i\u2028j\u2029k\n"), "ghijk"], // bidi overrides, line separators
    [bytes("l", [0], "m\x7fn\x08o\x0bp\x0cq\n"), "lmnopq"], // NUL, DEL, BS, VT, FF
    [bytes("tab\there\n"), "tab\there"], // tab is kept
    [bytes("r", [0xc3, 0x28], "s\n"), "r\ufffd(s"], // invalid two-byte sequence
    [bytes("t", [0xe2, 0x82], "u\n"), "t\ufffdu"], // truncated sequence
    [bytes("v", [0xed, 0xa0, 0x80], "w\n"), "v\ufffd\ufffd\ufffdw"], // encoded surrogate
    [bytes("x", [0xff, 0xff], "y\n"), "x\ufffdy"], // IAC IAC: a 0xFF data byte, not UTF-8
    [bytes("z", [0xff, 0xfb, 0x01], "A\n"), "zA"], // IAC WILL ECHO is consumed
    [bytes("B", [0xff, 0xfa, 0x18, 0x00], "xterm", [0xff, 0xf0], "C\n"), "BC"], // subnegotiation
    [bytes("D\rE\n"), "D"], // a lone CR ends a line
    [bytes("  F  \r\n"), "F"],
    [bytes("\x1b\x1b\x07\n"), ""], // nothing left: nothing is sent
    [bytes("end\n"), "end"],
  ];
  for (const [input] of cases) await alice.sendBytes(input);
  const expected = cases.map(([, text]) => text).filter((text) => text !== "");
  expected.splice(expected.indexOf("D") + 1, 0, "E");
  const received: string[] = [];
  while (received.at(-1) !== "end") {
    received.push(String((await bob.nextEvent((e) => e.type === "message")).text));
  }
  assert.deepEqual(received, expected);
  await carol.expect("alice@lobby", 5000);
  await carol.waitFor((line) => line.endsWith(" end"));
  const raw = new Uint8Array(carol.raw);
  const controls = raw.filter((b) =>
    (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f || b === 0xff
  );
  assert.equal(controls.length, 0, "no control byte reached a terminal");
  assert.ok(!/[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(carol.lines.join("")));
  assert.ok(!alice.closed && !carol.closed);
  console.log(
    `${cases.length} hostile lines: all cleaned as documented, 0 control bytes delivered`,
  );
});

Deno.test("info texts and offline messages are stored cleaned", async () => {
  await using t = await startTestServer({ alice: "pa", dave: "pd" });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  assert.equal((await alice.command("info \x1b[31mred\x07 \u202eflip")).command, "info");
  assert.equal((await alice.command("tell dave \x1b]0;pwned\x07hi\x00 there")).command, "tell");
  assert.equal(t.server.chat.directory.store.info("alice"), "[31mred flip");
  assert.deepEqual(t.server.chat.directory.store.offlineFor("dave").map((m) => m.text), [
    "]0;pwnedhi there",
  ]);
  const empty = await alice.command("tell dave \x1b\x07");
  assert.equal(empty.code, "BAD_FORMAT", "a message of nothing but controls is refused");
});

Deno.test("every command with too few or too many arguments gets BAD_FORMAT with its usage line", async () => {
  await using t = await startTestServer({ alice: "pa" });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  const table = t.server.chat.commands;
  let tried = 0;
  for (const spec of table.specs) {
    const required = (spec.usage.match(/<[^>]+>/g) ?? []).length;
    const optional = (spec.usage.match(/\[[^\]]+\]/g) ?? []).length;
    const rest = spec.usage.includes("...");
    const wrong: string[] = [];
    if (required > 0) wrong.push(`/${spec.name}`);
    if (!rest) {
      wrong.push(
        `/${spec.name} ${Array.from({ length: required + optional + 1 }, () => "w").join(" ")}`,
      );
    }
    for (const line of wrong) {
      const reply = await alice.command(line);
      assert.equal(reply.code, "BAD_FORMAT", line);
      const hint = spec.formatHint ? ` (${spec.formatHint})` : "";
      assert.equal(reply.text, `usage: ${table.usageOf(spec)}${hint}`, line);
      tried++;
    }
  }
  assert.ok(!alice.closed);
  console.log(`${tried} malformed commands over ${table.specs.length} commands: all BAD_FORMAT`);
});
