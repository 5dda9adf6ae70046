/**
 * The history store's own benchmark: how many lines a second it keeps, sustained (batched as the
 * server batches them), and how long `history <room> before <id> 100` takes on a room of a
 * million kept lines. `deno task bench --scenario history` runs it (also on its own:
 * `deno run -A bench/history_bench.ts [--lines N] [--queries N]`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { FLUSH_MS, HistoryStore, type StoredLine } from "../lib/server/history_store.ts";

/** What one run measured. */
export interface HistoryBenchResult {
  lines: number;
  /** Lines kept per second, batches included. */
  storedPerSecond: number;
  /** Latency of `before <id> 100` reads on the full room, in ms. */
  readP50: number;
  readP99: number;
  /** The database's size on disk, in MB. */
  databaseMb: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * Keeps `lines` lines of chat-like text in one room, in batches every {@link FLUSH_MS} ms of
 * arrivals, then reads `queries` pages of 100 before random lines.
 *
 * @example
 * ```ts
 * const result = await runHistoryBench({ lines: 10_000, queries: 100 });
 * console.log(result.storedPerSecond);
 * ```
 */
export async function runHistoryBench(
  options: { lines: number; queries: number },
): Promise<HistoryBenchResult> {
  const dir = await Deno.makeTempDir({ prefix: "parley-history-bench-" });
  const store = HistoryStore.open(dir, { days: 0, maxPerTarget: 0 });
  try {
    const words = ["hello", "lunch", "release", "build", "tests", "green", "deploy", "coffee"];
    const start = performance.now();
    const base = Date.now();
    for (let i = 1; i <= options.lines; i++) {
      const text = `message ${i}: ${words[i % 8]} ${words[(i * 7) % 8]} ${words[(i * 3) % 8]} ok`;
      const line: StoredLine = {
        seq: i,
        target: "#busy",
        time: base + Math.floor(i / 20),
        kind: "message",
        sender: `user${i % 1000}`,
        recipient: null,
        room: "busy",
        text,
      };
      store.add(line);
      // The server's batches are what arrives in FLUSH_MS; at 50,000 lines/s, 2,500 a batch.
      if (i % 2500 === 0) store.flush();
    }
    store.flush();
    const seconds = (performance.now() - start) / 1000;
    const latencies: number[] = [];
    for (let q = 0; q < options.queries; q++) {
      const seq = 100 + Math.floor(Math.random() * (options.lines - 100));
      const t0 = performance.now();
      const page = store.read(
        "#busy",
        {
          kind: "before",
          seq,
          time: base + Math.floor(seq / 20),
        },
        100,
        () => true,
      );
      latencies.push(performance.now() - t0);
      if (page.length !== 100) throw new Error(`a page of ${page.length}, not 100`);
    }
    latencies.sort((a, b) => a - b);
    const size = (await Deno.stat(`${dir}/history.db`)).size +
      ((await Deno.stat(`${dir}/history.db-wal`).catch(() => ({ size: 0 }))).size);
    return {
      lines: options.lines,
      storedPerSecond: options.lines / seconds,
      readP50: percentile(latencies, 50),
      readP99: percentile(latencies, 99),
      databaseMb: size / 1e6,
    };
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      lines: { type: "string", default: "1000000" },
      queries: { type: "string", default: "1000" },
    },
  });
  const result = await runHistoryBench({
    lines: Number(values.lines),
    queries: Number(values.queries),
  });
  console.log(
    `history store: ${result.lines.toLocaleString("en")} lines kept at ` +
      `${Math.round(result.storedPerSecond).toLocaleString("en")} lines/s (target ≥ 50,000; ` +
      `batches of ${FLUSH_MS} ms); history before <id> 100 on that room: p50 ` +
      `${result.readP50.toFixed(2)} ms, p99 ${result.readP99.toFixed(2)} ms (target < 5); ` +
      `database ${result.databaseMb.toFixed(0)} MB`,
  );
}
