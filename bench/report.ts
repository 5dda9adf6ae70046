/**
 * The benchmark's results as data ({@link BenchReport}) and as the tables it prints.
 *
 * @module
 */

import { isParley } from "./servers.ts";

/** One sending step at one rate. */
export interface StepReport {
  /** Aggregate send rate asked for, messages/s. */
  rate: number;
  durationS: number;
  /** Clients in the room when the step began. */
  members: number;
  sent: number;
  /** Messages/s actually sent. */
  offeredPerSecond: number;
  /** Deliveries/s asked for: sent × (members − 1) / duration. */
  offeredDeliveriesPerSecond: number;
  /** Deliveries/s that arrived (within the drain allowance). */
  deliveredPerSecond: number;
  /** delivered / offered deliveries. */
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** How late the load generator handed messages to the socket, p99 (ms). */
  scheduleLagP99Ms: number;
  /** Load generator CPU share (1 = one core) while sending / over step and drain (worst worker). */
  loadCpu: number;
  /** Server CPU share over the step and its drain (1 = one core). */
  serverCpu: number;
  /** CPU share used meanwhile by processes other than the server and the load generator. */
  otherCpu: number;
  /** Clients the server disconnected during the step. */
  dropped: number;
  /** Whether the step held: ratio ≥ 0.95 and p99 ≤ 1 s. */
  ok: boolean;
  /** The load generator was (close to) the bottleneck: the figures are lower bounds. */
  loadBound: boolean;
  /** What most likely limited the step: server, load generator, busy machine, or "?". */
  limit: string;
  notes: string[];
}

/** One server in one scenario. */
export interface RunReport {
  server: string;
  scenario: string;
  clients: number;
  senders: number;
  messageBytes: number;
  connect: {
    ms: number;
    ready: number;
    failed: number;
    errors: string[];
    /** Clients connecting at once (bounded by the server's listen backlog). */
    concurrency: number;
  };
  rss: {
    idleKiB: number;
    connectedKiB: number;
    endKiB: number;
    perConnectionKiB: number;
    /** After everyone was held connected and quiet for the scenario's settle time (c only). */
    settledKiB?: number;
    settledPerConnectionKiB?: number;
  };
  steps: StepReport[];
  /** The step with the highest delivered rate that held, if any. */
  sustained?: {
    rate: number;
    deliveriesPerSecond: number;
    p99Ms: number;
    /** The server's limit was not reached (see `limit`): the true figure is higher. */
    lowerBound: boolean;
    /** What limited the lowest failing rate ("none": no rate failed). */
    limit: string;
  };
  /** The step at R=100, if the sweep ran one (the latency comparison point). */
  at100?: { p50Ms: number; p99Ms: number };
  error?: string;
}

/** Everything one benchmark run measured. */
export interface BenchReport {
  startedAt: string;
  command: string;
  machine: { cpus: number; model: string; kernel: string; deno: string };
  settings: Record<string, unknown>;
  runs: RunReport[];
  /** The login storm's chat latency before and during (when it ran). */
  loginStorm?: { baseline: { p50: number; p99: number }; storm: { p50: number; p99: number } };
}

/** Formats a number with thousands separators. */
export function num(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Formats milliseconds with sensible precision. */
export function ms(n: number): string {
  if (n >= 100) return num(n, 0);
  if (n >= 10) return num(n, 1);
  return num(n, 2);
}

/** One progress line for a step. */
export function stepLine(run: { server: string; scenario: string }, s: StepReport): string {
  const flags = [
    s.ok ? "held" : `FAILED (limit: ${s.limit})`,
    ...(s.loadBound ? ["load-bound"] : []),
    ...s.notes,
  ];
  return `${run.server} ${run.scenario} R=${num(s.rate)}: offered ${
    num(s.offeredDeliveriesPerSecond)
  }/s delivered ${num(s.deliveredPerSecond)}/s ratio ${s.ratio.toFixed(3)} p50 ${ms(s.p50Ms)} p99 ${
    ms(s.p99Ms)
  } p99.9 ${ms(s.p999Ms)} max ${ms(s.maxMs)} ms | lag p99 ${ms(s.scheduleLagP99Ms)} ms load cpu ${
    Math.round(s.loadCpu * 100)
  }% server cpu ${Math.round(s.serverCpu * 100)}%${
    s.otherCpu >= 0.05 ? ` other ${Math.round(s.otherCpu * 100)}%` : ""
  } | ${flags.join(", ")}`;
}

/** A Markdown table, its columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  return [
    line(header),
    "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|",
    ...rows.map(line),
  ]
    .join("\n");
}

function fanout(run: RunReport): string {
  if (run.error) return "error";
  if (!run.sustained) return "none held";
  return (run.sustained.lowerBound ? "≥ " : "") + num(run.sustained.deliveriesPerSecond) + "/s";
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0) || !(a > 0)) return "–";
  return `×${(a / b).toFixed(2)}`;
}

/** Connect-time ratio; meaningless (shown as such) when either side did not get everyone in. */
/** Memory per connection, settled where both were measured settled. */
function memoryRatio(parley: RunReport, peer: RunReport): string {
  const settled = parley.rss.settledPerConnectionKiB !== undefined &&
    peer.rss.settledPerConnectionKiB !== undefined;
  return settled
    ? ratio(parley.rss.settledPerConnectionKiB, peer.rss.settledPerConnectionKiB)
    : ratio(parley.rss.perConnectionKiB, peer.rss.perConnectionKiB);
}

function connectRatio(parley: RunReport, peer: RunReport): string {
  if (peer.connect.ready < peer.clients) {
    return `– (${peer.server}: ${num(peer.connect.ready)} of ${num(peer.clients)} in)`;
  }
  if (parley.connect.ready < parley.clients) return "– (parley: not all in)";
  return ratio(parley.connect.ms, peer.connect.ms);
}

/** The scenario tables and the parley ÷ peer ratio tables, as Markdown. */
export function summaryTables(report: BenchReport): string {
  const out: string[] = [];
  const scenarios = [...new Set(report.runs.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const runs = report.runs.filter((r) => r.scenario === scenario);
    const first = runs[0]!;
    out.push(
      `### Scenario ${scenario}: N=${
        num(first.clients)
      }, S=${first.senders}, ${first.messageBytes}-byte messages`,
      "",
    );
    const trickle = first.steps.length > 0 && runs.every((r) => r.steps.length <= 1);
    const rows = runs.map((r) => {
      const last = r.steps[r.steps.length - 1];
      const base = [
        r.server,
        trickle
          ? (last ? `${ms(last.p50Ms)} / ${ms(last.p99Ms)} / ${ms(last.maxMs)}` : "–")
          : fanout(r),
        trickle
          ? (last ? last.ratio.toFixed(3) : "–")
          : (r.sustained ? num(r.sustained.rate) : "–"),
        trickle ? "" : (r.at100 ? `${ms(r.at100.p50Ms)} / ${ms(r.at100.p99Ms)}` : "–"),
        `${num(r.connect.ms / 1000, 1)} s (${num(r.connect.ready)}/${num(r.clients)})`,
        `${num(r.rss.idleKiB / 1024, 1)} / ${num(r.rss.connectedKiB / 1024, 1)} / ${
          num(r.rss.endKiB / 1024, 1)
        }`,
        r.rss.settledPerConnectionKiB === undefined
          ? num(r.rss.perConnectionKiB, 1)
          : `${num(r.rss.perConnectionKiB, 1)} / ${num(r.rss.settledPerConnectionKiB, 1)}`,
      ];
      return trickle ? base.filter((_, i) => i !== 3) : base;
    });
    const header = trickle
      ? [
        "server",
        "latency p50 / p99 / max (ms)",
        "delivery ratio",
        "connect+login+join all",
        "RSS idle / N / end (MiB)",
        "KiB per connection (after joins / settled)",
      ]
      : [
        "server",
        "sustained fan-out",
        "at R (msg/s)",
        "p50 / p99 at R=100 (ms)",
        "connect+login+join all",
        "RSS idle / N / end (MiB)",
        "KiB per connection",
      ];
    out.push(table(header, rows), "");
    const peers = runs.filter((r) => !isParley(r.server));
    for (const parley of runs.filter((r) => isParley(r.server))) {
      if (peers.length === 0) break;
      out.push(`Ratios ${parley.server} ÷ peer (scenario ${scenario}):`, "");
      const ratioRows = peers.map((p) => {
        const pLast = parley.steps[parley.steps.length - 1];
        const qLast = p.steps[p.steps.length - 1];
        return trickle
          ? [
            p.server,
            p.connect.ready < p.clients
              ? `– (${p.server}: a room of ${num(p.connect.ready)})`
              : ratio(pLast?.p99Ms, qLast?.p99Ms),
            connectRatio(parley, p),
            memoryRatio(parley, p),
          ]
          : [
            p.server,
            ratio(parley.sustained?.deliveriesPerSecond, p.sustained?.deliveriesPerSecond),
            ratio(parley.at100?.p99Ms, p.at100?.p99Ms),
            connectRatio(parley, p),
            memoryRatio(parley, p),
          ];
      });
      const ratioHeader = trickle
        ? ["peer", "p99 (lower is better)", "connect time (lower)", "memory/conn (lower)"]
        : [
          "peer",
          "fan-out (higher is better)",
          "p99 at R=100 (lower)",
          "connect time (lower)",
          "memory/conn (lower)",
        ];
      out.push(table(ratioHeader, ratioRows), "");
    }
    for (const r of runs) {
      if (r.error) out.push(`- ${r.server}: error: ${r.error}`);
      if (r.sustained?.lowerBound) {
        out.push(
          `- ${r.server}: the fan-out is a lower bound: the sweep stopped at a rate limited by ${
            r.sustained.limit === "none"
              ? "its own bound (no rate failed)"
              : `the ${r.sustained.limit}`
          }, not by the server.`,
        );
      }
      if (r.connect.failed > 0) {
        out.push(
          `- ${r.server}: ${r.connect.failed} clients failed to get in: ${r.connect.errors[0]}`,
        );
      }
    }
    if (out[out.length - 1] !== "") out.push("");
  }
  return out.join("\n");
}
