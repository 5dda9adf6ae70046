/**
 * The targets table judges each target from the run's own figures: against the best peer of the
 * same run, never as met when a figure is missing.
 */

import assert from "node:assert/strict";
import type { BenchReport, RunReport, StepReport } from "../../bench/report.ts";
import { judgeTargets, targetsTable } from "../../bench/targets.ts";

function step(rate: number, p50Ms: number, p99Ms: number, dropped = 0): StepReport {
  return {
    rate,
    durationS: 4,
    members: 1000,
    sent: rate * 4,
    offeredPerSecond: rate,
    offeredDeliveriesPerSecond: rate * 999,
    deliveredPerSecond: rate * 999,
    ratio: 1,
    p50Ms,
    p99Ms,
    p999Ms: p99Ms,
    maxMs: p99Ms,
    scheduleLagP99Ms: 0,
    loadCpu: 0.4,
    serverCpu: 0.5,
    otherCpu: 0,
    dropped,
    ok: true,
    loadBound: false,
    limit: "?",
    notes: [],
  };
}

function run(
  server: string,
  scenario: string,
  figures: { fanout?: number; p50?: number; p99?: number; kib?: number; settled?: number },
  extra: Partial<RunReport> = {},
): RunReport {
  const steps = figures.p99 === undefined ? [] : [step(100, figures.p50 ?? 1, figures.p99)];
  return {
    server,
    scenario,
    clients: scenario === "c" ? 10_000 : 1000,
    senders: 10,
    messageBytes: 64,
    connect: {
      ms: 5000,
      ready: scenario === "c" ? 10_000 : 1000,
      failed: 0,
      errors: [],
      concurrency: 500,
    },
    rss: {
      idleKiB: 0,
      connectedKiB: 0,
      endKiB: 0,
      perConnectionKiB: figures.kib ?? 0,
      settledPerConnectionKiB: figures.settled,
    },
    steps,
    sustained: figures.fanout === undefined ? undefined : {
      rate: figures.fanout / 999,
      deliveriesPerSecond: figures.fanout,
      p99Ms: 10,
      lowerBound: false,
      limit: "server",
    },
    at100: figures.p99 === undefined ? undefined : { p50Ms: figures.p50 ?? 1, p99Ms: figures.p99 },
    ...extra,
  };
}

function report(runs: RunReport[]): BenchReport {
  return {
    startedAt: "",
    command: "",
    machine: { cpus: 2, model: "", kernel: "", deno: "" },
    settings: {},
    runs,
  };
}

const verdict = (rows: ReturnType<typeof judgeTargets>, target: string, server = "parley") =>
  rows.find((r) => r.target.startsWith(target) && r.server === server)?.verdict;

Deno.test("fan-out is judged against the best peer of the same run", () => {
  const rows = judgeTargets(report([
    run("parley", "a", { fanout: 3e6, p50: 5, p99: 20 }),
    run("parley-epoll", "a", { fanout: 2e6, p50: 5, p99: 20 }),
    run("ngircd", "a", { fanout: 1.6e6, p50: 10, p99: 40 }),
    run("inspircd", "a", { fanout: 1.4e6, p50: 4, p99: 30 }),
  ]));
  assert.equal(verdict(rows, "(a) sustained fan-out"), "met"); // ×1.88 of ngircd
  assert.equal(verdict(rows, "(a) sustained fan-out", "parley-epoll"), "not met"); // ×1.25
  assert.equal(verdict(rows, "(a) p99 at R=100"), "met"); // 20 ≤ 0.8 × 30
  assert.equal(verdict(rows, "(a) p50 at R=100"), "not met"); // 5 > inspircd's 4
  const p99 = rows.find((r) => r.target.startsWith("(a) p99"))!;
  assert.match(p99.peer, /^inspircd 30/);
  assert.match(p99.measured, /load generator 40 %/);
});

Deno.test("a target without figures is not measured, never met", () => {
  const rows = judgeTargets(report([run("parley", "a", { fanout: 3e6, p50: 5, p99: 20 })]));
  assert.equal(verdict(rows, "(a) sustained fan-out"), "not measured");
  assert.equal(verdict(rows, "(a) p99 at R=100"), "not measured");
  assert.ok(!rows.some((r) => r.target.startsWith("(c)")), "scenario c did not run");
});

Deno.test("a reader cut in a step that held fails the no-cut target", () => {
  const parley = run("parley", "a", { fanout: 3e6, p50: 5, p99: 20 });
  parley.steps.push(step(200, 5, 20, 3));
  const rows = judgeTargets(report([parley]));
  assert.equal(verdict(rows, "(a) no reader cut"), "not met");
});

Deno.test("memory, room size and trickle are judged in scenario c; a partial room is no peer", () => {
  const rows = judgeTargets(
    report([
      run("parley", "c", { p99: 300, kib: 9, settled: 4 }),
      run("ngircd", "c", { p99: 70, kib: 5, settled: 5 }, {
        connect: { ms: 120_000, ready: 3440, failed: 6560, errors: [], concurrency: 10 },
      }),
      run("inspircd", "c", { p99: 350, kib: 28, settled: 28 }),
    ]),
    { baseline: { p99: 2 }, storm: { p99: 3 } },
  );
  // ngircd's 70 ms was measured in a room of 3,440: inspircd is the peer compared.
  assert.equal(verdict(rows, "(c) trickle p99"), "met");
  assert.match(rows.find((r) => r.target.startsWith("(c) trickle"))!.peer, /^inspircd/);
  assert.equal(verdict(rows, "(c) settled memory"), "met"); // 4 ≤ ngircd's 5
  assert.equal(verdict(rows, "(c) memory per connection after the joins"), "not met"); // 9 > 8
  assert.equal(verdict(rows, "(c) all 10,000 in"), "met");
  assert.equal(verdict(rows, "login storm"), "met"); // ×1.5
  assert.match(
    targetsTable(rows),
    /\| \(c\) settled memory per connection ≤ best peer +\| parley /,
  );
});
