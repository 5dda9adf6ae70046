/**
 * The coordinator's side of the load-generator processes: starts them (pinned to the load CPUs),
 * deals the accounts out to them, and merges what they report.
 *
 * Account i lives on worker i mod K; global sender s is account s.
 *
 * @module
 */

import type { Protocol } from "./drivers.ts";
import { Histogram } from "./histogram.ts";
import { within, wrapCommand } from "./servers.ts";
import type {
  Account,
  CollectResult,
  ConnectResult,
  PollResult,
  RepairResult,
  StepResult,
  WorkerRequest,
  WorkerResult,
} from "./worker_protocol.ts";
import { readJsonLines } from "./worker_protocol.ts";

// A request without its id, per kind: the group numbers the requests itself.
type Body<T> = T extends { id: number } ? Omit<T, "id"> : never;
type RequestBody = Body<WorkerRequest>;

const encoder = new TextEncoder();

/** One load-generator process. */
class Worker {
  #next = 1;
  #waiting = new Map<number, { resolve(r: WorkerResult): void; reject(e: Error): void }>();
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #exited = false;
  readonly done: Promise<void>;

  constructor(readonly child: Deno.ChildProcess) {
    this.#writer = child.stdin.getWriter();
    const reading = this.#read();
    this.done = Promise.all([reading, child.status]).then(() => {
      this.#exited = true;
      for (const w of this.#waiting.values()) w.reject(new Error("load worker exited"));
      this.#waiting.clear();
    });
  }

  async #read(): Promise<void> {
    try {
      for await (const result of readJsonLines<WorkerResult>(this.child.stdout)) {
        const waiter = this.#waiting.get(result.id);
        if (!waiter) continue;
        this.#waiting.delete(result.id);
        if (result.op === "error") waiter.reject(new Error(`load worker: ${result.message}`));
        else waiter.resolve(result);
      }
    } catch {
      // stdout closed
    }
  }

  request<R extends WorkerResult>(body: RequestBody): Promise<R> {
    if (this.#exited) return Promise.reject(new Error("load worker exited"));
    const id = this.#next++;
    const request = { ...body, id } as WorkerRequest;
    return new Promise<R>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (r: WorkerResult) => void, reject });
      this.#writer.write(encoder.encode(JSON.stringify(request) + "\n")).catch((error) => {
        this.#waiting.delete(id);
        reject(error);
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#exited) {
      await within(this.request({ op: "close" }).catch(() => {}), 3000, undefined);
      await this.#writer.close().catch(() => {});
      const exited = await within(this.done.then(() => true), 3000, false);
      if (!exited) {
        try {
          this.child.kill("SIGKILL");
        } catch {
          // gone
        }
      }
    } else {
      await this.#writer.close().catch(() => {});
    }
    await this.done;
  }
}

/** Merged outcome of one step over all workers. */
export interface GroupStep {
  sent: number;
  lag: Histogram;
  /** Highest CPU share of any worker while sending. */
  cpu: number;
  backlogBytes: number;
}

/** Merged counting-window outcome over all workers. */
export interface GroupCollect {
  deliveries: number;
  stale: number;
  latency: Histogram;
  /** Highest CPU share of any worker over the step and its drain. */
  cpu: number;
  alive: number;
  dropped: number;
  dropReasons: string[];
}

/**
 * K load-generator processes acting as one.
 *
 * @example
 * ```ts
 * const group = await LoadGroup.start({ workers: 1, cpu: "1", root: "/work/main" });
 * await group.connect("irc", "127.0.0.1", 6667, accounts, 256, 60_000);
 * await group.close();
 * ```
 */
export class LoadGroup {
  private constructor(readonly workers: Worker[]) {}

  /** Process ids of the workers. */
  get pids(): number[] {
    return this.workers.map((w) => w.child.pid);
  }

  /** Starts the worker processes. */
  static start(options: { workers: number; cpu: string; root: string }): LoadGroup {
    const workers: Worker[] = [];
    for (let i = 0; i < options.workers; i++) {
      const command = wrapCommand(options.cpu, [
        Deno.execPath(),
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        `${options.root}/bench/load_worker.ts`,
      ]);
      const child = new Deno.Command(command[0]!, {
        args: command.slice(1),
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      workers.push(new Worker(child));
    }
    return new LoadGroup(workers);
  }

  #all<R extends WorkerResult>(body: (worker: number) => RequestBody): Promise<R[]> {
    return Promise.all(this.workers.map((w, i) => w.request<R>(body(i))));
  }

  /** Connects, logs in and joins every account; returns the merged outcome. */
  async connect(
    protocol: Protocol,
    host: string,
    port: number,
    accounts: Account[],
    concurrency: number,
    timeoutMs: number,
    totalTimeoutMs: number,
    readBuffer: number,
    batchReadMs: number,
  ): Promise<{ ms: number; ready: number; failed: number; errors: string[] }> {
    const k = this.workers.length;
    const start = performance.now();
    const results = await this.#all<ConnectResult>((w) => ({
      op: "connect",
      protocol,
      host,
      port,
      accounts: accounts.filter((_, i) => i % k === w),
      concurrency: Math.max(1, Math.ceil(concurrency / k)),
      readBuffer,
      timeoutMs,
      totalTimeoutMs,
      batchReadMs,
    }));
    return {
      ms: performance.now() - start,
      ready: results.reduce((n, r) => n + r.ready, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
    };
  }

  /** Runs one sending step on every worker; resolves when all have sent their last message. */
  async step(
    startUs: number,
    rate: number,
    durationMs: number,
    senders: number,
    messageBytes: number,
  ): Promise<GroupStep> {
    const k = this.workers.length;
    const results = await this.#all<StepResult>((w) => {
      const mySenders = [];
      for (let s = w; s < senders; s += k) mySenders.push({ sender: s, client: Math.floor(s / k) });
      return { op: "step", startUs, rate, durationMs, senders, mySenders, messageBytes };
    });
    const lag = new Histogram();
    for (const r of results) lag.addSparse(r.lag, r.lagMaxUs);
    return {
      sent: results.reduce((n, r) => n + r.sent, 0),
      lag,
      cpu: Math.max(...results.map((r) => r.cpu)),
      backlogBytes: results.reduce((n, r) => n + r.backlogBytes, 0),
    };
  }

  /** Progress counters summed over workers. */
  async poll(): Promise<
    { deliveries: number; lastMessageUs: number; lastReadUs: number; alive: number }
  > {
    const results = await this.#all<PollResult>(() => ({ op: "poll" }));
    return {
      deliveries: results.reduce((n, r) => n + r.deliveries, 0),
      lastMessageUs: Math.max(...results.map((r) => r.lastMessageUs)),
      lastReadUs: Math.max(...results.map((r) => r.lastReadUs)),
      alive: results.reduce((n, r) => n + r.alive, 0),
    };
  }

  /** Closes the counting window and merges what every worker counted. */
  async collect(): Promise<GroupCollect> {
    const results = await this.#all<CollectResult>(() => ({ op: "collect" }));
    const latency = new Histogram();
    for (const r of results) latency.addSparse(r.latency, r.latencyMaxUs);
    return {
      deliveries: results.reduce((n, r) => n + r.deliveries, 0),
      stale: results.reduce((n, r) => n + r.stale, 0),
      latency,
      cpu: Math.max(...results.map((r) => r.cpu)),
      alive: results.reduce((n, r) => n + r.alive, 0),
      dropped: results.reduce((n, r) => n + r.dropped, 0),
      dropReasons: results.flatMap((r) => r.dropReasons).slice(0, 5),
    };
  }

  /** Reconnects dropped clients. */
  async repair(timeoutMs: number): Promise<{ repaired: number; failed: number }> {
    const results = await this.#all<RepairResult>(() => ({ op: "repair", timeoutMs }));
    return {
      repaired: results.reduce((n, r) => n + r.repaired, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
    };
  }

  /** Closes every connection and ends the worker processes. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
