/**
 * Smoke tests of the benchmark itself (not of parley's speed): the latency histogram, the drivers'
 * set-up sequences, and a `--quick` run against the real server (over TCP with both socket
 * drivers, and over WebSocket) and the `ws` relay.
 */

import assert from "node:assert/strict";
import { defaultOptions, quickOptions, runBench } from "../../bench/bench.ts";
import { ircDriver, parleyDriver, wsDriver } from "../../bench/drivers.ts";
import { Histogram } from "../../bench/histogram.ts";
import { summaryTables } from "../../bench/report.ts";

Deno.test("latency histogram percentiles are within half a percent of the exact values", () => {
  const h = new Histogram();
  const values: number[] = [];
  // A deterministic spread from 1 µs to about 2 s.
  for (let i = 1; i <= 20_000; i++) {
    const v = Math.round(Math.pow(i, 1.9) / 100) + 1;
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = values[Math.ceil(q * values.length) - 1]!;
    const got = h.percentile(q);
    assert.ok(Math.abs(got - exact) <= exact * 0.005 + 1, `p${q * 100}: ${got} vs ${exact}`);
  }
  assert.equal(h.maxUs, values[values.length - 1]);
  const merged = new Histogram();
  merged.addSparse(h.toSparse(), h.maxUs);
  assert.equal(merged.total, h.total);
  assert.equal(merged.percentile(0.99), h.percentile(0.99));
});

Deno.test("IRC driver joins after 001 and is in the room at the end of NAMES", () => {
  const progress = { value: 0 };
  assert.equal(ircDriver.hello("b1", "x"), "NICK b1\r\nUSER b1 0 * :b1\r\n");
  assert.deepEqual(ircDriver.setupLine(":srv 001 b1 :Welcome", progress), {
    kind: "wait",
    send: "JOIN #bench\r\n",
  });
  assert.deepEqual(ircDriver.setupLine("PING :srv", progress), {
    kind: "wait",
    send: "PONG :srv\r\n",
  });
  assert.equal(ircDriver.setupLine(":srv 353 b1 = #bench :b1", progress).kind, "wait");
  assert.equal(ircDriver.setupLine(":srv 366 b1 #bench :End", progress).kind, "ready");
  assert.equal(ircDriver.setupLine(":srv 433 * b1 :Nickname in use", progress).kind, "failed");
});

Deno.test("parley driver is in the room once the join is answered and text mode is back", () => {
  const driver = parleyDriver();
  const progress = { value: 0 };
  assert.equal(driver.setupLine("* 09:00:00 welcome to parley", progress).kind, "wait");
  assert.equal(
    driver.setupLine('{"type":"reply","command":"login","text":"hi","time":"t"}', progress).kind,
    "wait",
  );
  assert.equal(
    driver.setupLine('{"type":"reply","command":"join","text":"ok","time":"t"}', progress).kind,
    "wait",
  );
  assert.equal(driver.setupLine("* 09:00:00 mode text", progress).kind, "ready");
  const failed = driver.setupLine(
    '{"type":"error","code":"LOGIN_FAILED","text":"no","time":"t"}',
    { value: 0 },
  );
  assert.equal(failed.kind, "failed");
});

Deno.test("WebSocket driver sends one command a line and is in the room once the join is answered", () => {
  const driver = wsDriver();
  const progress = { value: 0 };
  assert.equal(driver.hello("b1", "pw"), "login b1 pw\njoin lobby\n");
  assert.equal(
    driver.setupLine('{"type":"notice","kind":"welcome","text":"hi"}', progress).kind,
    "wait",
  );
  assert.equal(
    driver.setupLine('{"type":"reply","command":"login","text":"hi"}', progress).kind,
    "wait",
  );
  assert.equal(
    driver.setupLine('{"type":"reply","command":"join","text":"ok"}', progress).kind,
    "ready",
  );
  assert.equal(
    driver.setupLine('{"type":"error","code":"LOGIN_FAILED","text":"no"}', { value: 0 }).kind,
    "failed",
  );
});

Deno.test("quick benchmark run logs every client in and measures deliveries, over TCP with both socket drivers and over WebSocket", async () => {
  const lines: string[] = [];
  const report = await runBench({
    ...defaultOptions(),
    ...quickOptions(),
    pinSelf: false,
    install: false,
    log: (line) => lines.push(line),
  });
  assert.deepEqual(
    report.runs.map((r) => r.server),
    ["parley", "parley-epoll", "parley-ws", "ws"],
    `the ws relay needs node and \`npm install\`:\n${lines.join("\n")}`,
  );
  for (const run of report.runs) {
    assert.equal(run.error, undefined, `${run.server}: ${run.error}\n${lines.join("\n")}`);
    assert.equal(run.connect.ready, run.clients);
    assert.equal(run.connect.failed, 0);
    assert.equal(run.steps.length, 2);
    for (const step of run.steps) {
      assert.ok(step.sent > 0, "messages were sent");
      assert.equal(step.members, run.clients);
      assert.ok(step.deliveredPerSecond > 0, "messages were delivered");
      assert.ok(step.ratio > 0 && step.ratio <= 1, `delivery ratio ${step.ratio}`);
      assert.ok(step.p50Ms > 0 && step.p50Ms <= step.p99Ms, "p50 ≤ p99");
      assert.ok(step.p99Ms <= step.p999Ms && step.p999Ms <= step.maxMs, "p99 ≤ p99.9 ≤ max");
    }
    assert.ok(run.rss.idleKiB > 0 && run.rss.connectedKiB > 0 && run.rss.endKiB > 0);
  }
  const tables = summaryTables(report);
  assert.match(tables, /\| parley /);
  assert.match(tables, /\| parley-epoll /);
  assert.match(tables, /\| parley-ws /);
  assert.match(tables, /Ratios parley-ws ÷ peer/);
  assert.match(tables, /Scenario quick: N=50/);
});
