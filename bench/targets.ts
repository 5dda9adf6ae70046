/**
 * The performance targets, judged from one benchmark run: each target, what each parley server
 * measured, the best peer's figure in the same run, the ratio, and whether it was met.
 *
 * A target whose figures the run did not produce (a scenario not run, a peer missing) is listed as
 * "not measured", never as met.
 *
 * @module
 */

import { type BenchReport, type RunReport, table } from "./report.ts";
import { isParley } from "./servers.ts";

/** What `bench/login_storm.ts` reports about the chat's latency before and during a storm. */
export interface LoginStormFigures {
  baseline: { p99: number };
  storm: { p99: number };
}

/** One row of the targets table. */
export interface TargetRow {
  target: string;
  server: string;
  /** The server's figure, in words. */
  measured: string;
  /** The best peer's figure in the same run, in words ("" when the target is absolute). */
  peer: string;
  /** parley ÷ peer (or ÷ the absolute bound), "–" when there is none. */
  ratio: string;
  verdict: "met" | "not met" | "not measured";
}

/** Fan-out must be at least this many times the best peer's (scenarios a and b). */
export const FANOUT_FACTOR = 1.5;
/** p99 at R=100 in scenario a must be at most this share of the best peer's. */
export const P99_FACTOR = 0.8;
/** Memory per connection right after everyone joined, scenario c, KiB. */
export const JOINED_KIB = 8;
/** Everyone connected, logged in and in the room within this many seconds (scenario c). */
export const ALL_IN_S = 30;
/** A login storm may raise the chat's p99 by less than this factor. */
export const STORM_FACTOR = 2;

const f = (n: number, digits = 1) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The peer (not parley) with the highest or lowest `value` among those that have one. */
function bestPeer(
  runs: RunReport[],
  value: (run: RunReport) => number | undefined,
  higherIsBetter: boolean,
): { run: RunReport; value: number } | undefined {
  let best: { run: RunReport; value: number } | undefined;
  for (const run of runs) {
    if (isParley(run.server) || run.error) continue;
    const v = value(run);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!best || (higherIsBetter ? v > best.value : v < best.value)) best = { run, value: v };
  }
  return best;
}

/** parley's servers that took part (parley, parley-epoll, …), in run order. */
function parleys(runs: RunReport[]): RunReport[] {
  return runs.filter((r) => isParley(r.server) && !r.error);
}

/** A row comparing a parley figure with the best peer's, `ok` deciding whether it is met. */
function compared(
  target: string,
  parley: RunReport,
  own: number | undefined,
  peer: { run: RunReport; value: number } | undefined,
  unit: string,
  ok: (ratio: number) => boolean,
): TargetRow {
  if (own === undefined || !Number.isFinite(own) || peer === undefined || !(peer.value > 0)) {
    return {
      target,
      server: parley.server,
      measured: own === undefined || !Number.isFinite(own) ? "–" : `${f(own)}${unit}`,
      peer: peer ? `${peer.run.server} ${f(peer.value)}${unit}` : "no peer measured",
      ratio: "–",
      verdict: "not measured",
    };
  }
  const ratio = own / peer.value;
  return {
    target,
    server: parley.server,
    measured: `${f(own)}${unit}`,
    peer: `${peer.run.server} ${f(peer.value)}${unit}`,
    ratio: `×${ratio.toFixed(2)}`,
    verdict: ok(ratio) ? "met" : "not met",
  };
}

/** A row comparing a parley figure with an absolute bound. */
function bounded(
  target: string,
  server: string,
  own: number | undefined,
  bound: number,
  unit: string,
  extra = "",
): TargetRow {
  if (own === undefined || !Number.isFinite(own)) {
    return { target, server, measured: "–", peer: "", ratio: "–", verdict: "not measured" };
  }
  return {
    target,
    server,
    measured: `${f(own)}${unit}${extra}`,
    peer: "",
    ratio: `×${(own / bound).toFixed(2)} of the bound`,
    verdict: own <= bound ? "met" : "not met",
  };
}

const millions = (run: RunReport) =>
  run.sustained ? run.sustained.deliveriesPerSecond / 1e6 : undefined;

/** The step at R=100 of a sweep, with its load generator's CPU share. */
function stepAt100(run: RunReport) {
  return run.steps.find((s) => s.rate === 100);
}

/** Every target of the issue, as rows, from what `report` (and a login storm) measured. */
export function judgeTargets(report: BenchReport, storm?: LoginStormFigures): TargetRow[] {
  const rows: TargetRow[] = [];
  const scenario = (name: string) => report.runs.filter((r) => r.scenario === name);

  for (const name of ["a", "b"]) {
    const runs = scenario(name);
    const best = bestPeer(runs, millions, true);
    for (const parley of parleys(runs)) {
      const row = compared(
        `(${name}) sustained fan-out ≥ ${FANOUT_FACTOR} × best peer`,
        parley,
        millions(parley),
        best,
        " M/s",
        (ratio) => ratio >= FANOUT_FACTOR,
      );
      if (parley.sustained?.lowerBound) row.measured = `≥ ${row.measured}`;
      rows.push(row);
    }
  }

  const a = scenario("a");
  const bestP99 = bestPeer(a, (r) => r.at100?.p99Ms, false);
  const bestP50 = bestPeer(a, (r) => r.at100?.p50Ms, false);
  for (const parley of parleys(a)) {
    const step = stepAt100(parley);
    const load = step ? ` (load generator ${Math.round(step.loadCpu * 100)} %)` : "";
    const p99 = compared(
      `(a) p99 at R=100 ≤ ${P99_FACTOR} × best peer`,
      parley,
      parley.at100?.p99Ms,
      bestP99,
      " ms",
      (ratio) => ratio <= P99_FACTOR,
    );
    p99.measured += load;
    rows.push(p99);
    rows.push(
      compared(
        "(a) p50 at R=100 ≤ best peer",
        parley,
        parley.at100?.p50Ms,
        bestP50,
        " ms",
        (ratio) => ratio <= 1,
      ),
    );
    const cut = parley.steps.filter((s) => s.ok).reduce((sum, s) => sum + s.dropped, 0);
    rows.push({
      target: "(a) no reader cut in a step that held",
      server: parley.server,
      measured: `${cut} cut`,
      peer: "",
      ratio: "–",
      verdict: parley.steps.length ? (cut === 0 ? "met" : "not met") : "not measured",
    });
  }

  const c = scenario("c");
  // A peer that did not get everyone in measured a smaller room: it is not compared.
  const fullRooms = c.filter((r) => r.connect.ready === r.clients);
  const bestTrickle = bestPeer(fullRooms, (r) => r.steps.at(-1)?.p99Ms, false);
  const bestSettled = bestPeer(c, (r) => r.rss.settledPerConnectionKiB, false);
  for (const parley of parleys(c)) {
    rows.push(
      compared(
        "(c) trickle p99 ≤ best peer (all N in)",
        parley,
        parley.steps.at(-1)?.p99Ms,
        bestTrickle,
        " ms",
        (ratio) => ratio <= 1,
      ),
    );
    rows.push(
      compared(
        "(c) settled memory per connection ≤ best peer",
        parley,
        parley.rss.settledPerConnectionKiB,
        bestSettled,
        " KiB",
        (ratio) => ratio <= 1,
      ),
    );
    rows.push(
      bounded(
        `(c) memory per connection after the joins ≤ ${JOINED_KIB} KiB`,
        parley.server,
        parley.rss.perConnectionKiB,
        JOINED_KIB,
        " KiB",
      ),
    );
    const allIn = parley.connect.ready === parley.clients;
    rows.push(
      bounded(
        `(c) all ${parley.clients.toLocaleString("en-US")} in within ${ALL_IN_S} s`,
        parley.server,
        allIn ? parley.connect.ms / 1000 : Infinity,
        ALL_IN_S,
        " s",
      ),
    );
    if (!allIn) rows.at(-1)!.measured = `${parley.connect.ready} of ${parley.clients} in`;
  }

  if (storm) {
    const factor = storm.storm.p99 / storm.baseline.p99;
    rows.push({
      target: `login storm raises chat p99 < ${STORM_FACTOR}×`,
      server: "parley",
      measured: `${f(storm.baseline.p99)} → ${f(storm.storm.p99)} ms`,
      peer: "",
      ratio: `×${factor.toFixed(2)}`,
      verdict: factor < STORM_FACTOR ? "met" : "not met",
    });
  }
  return rows;
}

/** The targets as a Markdown table. */
export function targetsTable(rows: TargetRow[]): string {
  return table(
    ["target", "server", "measured", "best peer (same run)", "ratio", ""],
    rows.map((r) => [r.target, r.server, r.measured, r.peer, r.ratio, r.verdict]),
  );
}
