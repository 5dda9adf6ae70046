/**
 * parley's benchmark (`deno task bench`): room fan-out throughput, latency, connect time and
 * memory per connection, measured side by side with ngircd and inspircd, and over WebSocket with a
 * relay on Node.js's `ws`. See docs/performance.md for the method and the latest figures.
 *
 * @example
 * ```sh
 * deno task bench                              # everything (about 15 minutes)
 * deno task bench --quick                      # a few seconds, parley and the ws relay (smoke test)
 * deno task bench --scenario a --servers parley,ngircd --duration 3
 * deno task bench --scenario ws                # WebSocket: parley, the ws relay, parley over TCP
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { calibrateClock, nowUs } from "./clock.ts";
import { LoadGroup } from "./load_group.ts";
import { runLoginStorm } from "./login_storm.ts";
import { judgeTargets, targetsTable } from "./targets.ts";
import {
  type BenchReport,
  ms,
  num,
  type RunReport,
  stepLine,
  type StepReport,
  summaryTables,
} from "./report.ts";
import {
  detectClockTicks,
  ensurePeers,
  findExecutable,
  isParley,
  listenBacklog,
  otherCpuSeconds,
  peerInstalled,
  type RunningServer,
  SERVER_NAMES,
  type ServerName,
  sleep,
  startServer,
  within,
} from "./servers.ts";

/** The workloads (see docs/performance.md). */
export interface Scenario {
  name: string;
  clients: number;
  senders: number;
  messageBytes: number;
  /** "sweep": raise the rate until it no longer holds; "fixed": run the given rates once each. */
  mode: "sweep" | "fixed";
  /** First rate of a sweep, or the rates of a fixed run (messages/s). */
  rates: number[];
  /** Seconds per step (a sweep's steps, or each fixed rate). */
  stepSeconds: number;
  /**
   * Seconds to hold everyone connected and quiet before reading the RSS again ("settled"): a
   * garbage-collected server returns memory grown by the join storm only once it has been idle.
   */
  settleSeconds?: number;
  /** The servers it runs against unless `--servers` says otherwise (default {@link TCP_SERVERS}). */
  servers?: readonly ServerName[];
}

/** The servers of scenarios a, b and c: parley with both socket drivers and the IRC peers. */
export const TCP_SERVERS: readonly ServerName[] = ["parley", "parley-epoll", "ngircd", "inspircd"];

/** What scenarios a and b share: a sweep from R=100 with 10 senders of 64-byte messages. */
const SWEEP: Omit<Scenario, "name" | "clients"> = {
  senders: 10,
  messageBytes: 64,
  mode: "sweep",
  rates: [100],
  stepSeconds: 4,
};

/** The scenarios of `deno task bench`. */
export const SCENARIOS: Record<string, Scenario> = {
  a: { ...SWEEP, name: "a", clients: 1000 },
  b: { ...SWEEP, name: "b", clients: 100 },
  // Scenario a over WebSocket: parley's /ws, the ws relay, and parley's TCP figure beside them.
  ws: { ...SWEEP, name: "ws", clients: 1000, servers: ["parley-ws", "ws", "parley"] },
  // Scenario a with history and transcripts (the default) and without, side by side.
  history: { ...SWEEP, name: "history", clients: 1000, servers: ["parley", "parley-nohistory"] },
  c: {
    name: "c",
    clients: 10_000,
    senders: 10,
    messageBytes: 64,
    mode: "fixed",
    rates: [10],
    stepSeconds: 10,
    settleSeconds: 40,
  },
  quick: {
    name: "quick",
    clients: 50,
    senders: 5,
    messageBytes: 64,
    mode: "fixed",
    rates: [100, 400],
    stepSeconds: 1,
  },
};

/** Options of one benchmark run. */
export interface BenchOptions {
  /** The servers of every scenario; unset: each scenario's own ({@link Scenario.servers}). */
  servers?: ServerName[];
  scenarios: Scenario[];
  /** CPU list the server under test is pinned to ("" = no pinning). */
  serverCpu: string;
  /** CPU list the load generator (and this coordinator) run on ("" = no pinning). */
  loadCpu: string;
  /** Load-generator processes. */
  workers: number;
  /** Clients connecting at once (at most the server's listen backlog). */
  connectConcurrency: number;
  /** Start no more clients after this many seconds of connecting (the rest count as failed). */
  connectBudgetS: number;
  /** Clients that measure latency (spread evenly over the room); the rest only count. */
  latencyClients: number;
  /**
   * How often the counting-only clients read, ms; undefined: max(20, (N − L) / 50), which keeps
   * their reads under about 50,000/s.
   */
  batchReadMs?: number;
  /** Sweep: factor between rates until the first failure, and the resolution to stop at. */
  sweepFactor: number;
  sweepResolution: number;
  maxSteps: number;
  /** Highest rate a sweep tries (messages/s). */
  maxRate: number;
  /** Pin this coordinator process to loadCpu too. */
  pinSelf: boolean;
  /** Install missing peers with scripts/install_bench_peers.sh. */
  install: boolean;
  /** Project root. */
  root: string;
  /** Where progress lines go. */
  log: (line: string) => void;
  /** Extra parley server arguments. */
  parleyArgs: string[];
  /** Extra `deno run` flags for the parley server (profiling). */
  parleyDenoFlags: string[];
  /** Append the servers' output to this file. */
  serverLog?: string;
  /** The command line to record in the report. */
  command: string;
  /** Also run `bench/login_storm.ts` (100 logins at the default iterations) for its target. */
  loginStorm: boolean;
}

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Stops for everything currently running (servers, load generators), for errors and Ctrl-C. */
const running = new Set<() => Promise<void>>();
/** Set by Ctrl-C / SIGTERM: start nothing more. */
let aborting = false;
const PASSWORD = "bench-password";
const HOLD_RATIO = 0.95;
const HOLD_P99_MS = 1000;
const LOAD_CPU_LIMIT = 0.9;
const LAG_LIMIT_MS = 25;
const OTHER_CPU_LIMIT = 0.1;
const SERVER_CPU_LIMIT = 0.85;

/** Defaults of {@link BenchOptions}. */
export function defaultOptions(): BenchOptions {
  return {
    servers: undefined,
    scenarios: [SCENARIOS.a!, SCENARIOS.b!, SCENARIOS.c!],
    serverCpu: "0",
    loadCpu: "1",
    workers: 1,
    connectConcurrency: 500,
    latencyClients: 100,
    connectBudgetS: 120,
    sweepFactor: 2,
    // Within 10 %: the ratio targets compare sustained rates, and a 20 % step hid differences
    // that size (in scenario b every server's figure landed on one of 25,600, 36,204, 43,054).
    sweepResolution: 1.1,
    maxSteps: 16,
    maxRate: 200_000,
    pinSelf: true,
    install: true,
    root: ROOT,
    log: (line) => console.log(line),
    parleyArgs: [],
    parleyDenoFlags: [],
    command: "deno task bench",
    loginStorm: true,
  };
}

async function pinSelf(cpu: string): Promise<void> {
  if (!cpu || !findExecutable("taskset")) return;
  // -a: every thread of this process (V8 and runtime threads included).
  await new Deno.Command("taskset", {
    args: ["-a", "-p", "-c", cpu, String(Deno.pid)],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}

async function machine(): Promise<BenchReport["machine"]> {
  let model = "";
  try {
    const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
    model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "";
  } catch {
    // not Linux
  }
  return {
    cpus: navigator.hardwareConcurrency,
    model,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
  };
}

/** What a run needs while it measures. */
interface RunContext {
  options: BenchOptions;
  scenario: Scenario;
  server: RunningServer;
  group: LoadGroup;
  report: RunReport;
  /** How often the counting-only clients read, ms. */
  batchMs: number;
}

/**
 * Waits until no room message (or, with `anyLine`, nothing at all) has arrived for `quietMs`;
 * bounded by `boundMs`. Returns whether it got quiet.
 */
async function waitQuiet(
  group: LoadGroup,
  quietMs: number,
  boundMs: number,
  anyLine = false,
): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const p = await group.poll();
    if (nowUs() - (anyLine ? p.lastReadUs : p.lastMessageUs) > quietMs * 1000) return true;
    await sleep(100);
  }
  return false;
}

/** Runs one step at one rate: send, drain, collect. */
async function runStep(ctx: RunContext, rate: number, seconds: number): Promise<StepReport> {
  const { group, server, scenario } = ctx;
  const notes: string[] = [];
  const before = await group.poll();
  const members = before.alive;
  const durationMs = seconds * 1000;
  const startUs = nowUs() + 100_000;
  const ours = new Set([Deno.pid, server.pid, ...group.pids]);
  const other0 = otherCpuSeconds(ours);
  const cpu0 = server.cpuSeconds();
  const wall0 = performance.now();
  const sending = await group.step(
    startUs,
    rate,
    durationMs,
    scenario.senders,
    scenario.messageBytes,
  );
  const expected = sending.sent * Math.max(0, members - 1);
  const endUs = startUs + durationMs * 1000;
  // Drain: until everything arrived, or nothing more arrives (after at least 1.2 s), or 5 s.
  let last = -1;
  let lastChange = nowUs();
  for (let i = 0; i < 200; i++) {
    const p = await group.poll();
    const now = nowUs();
    if (p.deliveries >= expected) break;
    if (p.deliveries !== last) {
      last = p.deliveries;
      lastChange = now;
    }
    if (now - endUs > 1_200_000 && now - lastChange > Math.max(300, 2 * ctx.batchMs) * 1000) break;
    if (now - endUs > 5_000_000) break;
    await sleep(50);
  }
  const collected = await group.collect();
  const wall = (performance.now() - wall0) / 1000;
  const serverCpu = wall > 0 ? (server.cpuSeconds() - cpu0) / wall : 0;
  const otherCpu = wall > 0 ? (otherCpuSeconds(ours) - other0) / wall : 0;
  const ratio = expected > 0 ? collected.deliveries / expected : 0;
  const lat = collected.latency;
  const p99Ms = lat.percentile(0.99) / 1000;
  const lagP99Ms = sending.lag.percentile(0.99) / 1000;
  const loadCpu = Math.max(sending.cpu, collected.cpu);
  const loadBound = loadCpu >= LOAD_CPU_LIMIT || lagP99Ms > LAG_LIMIT_MS;
  if (sending.sent < Math.round(rate * seconds)) notes.push(`sent only ${num(sending.sent)}`);
  if (sending.backlogBytes > 0) {
    notes.push(`server not reading senders: ${num(sending.backlogBytes)} B queued`);
  }
  if (otherCpu >= OTHER_CPU_LIMIT) {
    notes.push(`busy machine: other processes used ${Math.round(otherCpu * 100)}% of a core`);
  }
  if (collected.dropped > 0) {
    notes.push(`${collected.dropped} clients dropped (${collected.dropReasons[0] ?? "?"})`);
  }
  const step: StepReport = {
    rate,
    durationS: seconds,
    members,
    sent: sending.sent,
    offeredPerSecond: sending.sent / seconds,
    offeredDeliveriesPerSecond: expected / seconds,
    deliveredPerSecond: collected.deliveries / seconds,
    ratio,
    p50Ms: lat.percentile(0.5) / 1000,
    p99Ms,
    p999Ms: lat.percentile(0.999) / 1000,
    maxMs: lat.maxUs / 1000,
    scheduleLagP99Ms: lagP99Ms,
    loadCpu,
    serverCpu,
    otherCpu,
    dropped: collected.dropped,
    ok: ratio >= HOLD_RATIO && p99Ms <= HOLD_P99_MS && expected > 0,
    loadBound,
    limit: "?",
    notes,
  };
  step.limit = limitOf(step);
  return step;
}

/**
 * What most likely limited a step: the server (its CPU near one core), the load generator (its
 * CPU near one core or its schedule behind), or other processes on the machine.
 */
export function limitOf(step: StepReport): "server" | "load generator" | "busy machine" | "?" {
  if (step.serverCpu >= SERVER_CPU_LIMIT) return "server";
  if (step.loadBound) return "load generator";
  if (step.otherCpu >= OTHER_CPU_LIMIT) return "busy machine";
  return "?";
}

/** After a step: wait for stragglers, reconnect dropped clients. */
async function recover(ctx: RunContext): Promise<void> {
  await waitQuiet(ctx.group, Math.max(500, 2 * ctx.batchMs), 20_000);
  const p = await ctx.group.poll();
  if (p.alive < ctx.report.connect.ready) {
    const r = await ctx.group.repair(60_000);
    ctx.options.log(`  reconnected ${r.repaired} dropped clients (${r.failed} failed)`);
  }
}

async function measure(ctx: RunContext): Promise<void> {
  const { scenario, options, report } = ctx;
  const record = (step: StepReport) => {
    report.steps.push(step);
    options.log("  " + stepLine(report, step));
  };
  if (scenario.mode === "fixed") {
    for (const rate of scenario.rates) {
      record(await runStep(ctx, rate, scenario.stepSeconds));
      await recover(ctx);
    }
  } else {
    // Warm-up (not recorded): lets the servers' caches and JITs settle.
    await runStep(ctx, scenario.rates[0]!, 1);
    await recover(ctx);
    let rate = scenario.rates[0]!;
    let passRate = 0;
    let failRate = Infinity;
    for (let i = 0; i < options.maxSteps; i++) {
      const step = await runStep(ctx, rate, scenario.stepSeconds);
      record(step);
      if (step.ok) passRate = Math.max(passRate, rate);
      else failRate = Math.min(failRate, rate);
      await recover(ctx);
      if (failRate === Infinity) {
        if (rate >= options.maxRate) break;
        rate = Math.min(options.maxRate, Math.round(rate * options.sweepFactor));
      } else if (passRate === 0) {
        rate = Math.floor(failRate / 4);
        if (rate < 1) break;
      } else {
        if (failRate / passRate <= options.sweepResolution) break;
        rate = Math.round(Math.sqrt(passRate * failRate));
        if (rate <= passRate || rate >= failRate) break;
      }
    }
  }
  const held = report.steps.filter((s) => s.ok);
  if (held.length > 0) {
    const best = held.reduce((a, b) => b.deliveredPerSecond > a.deliveredPerSecond ? b : a);
    // The figure is a lower bound when the sweep did not stop at the server's limit: no rate
    // failed, or the lowest failing rate failed while the server had CPU to spare and the load
    // generator was saturated or the machine busy.
    const failed = report.steps.filter((s) => !s.ok && s.rate > best.rate);
    const firstFail = failed.reduce<StepReport | undefined>(
      (a, b) => (a && a.rate <= b.rate ? a : b),
      undefined,
    );
    const limit = firstFail ? firstFail.limit : "none";
    const lowerBound = scenario.mode === "sweep" &&
      (limit === "none" || limit === "load generator" || limit === "busy machine");
    report.sustained = {
      rate: best.rate,
      deliveriesPerSecond: best.deliveredPerSecond,
      p99Ms: best.p99Ms,
      lowerBound,
      limit,
    };
  }
  const at100 = report.steps.find((s) => s.rate === 100);
  if (at100) report.at100 = { p50Ms: at100.p50Ms, p99Ms: at100.p99Ms };
}

/** Runs one scenario against one server, from a fresh server to its stop. */
async function runOne(
  options: BenchOptions,
  scenario: Scenario,
  name: ServerName,
): Promise<RunReport> {
  const report: RunReport = {
    server: name,
    scenario: scenario.name,
    clients: scenario.clients,
    senders: scenario.senders,
    messageBytes: scenario.messageBytes,
    connect: { ms: 0, ready: 0, failed: 0, errors: [], concurrency: 0 },
    rss: { idleKiB: 0, connectedKiB: 0, endKiB: 0, perConnectionKiB: 0 },
    steps: [],
  };
  // Latency is measured by every (N / latencyClients)-th client, spread over the join order.
  const every = Math.max(1, scenario.clients / Math.max(1, options.latencyClients));
  const accounts = Array.from({ length: scenario.clients }, (_, i) => ({
    name: `b${i}`,
    password: PASSWORD,
    measure: Math.floor(i / every) !== Math.floor((i - 1) / every) || i === 0,
  }));
  let server: RunningServer | undefined;
  let group: LoadGroup | undefined;
  const stopServer = async () => {
    await server?.stop();
  };
  const stopGroup = async () => {
    await group?.close();
  };
  try {
    options.log(
      `${name} ${scenario.name}: starting (N=${scenario.clients}, S=${scenario.senders})`,
    );
    server = await startServer(name, {
      cpu: options.serverCpu,
      accounts,
      root: options.root,
      parleyArgs: options.parleyArgs,
      parleyDenoFlags: options.parleyDenoFlags,
      logFile: options.serverLog,
    });
    running.add(stopServer);
    if (aborting) throw new Error("interrupted");
    group = LoadGroup.start({ workers: options.workers, cpu: options.loadCpu, root: options.root });
    running.add(stopGroup);
    await sleep(1000);
    report.rss.idleKiB = server.rssKiB();
    const readBuffer = scenario.clients > 2000 ? 8192 : 65536;
    const batchMs = options.batchReadMs ??
      Math.max(20, Math.round((scenario.clients - options.latencyClients) / 50));
    const backlog = await listenBacklog(server.port);
    const concurrency = Math.min(options.connectConcurrency, backlog ?? Infinity);
    report.connect = {
      ...await group.connect(
        server.protocol,
        "127.0.0.1",
        server.port,
        accounts,
        concurrency,
        60_000,
        options.connectBudgetS * 1000,
        readBuffer,
        batchMs,
      ),
      concurrency,
    };
    options.log(
      `  ${num(report.connect.ready)}/${num(scenario.clients)} in the room after ${
        ms(report.connect.ms)
      } ms (${concurrency} at once)${
        report.connect.failed ? `; failures: ${report.connect.errors.join("; ")}` : ""
      }`,
    );
    if (report.connect.ready < 2) throw new Error(`only ${report.connect.ready} clients got in`);
    // Let the join storm's traffic drain before measuring memory and latency (batch readers
    // read every batchMs, so quiet means longer than that).
    const settled = await waitQuiet(group, Math.max(1000, 3 * batchMs), 120_000, true);
    if (!settled) options.log("  the server was still sending after 120 s; measuring anyway");
    await sleep(1000);
    report.rss.connectedKiB = server.rssKiB();
    report.rss.perConnectionKiB = (report.rss.connectedKiB - report.rss.idleKiB) /
      report.connect.ready;
    await measure({ options, scenario, server, group, report, batchMs });
    report.rss.endKiB = server.rssKiB();
    if (scenario.settleSeconds) {
      options.log(
        `  holding everyone quiet for ${scenario.settleSeconds} s before reading RSS again (settled)`,
      );
      await sleep(scenario.settleSeconds * 1000);
      report.rss.settledKiB = server.rssKiB();
      report.rss.settledPerConnectionKiB = (report.rss.settledKiB - report.rss.idleKiB) /
        report.connect.ready;
    }
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    const tail = server?.logTail().slice(-5).join("\n  ");
    options.log(`  error: ${report.error}${tail ? `\n  server log:\n  ${tail}` : ""}`);
  } finally {
    await stopGroup();
    running.delete(stopGroup);
    await stopServer();
    running.delete(stopServer);
  }
  return report;
}

/**
 * Runs the benchmark and returns its report; every process it started is stopped before it
 * returns, also on error.
 *
 * @example
 * ```ts
 * const report = await runBench({ ...defaultOptions(), ...quickOptions() });
 * console.log(report.runs[0]?.steps[0]?.deliveredPerSecond);
 * ```
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  calibrateClock();
  await detectClockTicks();
  if (options.pinSelf) await pinSelf(options.loadCpu);
  const serversOf = (scenario: Scenario) => options.servers ?? scenario.servers ?? TCP_SERVERS;
  const peers = [...new Set(options.scenarios.flatMap(serversOf))].filter((s) => !isParley(s));
  let missing: string[] = [];
  if (peers.length > 0) {
    missing = options.install
      ? await ensurePeers(peers, options.root)
      : peers.filter((p) => !peerInstalled(p, options.root));
    if (missing.length > 0) {
      options.log(
        `skipping ${missing.join(", ")}: not installed${
          missing.includes("ws") ? " (the ws relay needs node and `npm install`)" : ""
        }`,
      );
    }
  }
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    command: options.command,
    machine: await machine(),
    settings: {
      serverCpu: options.serverCpu,
      loadCpu: options.loadCpu,
      workers: options.workers,
      connectConcurrency: options.connectConcurrency,
      connectBudgetS: options.connectBudgetS,
      latencyClients: options.latencyClients,
      batchReadMs: options.batchReadMs,
      sweepFactor: options.sweepFactor,
      sweepResolution: options.sweepResolution,
      holdRatio: HOLD_RATIO,
      holdP99Ms: HOLD_P99_MS,
      scenarios: options.scenarios,
    },
    runs: [],
  };
  try {
    for (const scenario of options.scenarios) {
      for (const name of serversOf(scenario)) {
        if (missing.includes(name)) continue;
        if (aborting) break;
        report.runs.push(await runOne(options, scenario, name));
      }
    }
    if (options.loginStorm && !aborting) {
      options.log("login storm: 100 logins at the default PBKDF2 iterations (about a minute)");
      report.loginStorm = await runLoginStorm(100);
    }
  } finally {
    await stopEverything();
  }
  return report;
}

/** Stops every server and load generator still running. */
async function stopEverything(): Promise<void> {
  for (const stop of [...running]) {
    running.delete(stop);
    await stop().catch(() => {});
  }
}

/**
 * The options of `--quick`: parley (both socket drivers, and over WebSocket) and the ws relay,
 * small N, two short fixed steps.
 */
export function quickOptions(): Partial<BenchOptions> {
  return {
    servers: ["parley", "parley-epoll", "parley-ws", "ws"],
    scenarios: [SCENARIOS.quick!],
    connectConcurrency: 50,
    command: "deno task bench --quick",
    loginStorm: false,
  };
}

const HELP = `Usage: deno task bench [options]

  --quick                 a few seconds: parley and the ws relay, N=50, two 1-second steps
  --scenario LIST         scenarios to run, comma-separated: a,b,c,ws,history,login (default
                          a,b,c,login; login is bench/login_storm.ts's 100 logins)
  --servers LIST          servers: parley,parley-epoll,ngircd,inspircd,parley-ws,ws (default:
                          a,b,c the first four; ws: parley-ws,ws,parley)
  --duration SECONDS      seconds per step (default: a/b 4, c 10)
  --settle SECONDS        c: seconds held quiet before the settled RSS reading (default 40; 0: none)
  --clients N             override N of every scenario
  --senders S             override S of every scenario
  --rates LIST            fixed rates instead of a sweep (messages/s, comma-separated)
  --start-rate R          first rate of a sweep (default 100)
  --max-rate R            highest rate a sweep tries (default 200000)
  --message-bytes B       message text length (default 64, at least 18)
  --workers K             load-generator processes (default 1)
  --server-cpu LIST       taskset CPU list for the server (default 0; "" to not pin)
  --load-cpu LIST         taskset CPU list for the load generator (default 1; "" to not pin)
  --connect-concurrency C clients connecting at once (default 500, at most the listen backlog)
  --connect-budget S      stop starting clients after S seconds of connecting (default 120)
  --latency-clients L     clients that time every message (default 100, spread over the room)
  --batch-read-ms MS      how often the other clients read (default max(20, (N-L)/50); 0 = at once)
  --parley-arg ARG        extra argument for parley's server.ts (repeatable)
  --parley-deno-flag F    extra \`deno run\` flag for parley, e.g. --cpu-prof (repeatable)
  --server-log FILE       append the servers' output to FILE (diagnosis)
  --json FILE             also write the full report as JSON (default bench/results/latest.json)
  --no-install            do not install missing peers
  --help
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      scenario: { type: "string" },
      servers: { type: "string" },
      duration: { type: "string" },
      settle: { type: "string" },
      clients: { type: "string" },
      senders: { type: "string" },
      rates: { type: "string" },
      "start-rate": { type: "string" },
      "max-rate": { type: "string" },
      "message-bytes": { type: "string" },
      workers: { type: "string" },
      "server-cpu": { type: "string" },
      "load-cpu": { type: "string" },
      "connect-concurrency": { type: "string" },
      "latency-clients": { type: "string" },
      "connect-budget": { type: "string" },
      "batch-read-ms": { type: "string" },
      "parley-arg": { type: "string", multiple: true },
      "parley-deno-flag": { type: "string", multiple: true },
      json: { type: "string" },
      "server-log": { type: "string" },
      "no-install": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const options: BenchOptions = { ...defaultOptions(), ...(values.quick ? quickOptions() : {}) };
  options.command = ["deno task bench", ...Deno.args].join(" ");
  const positive = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!(n > 0)) throw new Error(`--${flag} needs a positive number, not "${value}"`);
    return n;
  };
  if (values.scenario) {
    const names = values.scenario.split(",").map((s) => s.trim());
    options.loginStorm = names.includes("login");
    options.scenarios = names.filter((s) => s !== "login").map((s) => {
      const scenario = SCENARIOS[s.trim()];
      if (!scenario) throw new Error(`unknown scenario "${s}" (a, b, c, ws, history, login)`);
      return scenario;
    });
  }
  if (values.servers) {
    options.servers = values.servers.split(",").map((s) => {
      const name = s.trim() as ServerName;
      if (!SERVER_NAMES.includes(name)) throw new Error(`unknown server "${s}"`);
      return name;
    });
  }
  const duration = positive("duration", values.duration);
  const settle = values.settle === undefined ? undefined : Number(values.settle);
  if (settle !== undefined && !(settle >= 0)) throw new Error("--settle takes seconds ≥ 0");
  const clients = positive("clients", values.clients);
  const senders = positive("senders", values.senders);
  const startRate = positive("start-rate", values["start-rate"]);
  const messageBytes = positive("message-bytes", values["message-bytes"]);
  const rates = values.rates?.split(",").map((r) => positive("rates", r)!);
  options.scenarios = options.scenarios.map((s) => ({
    ...s,
    stepSeconds: duration ?? s.stepSeconds,
    settleSeconds: s.settleSeconds && (settle ?? s.settleSeconds),
    clients: clients ?? s.clients,
    senders: Math.min(senders ?? s.senders, clients ?? s.clients),
    messageBytes: Math.max(18, messageBytes ?? s.messageBytes),
    mode: rates ? "fixed" : s.mode,
    rates: rates ?? (startRate && s.mode === "sweep" ? [startRate] : s.rates),
  }));
  options.maxRate = positive("max-rate", values["max-rate"]) ?? options.maxRate;
  options.workers = positive("workers", values.workers) ?? options.workers;
  options.connectConcurrency = positive("connect-concurrency", values["connect-concurrency"]) ??
    options.connectConcurrency;
  options.connectBudgetS = positive("connect-budget", values["connect-budget"]) ??
    options.connectBudgetS;
  options.latencyClients = positive("latency-clients", values["latency-clients"]) ??
    options.latencyClients;
  if (values["batch-read-ms"] !== undefined) {
    const v = Number(values["batch-read-ms"]);
    if (!(v >= 0)) throw new Error("--batch-read-ms needs a number ≥ 0");
    options.batchReadMs = v;
  }
  if (values["server-cpu"] !== undefined) options.serverCpu = values["server-cpu"];
  if (values["load-cpu"] !== undefined) options.loadCpu = values["load-cpu"];
  if (values["no-install"]) options.install = false;
  options.parleyArgs = values["parley-arg"] ?? [];
  options.parleyDenoFlags = values["parley-deno-flag"] ?? [];
  options.serverLog = values["server-log"];

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const started = performance.now();
    const bench = runBench(options);
    const aborted = new Promise<"aborted">((resolve) =>
      controller.signal.addEventListener("abort", () => resolve("aborted"))
    );
    const report = await Promise.race([bench, aborted]);
    if (report === "aborted") {
      console.error("interrupted: stopping servers and load generators");
      aborting = true;
      await stopEverything();
      // A server being started right now registers its stop when it is up: give it a moment.
      await within(bench.catch(() => {}), 5_000, undefined);
      await stopEverything();
      return 130;
    }
    console.log("\n" + summaryTables(report));
    const targets = judgeTargets(report, report.loginStorm);
    if (targets.length > 0) {
      console.log("### Against the targets\n\n" + targetsTable(targets) + "\n");
    }
    console.log(`benchmark took ${num((performance.now() - started) / 1000, 0)} s`);
    const json = values.json ?? `${ROOT}/bench/results/latest.json`;
    await Deno.mkdir(json.slice(0, json.lastIndexOf("/")) || ".", { recursive: true });
    await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
    console.log(`full report: ${json}`);
    return report.runs.some((r) => r.error) ? 1 : 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main());
