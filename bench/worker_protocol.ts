/**
 * The messages between the benchmark's coordinator (`bench/bench.ts`) and its load-generator
 * processes (`bench/load_worker.ts`): one JSON object per line, requests on the worker's stdin,
 * answers on its stdout, each answer carrying the request's `id`.
 *
 * @module
 */

import type { Protocol } from "./drivers.ts";
import type { SparseHistogram } from "./histogram.ts";

/** One account a worker logs in. */
export interface Account {
  name: string;
  password: string;
  /**
   * Whether this client measures latency: it reads as soon as data arrives. The others only
   * count deliveries and read in batches (see {@link ConnectRequest.batchReadMs}), which costs the
   * load generator far fewer reads and the server nothing (the kernel buffers their lines).
   */
  measure: boolean;
}

/** Connect, log in and join the room with every account, `concurrency` at a time. */
export interface ConnectRequest {
  op: "connect";
  id: number;
  protocol: Protocol;
  host: string;
  port: number;
  accounts: Account[];
  concurrency: number;
  /** Initial read buffer per connection, bytes. */
  readBuffer: number;
  /** Give up on a client that is not in the room after this long. */
  timeoutMs: number;
  /** Start no more clients after this long (the rest count as failed). */
  totalTimeoutMs: number;
  /** How often clients that do not measure latency read, ms (0: as soon as data arrives). */
  batchReadMs: number;
}

/** Send messages on a schedule and count what arrives in the step's window. */
export interface StepRequest {
  op: "step";
  id: number;
  /** Scheduled time of message 0, µs since the epoch. */
  startUs: number;
  /** Aggregate rate over all senders of all workers, messages/s. */
  rate: number;
  durationMs: number;
  /** Total senders over all workers; message k goes out on global sender k mod senders. */
  senders: number;
  /** The global sender numbers this worker holds, as indexes into its own accounts. */
  mySenders: Array<{ sender: number; client: number }>;
  /** Length of the message text, bytes (the text ends with `T` and 16 digits). */
  messageBytes: number;
}

/** Report progress counters without resetting them. */
export interface PollRequest {
  op: "poll";
  id: number;
}

/** Close the counting window and report everything it counted. */
export interface CollectRequest {
  op: "collect";
  id: number;
}

/** Reconnect clients the server dropped. */
export interface RepairRequest {
  op: "repair";
  id: number;
  timeoutMs: number;
}

/** Close every connection and exit. */
export interface CloseRequest {
  op: "close";
  id: number;
}

/** Anything the coordinator asks. */
export type WorkerRequest =
  | ConnectRequest
  | StepRequest
  | PollRequest
  | CollectRequest
  | RepairRequest
  | CloseRequest;

/** Answer to {@link ConnectRequest}. */
export interface ConnectResult {
  op: "connect";
  id: number;
  ready: number;
  failed: number;
  /** The first few failure reasons. */
  errors: string[];
  ms: number;
}

/** Answer to {@link StepRequest}, sent when the last message of the step has been handed over. */
export interface StepResult {
  op: "step";
  id: number;
  sent: number;
  /** How late messages were handed to the socket relative to their schedule. */
  lag: SparseHistogram;
  lagMaxUs: number;
  /** This process's CPU time / wall time while sending (1 = one core busy). */
  cpu: number;
  /** Bytes still queued in the senders' write queues when sending ended. */
  backlogBytes: number;
}

/** Answer to {@link PollRequest}. */
export interface PollResult {
  op: "poll";
  id: number;
  deliveries: number;
  /** When the last room message (counted or stale) arrived, µs since the epoch; 0 if none. */
  lastMessageUs: number;
  /** When anything was last read on any connection, µs since the epoch; 0 if never. */
  lastReadUs: number;
  alive: number;
}

/** Answer to {@link CollectRequest}. */
export interface CollectResult {
  op: "collect";
  id: number;
  deliveries: number;
  /** Room messages that arrived but were sent outside the window (late from an earlier step). */
  stale: number;
  latency: SparseHistogram;
  latencyMaxUs: number;
  /** CPU time / wall time since the step began. */
  cpu: number;
  alive: number;
  dropped: number;
  /** Why clients were dropped (first few). */
  dropReasons: string[];
}

/** Answer to {@link RepairRequest}. */
export interface RepairResult {
  op: "repair";
  id: number;
  repaired: number;
  failed: number;
}

/** Answer to {@link CloseRequest}. */
export interface CloseResult {
  op: "close";
  id: number;
}

/** An answer the worker could not give (a bug or an I/O failure). */
export interface ErrorResult {
  op: "error";
  id: number;
  message: string;
}

/** Anything a worker answers. */
export type WorkerResult =
  | ConnectResult
  | StepResult
  | PollResult
  | CollectResult
  | RepairResult
  | CloseResult
  | ErrorResult;

/**
 * The messages of a stream of JSON lines (blank lines skipped), as they arrive: the coordinator
 * reads answers with it, the worker requests.
 *
 * @example
 * ```ts
 * for await (const request of readJsonLines<WorkerRequest>(Deno.stdin.readable)) handle(request);
 * ```
 */
export async function* readJsonLines<T>(stream: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = text.indexOf("\n")) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (line.trim()) yield JSON.parse(line) as T;
    }
  }
}
