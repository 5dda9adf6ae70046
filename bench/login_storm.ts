/**
 * The login-storm benchmark: how much do 100 logins at once, each verifying a password hashed with
 * the default 600,000 PBKDF2 iterations, slow the chat of users already connected?
 *
 * A watcher pair exchanges private messages every 10 ms for a baseline period, then while the
 * storm runs; the report compares their p50/p99 latency. The server is pinned to CPU 0 and this
 * process to CPU 1, as in `bench.ts`. Run: `deno run -A bench/login_storm.ts [--logins N]`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_PBKDF2_ITERATIONS } from "../lib/server/password_hash.ts";
import { LineReader } from "../lib/shared/line_reader.ts";
import { parseWireEvent } from "../lib/shared/protocol.ts";
import { startServer } from "./servers.ts";

const encoder = new TextEncoder();
const WARM_UP_MS = 1000;
/** Longer lines than any the server sends are skipped. */
const MAX_LINE_BYTES = 1 << 20;

/** A JSON-mode connection that hands each event to a callback. */
async function connect(port: number, onEvent: (type: string, text: string) => void) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const reading = (async () => {
    const decoder = new TextDecoder();
    const lines = new LineReader(MAX_LINE_BYTES);
    const buffer = new Uint8Array(16384);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const item of lines.push(buffer.subarray(0, n))) {
          const event = "line" in item ? parseWireEvent(decoder.decode(item.line)) : undefined;
          if (event) {
            onEvent(event.type === "reply" ? `reply:${event.command}` : event.type, event.text);
          }
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    send: (line: string) => conn.write(encoder.encode(line + "\n")),
    close: async () => {
      conn.close();
      await reading;
    },
  };
}

/** Resolves when `check` is true, polling every few ms, or rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

/** Runs the storm; returns the watchers' latency before and during it. */
export async function runLoginStorm(logins: number, baselineMs = 5000) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const accounts = [
    { name: "watcha", password: "wa" },
    { name: "watchb", password: "wb" },
    ...Array.from({ length: logins }, (_, i) => ({
      name: `storm${i}`,
      password: "storm-password",
      iterations: DEFAULT_PBKDF2_ITERATIONS,
    })),
  ];
  const server = await startServer("parley", { cpu: "0", accounts, root });
  type Phase = "warm-up" | "baseline" | "storm";
  const latencies: { phase: Phase; ms: number }[] = [];
  // The first second (the server's code still compiling) counts in neither phase.
  let phase: Phase = "warm-up";
  let loggedIn = 0;
  const a = await connect(server.port, () => {});
  const b = await connect(server.port, (type, text) => {
    if (type === "private") latencies.push({ phase, ms: performance.now() - Number(text) });
  });
  const storm: Awaited<ReturnType<typeof connect>>[] = [];
  try {
    for (const [client, name, password] of [[a, "watcha", "wa"], [b, "watchb", "wb"]] as const) {
      await client.send("mode json");
      await client.send(`login ${name} ${password}`);
    }
    const ticker = setInterval(() => void a.send(`tell watchb ${performance.now()}`), 10);
    try {
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      phase = "baseline";
      await new Promise((resolve) => setTimeout(resolve, baselineMs));
      phase = "storm";
      const started = performance.now();
      for (let i = 0; i < logins; i++) {
        const client = await connect(server.port, (type) => {
          if (type === "reply:login") loggedIn++;
        });
        storm.push(client);
        void client.send(`mode json\nlogin storm${i} storm-password`);
      }
      await until(() => loggedIn === logins, 120_000, "the storm's logins");
      const stormMs = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const pick = (p: Phase) =>
        latencies.filter((l) => l.phase === p).map((l) => l.ms).sort((x, y) => x - y);
      const base = pick("baseline");
      const during = pick("storm");
      return {
        logins,
        iterations: DEFAULT_PBKDF2_ITERATIONS,
        stormMs,
        baseline: { samples: base.length, p50: percentile(base, 0.5), p99: percentile(base, 0.99) },
        storm: {
          samples: during.length,
          p50: percentile(during, 0.5),
          p99: percentile(during, 0.99),
        },
      };
    } finally {
      clearInterval(ticker);
    }
  } finally {
    await Promise.all([a, b, ...storm].map((client) => client.close()));
    await server.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { logins: { type: "string" } } });
  const result = await runLoginStorm(Number(values.logins ?? 100));
  const f = (n: number) => n.toFixed(1);
  console.log(
    `login storm: ${result.logins} logins at ${result.iterations} iterations took ` +
      `${(result.stormMs / 1000).toFixed(1)} s; watchers' latency p50/p99 ` +
      `${f(result.baseline.p50)}/${f(result.baseline.p99)} ms before, ` +
      `${f(result.storm.p50)}/${f(result.storm.p99)} ms during ` +
      `(p99 ×${(result.storm.p99 / result.baseline.p99).toFixed(2)}; ` +
      `${result.baseline.samples} and ${result.storm.samples} samples)`,
  );
}
