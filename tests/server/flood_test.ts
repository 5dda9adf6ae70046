/**
 * Flood control: a connection sending faster than its rate is slowed down (its lines wait, none
 * is dropped) and the server stops reading from it meanwhile, so a flood neither grows the
 * server's memory nor raises the latency other users see.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";
import { ms, WatcherPair } from "../helpers/watchers.ts";

const encoder = new TextEncoder();

/** 8 MB of `line(i)` lines, built before the flood so that the flood costs this process little. */
function floodBytes(line: (i: number) => string): Uint8Array {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 8e6; i++) {
    const text = line(i) + "\n";
    parts.push(text);
    size += text.length;
  }
  return encoder.encode(parts.join(""));
}

/** Writes `bytes` as fast as the connection takes them, until done or the connection closes. */
async function flood(client: LineClient, bytes: Uint8Array): Promise<number> {
  let written = 0;
  try {
    while (written < bytes.length) {
      written += await client.conn.write(bytes.subarray(written, written + 65536));
    }
  } catch {
    // closed by the test: the flood is over
  }
  return written;
}

Deno.test("a flooder's lines are slowed to its rate, never dropped, and arrive in order", async () => {
  const rate = 20;
  const burst = 10;
  await using t = await startTestServer({ fast: "pf", reader: "pr" }, { rate, burst });
  await using fast = await LineClient.json(t.port, "fast", "pf");
  await using reader = await LineClient.json(t.port, "reader", "pr");
  await fast.command("join lobby");
  await reader.command("join lobby");
  const count = 50;
  const started = performance.now();
  await fast.sendBytes(encoder.encode(
    Array.from({ length: count }, (_, i) => `line ${i}\n`).join(""),
  ));
  const arrivals: number[] = [];
  for (let i = 0; i < count; i++) {
    const event = await reader.nextEvent((e) => e.type === "message");
    assert.equal(event.text, `line ${i}`, "every line, in order");
    arrivals.push(performance.now() - started);
  }
  const spread = arrivals.at(-1)! - arrivals[0]!;
  const expected = ((count - burst) / rate) * 1000;
  assert.ok(spread >= expected * 0.9, `spread ${spread.toFixed(0)} ms, expected ~${expected} ms`);
  assert.ok(arrivals[burst - 1]! < 500, "the burst goes through at once");
  const errors = fast.unread().filter((line) => line.includes('"type":"error"'));
  assert.deepEqual(errors, [], "no RATE_LIMITED or other error: lines wait, they are not refused");
  console.log(
    `rate ${rate}/s burst ${burst}: ${count} lines sent at once arrived in order over ` +
      `${spread.toFixed(0)} ms (expected ${expected} ms), none dropped`,
  );
});

Deno.test("floods from several connections do not raise the latency an honest pair sees", async () => {
  // The default flood control (5 lines/s, bursts of 10) for everyone, honest users included.
  await using t = await startTestServer({
    wa: "pa",
    wb: "pb",
    flooder: "pf",
    commander: "pc",
    giant: "pg",
  }, { rate: 5, burst: 10 });
  await using pair = await WatcherPair.start(t.port, ["wa", "pa"], ["wb", "pb"], "watch");
  // 4 lines/s each: under the rate, so the pair itself is never slowed.
  const baseline = await pair.chat(1500, { intervalMs: 250 });

  const flooder = await LineClient.json(t.port, "flooder", "pf");
  const commander = await LineClient.json(t.port, "commander", "pc");
  const giant = await LineClient.json(t.port, "giant", "pg");
  const stranger = await LineClient.connect(t.port); // never logs in
  await flooder.command("join watch");
  await giant.command("join watch");
  const payloads = [
    floodBytes((i) => `flood ${i}`),
    floodBytes((i) => (i % 2 ? "who" : "rooms")),
    floodBytes(() => "G".repeat(8000)),
    floodBytes((i) => `let me in ${i}`),
  ];
  const floodStart = performance.now();
  const floods = [flooder, commander, giant, stranger].map((c, i) => flood(c, payloads[i]!));
  // Measure once the flood is on: the flooder's burst has gone through, the rest is waiting.
  const [wa] = pair.clients;
  await wa.nextEvent((e) => e.from === "flooder" && e.text === "flood 9");
  const heard: number[] = [];
  const during = await pair.chat(3000, {
    intervalMs: 250,
    onOther: (event) => {
      if (event.type === "message" && event.from === "flooder") {
        heard.push(Number(String(event.text).split(" ")[1]));
      }
    },
  });
  const floodSeconds = (performance.now() - floodStart) / 1000;
  for (const client of [flooder, commander, giant, stranger]) await client.close();
  const written = await Promise.all(floods);

  const total = written.reduce((a, b) => a + b, 0);
  console.log(
    `flood: 4 connections pushed ${(total / 1e6).toFixed(1)} MB (what socket buffers took; ` +
      `the server read only what their rate allowed); the pair's p99 latency was ` +
      `${ms(baseline.p99)} ms before and ` +
      `${ms(during.p99)} ms during (max ${ms(during.max)} ms), ${during.lost} lost; ` +
      `${heard.length} further flood lines reached the room meanwhile, none skipped`,
  );
  assert.equal(during.lost, 0);
  assert.equal(during.outOfOrder, 0);
  assert.ok(during.p99 < 50, `p99 during the flood ${ms(during.p99)} ms`);
  assert.ok(
    during.p99 < baseline.p99 + 25,
    `p99 ${ms(during.p99)} ms vs ${ms(baseline.p99)} ms before`,
  );
  // After its burst the flooder was slowed to about its rate, 5 a second; none skipped.
  assert.deepEqual(
    heard,
    heard.map((_, i) => 10 + i),
    "the flood lines that came through, in order",
  );
  assert.ok(heard.length >= 10 && heard.length <= 5 * 5, `${heard.length} flood lines in ~4 s`);
  // The server handled each flooder's lines at its rate only, and left the rest unread.
  const answers = (client: LineClient, match: string) =>
    client.lines.filter((line) => line.includes(match)).length;
  const allowed = (cost: number) => (10 + 5 * floodSeconds) / cost + 2;
  assert.ok(answers(commander, '"type":"reply"') <= allowed(0.5) + 2, "commands at their rate");
  assert.ok(answers(giant, "LINE_TOO_LONG") <= allowed(1), "overlong lines at the rate");
  assert.ok(answers(stranger, "log in first") <= allowed(1), "pre-login lines at the rate");
  written.forEach((bytes, i) => {
    assert.ok(bytes < payloads[i]!.length, `the server did not take all of flood ${i}`);
  });
});

Deno.test("a logout after a throttled paste takes effect at once and the waiting lines are dropped", async () => {
  await using t = await startTestServer({ paster: "pp", reader: "pr" }, { rate: 5, burst: 10 });
  await using paster = await LineClient.json(t.port, "paster", "pp");
  await using reader = await LineClient.json(t.port, "reader", "pr");
  await paster.command("join lobby");
  await reader.command("join lobby");
  await paster.sendBytes(encoder.encode(
    Array.from({ length: 1000 }, (_, i) => `pasted ${i}\n`).join(""),
  ));
  const slowDown = await paster.nextEvent((e) => e.type === "notice" && e.kind === "info");
  const waiting = Number(/^slow down: (\d+) lines? waiting/.exec(String(slowDown.text))?.[1]);
  // Counted after the read that started the wait is queued, not at its first waiting line.
  assert.ok(waiting > 10, `slow down counted ${waiting} lines waiting`);
  const started = performance.now();
  await paster.send("logout");
  await paster.nextEvent((e) => e.command === "logout", 2000);
  await paster.waitClosed(2000);
  const took = performance.now() - started;
  const left = await reader.nextEvent((e) => e.type === "notice" && e.kind === "leave");
  assert.equal(left.text, "paster left lobby");
  const relayed = reader.lines.filter((line) => line.includes("pasted ")).length;
  assert.ok(relayed < 30, `${relayed} pasted lines relayed: the rest were dropped`);
  assert.equal(
    paster.lines.filter((line) => line.includes("slow down")).length,
    1,
    "told once",
  );
  console.log(`logout took ${took.toFixed(0)} ms behind a 1,000-line paste; ${relayed} relayed`);
});

Deno.test("a sender who hangs up behind a throttled paste is gone at once", async () => {
  await using t = await startTestServer({ paster: "pp", reader: "pr" }, {
    rate: 5,
    burst: 10,
    grace: 0,
  });
  const paster = await LineClient.json(t.port, "paster", "pp");
  await using reader = await LineClient.json(t.port, "reader", "pr");
  await paster.command("join lobby");
  await reader.command("join lobby");
  await paster.sendBytes(encoder.encode(
    Array.from({ length: 1000 }, (_, i) => `pasted ${i}\n`).join(""),
  ));
  await paster.nextEvent((e) => e.type === "notice" && e.kind === "info");
  await paster.close();
  const lost = await reader.nextEvent((e) => e.type === "notice" && e.kind === "lost", 2000);
  assert.match(String(lost.text), /paster lost connection/);
  const who = await reader.command("who");
  assert.ok(!String(who.text).includes("paster"), "no longer online");
});
