/**
 * The login-storm benchmark: how much do logins, each verifying a password hashed with the
 * default 600,000 PBKDF2 iterations, slow the chat of users already connected, and (with
 * `--guessers`) how long do honest logins wait while password guessers keep the one hashing thread
 * busy?
 *
 * A watcher pair exchanges private messages every 10 ms for a baseline period, then while the
 * logins run; the report compares their p50/p99 latency. The server is pinned to CPU 0 and this
 * process to CPU 1, as in `bench.ts`.
 *
 * ```sh
 * deno run -A bench/login_storm.ts [--logins N]
 * deno run -A bench/login_storm.ts --guessers N [--connections N] [--honest N] [--honest-every MS]
 * ```
 *
 * - `--logins N` (100): the classic storm, N logins sent at once from one address (127.0.0.1).
 * - `--guessers N` (0: the classic storm): N guessing addresses (127.0.0.2 on) each keep
 *   `--connections` (20, the default `--max-per-address`) connections sending wrong-password
 *   logins, one after another, at real accounts, a different one each try (sprayed over
 *   {@link VICTIMS} accounts, so the per-user lockout hardly ever fires and almost every try the
 *   address limits let through costs a hash). After {@link HEAD_START_MS} `--honest` users (20),
 *   each from an address of its own (127.0.1.1 on), log in once each, one every `--honest-every`
 *   ms (2000, so that an honest login mostly waits behind the guessers only, not behind other
 *   honest ones: at 500 the honest logins alone would keep the hashing thread busy); the guessers
 *   stop once every honest login is answered. The server runs with the default login defences
 *   (see {@link DEFENCE_ARGS}); the report gives the honest logins' time from `login` to its
 *   answer, what the guessers' tries got, and the hashing thread's pace (checks answered during
 *   the attack, honest and guessed).
 *
 * @module
 */

import net from "node:net";
import { parseArgs } from "node:util";
import { DEFAULT_PBKDF2_ITERATIONS } from "../lib/server/password_hash.ts";
import { LineReader } from "../lib/shared/line_reader.ts";
import { parseWireEvent, type WireEvent } from "../lib/shared/protocol.ts";
import { sleep, startServer } from "./servers.ts";

const encoder = new TextEncoder();
const WARM_UP_MS = 1000;
/** Longer lines than any the server sends are skipped. */
const MAX_LINE_BYTES = 1 << 20;
/** Accounts the guessers spray their tries over. */
const VICTIMS = 500;
/** How long the guessers run before the first honest login. */
const HEAD_START_MS = 5000;
/** The longest one honest login may take before it counts as unanswered. */
const HONEST_TIMEOUT_MS = 120_000;
/** Tries one guessing connection makes at most. */
const MAX_TRIES_PER_CONNECTION = 500;
/**
 * `startServer` is tuned for the throughput benchmark and raises these bounds to 20,000; the
 * guessing variant puts them back to the server's defaults. The lockout (3 failures, 60 s), the
 * fail delay (1 s) and `--failed-logins-per-address` (10 a minute) are not touched by
 * `startServer` and stay at their defaults. Still from `startServer`: `--rate 0`,
 * `--idle-timeout 0`, `--max-connections 20000` and `--pbkdf2-iterations 1` (new hashes only; the
 * accounts here are hashed at 600,000).
 */
const DEFENCE_ARGS = [
  "--login-queue",
  "1000",
  "--login-queue-per-address",
  "20",
  "--max-per-address",
  "20",
  "--max-unauthenticated",
  "200",
];

type Client = {
  send(line: string): Promise<unknown>;
  close(): Promise<void>;
  closed: Promise<void>;
};

/**
 * A JSON-mode connection that hands each event to a callback: through Deno's sockets, or through
 * `node:net` when it must come from `localAddress` (any 127.x.y.z: the server sees that address).
 */
async function connect(
  port: number,
  onEvent: (type: string, text: string, event: WireEvent) => void,
  localAddress?: string,
): Promise<Client> {
  const decoder = new TextDecoder();
  const lines = new LineReader(MAX_LINE_BYTES);
  const feed = (chunk: Uint8Array) => {
    for (const item of lines.push(chunk)) {
      const event = "line" in item ? parseWireEvent(decoder.decode(item.line)) : undefined;
      if (event) {
        onEvent(event.type === "reply" ? `reply:${event.command}` : event.type, event.text, event);
      }
    }
  };
  if (localAddress !== undefined) {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {}); // a reset ends in "close" as well
    socket.on("data", (chunk: Uint8Array) => feed(chunk));
    return {
      send: (line) => new Promise((resolve) => socket.write(line + "\n", () => resolve(undefined))),
      close: async () => {
        socket.destroy();
        await closed;
      },
      closed,
    };
  }
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const closed = (async () => {
    const buffer = new Uint8Array(16384);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        feed(buffer.subarray(0, n));
      }
    } catch {
      // closed
    }
  })();
  return {
    send: (line) => conn.write(encoder.encode(line + "\n")),
    close: async () => {
      try {
        conn.close();
      } catch {
        // closed already
      }
      await closed;
    },
    closed,
  };
}

/** Resolves when `check` is true, polling every few ms, or rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

function summary(values: number[]) {
  const sorted = values.toSorted((x, y) => x - y);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
  };
}

/**
 * Starts parley knowing `accounts` and the two watchers, runs the watchers through the warm-up and
 * the baseline, then `load` (whose clients go in `clients`, closed at the end); returns what
 * `load` returned and the watchers' latency before and during it.
 */
async function withWatchers<T>(
  accounts: Array<{ name: string; password: string; iterations?: number }>,
  parleyArgs: string[],
  baselineMs: number,
  load: (port: number, clients: Client[]) => Promise<T>,
) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const server = await startServer("parley", {
    cpu: "0",
    accounts: [{ name: "watcha", password: "wa" }, { name: "watchb", password: "wb" }, ...accounts],
    root,
    parleyArgs,
  });
  type Phase = "warm-up" | "baseline" | "load" | "after";
  const latencies: { phase: Phase; ms: number }[] = [];
  // The first second (the server's code still compiling) counts in neither phase.
  let phase: Phase = "warm-up";
  const a = await connect(server.port, () => {});
  const b = await connect(server.port, (type, text) => {
    if (type === "private") latencies.push({ phase, ms: performance.now() - Number(text) });
  });
  const clients: Client[] = [];
  try {
    for (const [client, name, password] of [[a, "watcha", "wa"], [b, "watchb", "wb"]] as const) {
      await client.send("mode json");
      await client.send(`login ${name} ${password}`);
    }
    const ticker = setInterval(() => void a.send(`tell watchb ${performance.now()}`), 10);
    try {
      await sleep(WARM_UP_MS);
      phase = "baseline";
      await sleep(baselineMs);
      phase = "load";
      const result = await load(server.port, clients);
      await sleep(100);
      phase = "after";
      const pick = (p: Phase) => summary(latencies.filter((l) => l.phase === p).map((l) => l.ms));
      return { result, baseline: pick("baseline"), during: pick("load") };
    } finally {
      clearInterval(ticker);
    }
  } finally {
    await Promise.all([a, b, ...clients].map((client) => client.close()));
    await server.stop();
  }
}

/** Runs the storm; returns the watchers' latency before and during it. */
export async function runLoginStorm(logins: number, baselineMs = 5000) {
  const accounts = Array.from({ length: logins }, (_, i) => ({
    name: `storm${i}`,
    password: "storm-password",
    iterations: DEFAULT_PBKDF2_ITERATIONS,
  }));
  const { result: stormMs, baseline, during } = await withWatchers(
    accounts,
    [],
    baselineMs,
    async (port, clients) => {
      let loggedIn = 0;
      const started = performance.now();
      for (let i = 0; i < logins; i++) {
        const client = await connect(port, (type) => {
          if (type === "reply:login") loggedIn++;
        });
        clients.push(client);
        void client.send(`mode json\nlogin storm${i} storm-password`);
      }
      await until(() => loggedIn === logins, 120_000, "the storm's logins");
      return performance.now() - started;
    },
  );
  return { logins, iterations: DEFAULT_PBKDF2_ITERATIONS, stormMs, baseline, storm: during };
}

/**
 * What a login got: "ok", an error code ("QUEUE_FULL" for the `RATE_LIMITED` of a full login
 * queue, told apart by its text), "closed" or "timeout".
 */
type Outcome = string;

/** A JSON-mode connection from `localAddress` that tries logins one at a time. */
async function loginConnection(port: number, localAddress: string, clients: Client[]) {
  let answer: ((outcome: Outcome) => void) | undefined;
  let closed = false;
  const settle = (outcome: Outcome) => {
    const resolve = answer;
    answer = undefined;
    resolve?.(outcome);
  };
  const client = await connect(port, (type, text, event) => {
    if (type === "reply:login") settle("ok");
    else if (event.type === "error") {
      settle(event.code === "RATE_LIMITED" && /waiting/.test(text) ? "QUEUE_FULL" : event.code);
    }
  }, localAddress);
  clients.push(client);
  void client.closed.then(() => {
    closed = true;
    settle("closed");
  });
  await client.send("mode json");
  return {
    /** The answer to `login NAME PASSWORD` and the time from sending it to the answer. */
    async login(name: string, password: string, timeoutMs: number) {
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const outcome = closed ? "closed" : await new Promise<Outcome>((resolve) => {
        answer = resolve;
        timer = setTimeout(() => settle("timeout"), timeoutMs);
        void client.send(`login ${name} ${password}`);
      });
      clearTimeout(timer);
      return { outcome, ms: performance.now() - started };
    },
    close: () => client.close(),
  };
}

function count(tally: Record<Outcome, number>, outcome: Outcome): void {
  tally[outcome] = (tally[outcome] ?? 0) + 1;
}

/**
 * Guessers keep the hashing thread busy with wrong passwords while honest users log in once each;
 * returns the honest logins' times, what the guessers' tries got, and the watchers' latency.
 */
export async function runGuessedLogins(options: {
  guessers: number;
  connections: number;
  honest: number;
  honestEveryMs: number;
  baselineMs?: number;
}) {
  const { guessers, connections, honest, honestEveryMs } = options;
  const at600k = (name: string, password: string) => ({
    name,
    password,
    iterations: DEFAULT_PBKDF2_ITERATIONS,
  });
  const accounts = [
    ...Array.from({ length: honest }, (_, i) => at600k(`honest${i}`, "honest-password")),
    ...Array.from({ length: VICTIMS }, (_, i) => at600k(`victim${i}`, "victim-password")),
  ];
  const { result, baseline, during } = await withWatchers(
    accounts,
    DEFENCE_ARGS,
    options.baselineMs ?? 5000,
    async (port, clients) => {
      const started = performance.now();
      const hardStop = started + HEAD_START_MS + honest * honestEveryMs + HONEST_TIMEOUT_MS;
      let stopped = false;
      let victim = 0;
      const perGuesser = Array.from({ length: guessers }, (_, g) => ({
        address: `127.0.0.${g + 2}`,
        tries: { LOGIN_FAILED: 0, RATE_LIMITED: 0, QUEUE_FULL: 0, LOCKED_OUT: 0 } as Record<
          Outcome,
          number
        >,
      }));
      const guessing = perGuesser.flatMap(({ address, tries }) =>
        Array.from({ length: connections }, async (_, c) => {
          let guesser;
          try {
            guesser = await loginConnection(port, address, clients);
          } catch {
            return count(tries, "connect failed");
          }
          for (let n = 0; n < MAX_TRIES_PER_CONNECTION && !stopped; n++) {
            const left = hardStop - performance.now();
            if (left <= 0) break;
            const { outcome, ms } = await guesser.login(
              `victim${victim++ % VICTIMS}`,
              `guess-${c}-${n}`,
              left,
            );
            // A try cut short by the end of the run is not an answer.
            count(tries, stopped && outcome === "closed" ? "cut off at the end" : outcome);
            if (outcome === "closed" || outcome === "timeout") break;
            if (ms < 100) await sleep(100 - ms); // an answer at once (a full queue): no spinning
          }
        })
      );
      await sleep(HEAD_START_MS);
      const logins: Promise<{ outcome: Outcome; ms: number }>[] = [];
      for (let i = 0; i < honest; i++) {
        if (i > 0) await sleep(honestEveryMs);
        logins.push((async () => {
          try {
            const user = await loginConnection(port, `127.0.1.${i + 1}`, clients);
            return await user.login(`honest${i}`, "honest-password", HONEST_TIMEOUT_MS);
          } catch {
            return { outcome: "connect failed", ms: NaN };
          }
        })());
      }
      const answers = await Promise.all(logins);
      const attackMs = performance.now() - started;
      stopped = true;
      // The guessers' tries still waiting are answered only after their hashes: cut them off.
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(guessing);
      const honestOutcomes: Record<Outcome, number> = {};
      for (const { outcome } of answers) count(honestOutcomes, outcome);
      return {
        attackMs,
        honestLogins: {
          outcomes: honestOutcomes,
          ...summary(answers.filter((a) => a.outcome === "ok").map((a) => a.ms)),
        },
        guesses: perGuesser,
      };
    },
  );
  return {
    guessers,
    connections,
    honest,
    honestEveryMs,
    iterations: DEFAULT_PBKDF2_ITERATIONS,
    serverArgs: DEFENCE_ARGS,
    ...result,
    baseline,
    during,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      logins: { type: "string" },
      guessers: { type: "string" },
      connections: { type: "string" },
      honest: { type: "string" },
      "honest-every": { type: "string" },
    },
  });
  const f = (n: number) => n.toFixed(1);
  const latency = (
    result: { baseline: { p50: number; p99: number }; during: typeof result.baseline },
  ) =>
    `watchers' latency p50/p99 ${f(result.baseline.p50)}/${f(result.baseline.p99)} ms before, ` +
    `${f(result.during.p50)}/${f(result.during.p99)} ms during ` +
    `(p99 ×${(result.during.p99 / result.baseline.p99).toFixed(2)})`;
  const guessers = Number(values.guessers ?? 0);
  if (guessers > 0) {
    const honest = Number(values.honest ?? 20);
    if (guessers > 250 || honest > 254) {
      throw new Error("at most 250 guessers and 254 honest users");
    }
    const result = await runGuessedLogins({
      guessers,
      connections: Number(values.connections ?? 20),
      honest,
      honestEveryMs: Number(values["honest-every"] ?? 2000),
    });
    const tally = (tries: Record<Outcome, number>) =>
      Object.entries(tries).map(([outcome, n]) => `${outcome} ${n}`).join(", ");
    const minutes = result.attackMs / 60_000;
    console.log(
      `guessed logins: ${result.guessers} guessers × ${result.connections} connections, ` +
        `${result.honest} honest users (one every ${result.honestEveryMs} ms from ` +
        `${HEAD_START_MS / 1000} s in), ${result.iterations} iterations; server: startServer's ` +
        `bench flags + ${result.serverArgs.join(" ")} (lockout, fail delay and failed logins ` +
        `per address at their defaults); attack ran ${(result.attackMs / 1000).toFixed(1)} s`,
    );
    const h = result.honestLogins;
    console.log(
      `  honest logins: ${tally(h.outcomes)}; login → reply p50/p99/max ` +
        `${(h.p50 / 1000).toFixed(2)}/${(h.p99 / 1000).toFixed(2)}/${(h.max / 1000).toFixed(2)} s`,
    );
    const checks = (h.outcomes["ok"] ?? 0) +
      result.guesses.reduce((sum, { tries }) => sum + (tries["LOGIN_FAILED"] ?? 0), 0);
    console.log(
      `  hashing thread: ${checks} password checks answered in the attack's ` +
        `${(result.attackMs / 1000).toFixed(1)} s (≤ ${
          (result.attackMs / checks / 1000).toFixed(2)
        } s each)`,
    );
    for (const { address, tries } of result.guesses) {
      const checked = tries["LOGIN_FAILED"] ?? 0;
      console.log(
        `  guesser ${address}: ${tally(tries)} (${
          f(checked / minutes)
        } passwords checked a minute)`,
      );
    }
    console.log(
      `  ${latency(result)}; ${result.baseline.samples} and ${result.during.samples} samples`,
    );
  } else {
    const result = await runLoginStorm(Number(values.logins ?? 100));
    console.log(
      `login storm: ${result.logins} logins at ${result.iterations} iterations took ` +
        `${(result.stormMs / 1000).toFixed(1)} s; ${
          latency({ ...result, during: result.storm })
        }; ` +
        `${result.baseline.samples} and ${result.storm.samples} samples`,
    );
  }
}
