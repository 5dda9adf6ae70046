/**
 * The outbound queue of one connection: the only place bytes reach a socket.
 *
 * Chunks are queued by reference (a fanned-out event's bytes are shared by every recipient), one
 * write is in flight at a time, and everything queued meanwhile is coalesced into the next write.
 * Writes go out in paced rounds, at most `MAX_WRITES_IN_FLIGHT` at a time (as a C server
 * writes its buffers once per poll pass): the busier the server, the more lines each system call
 * carries. The queue is bounded: a reader that falls more than `limit` bytes behind
 * is cut off instead of growing the server's memory.
 *
 * @module
 */

/** Where a queue writes: a socket (whose `write` may write only part of the buffer). */
export interface WriteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Why a queue stopped: it overflowed, or the sink failed. */
export type QueueFailure = { reason: "overflow"; queued: number } | {
  reason: "write-failed";
  error: unknown;
};

const FLUSH = Symbol("flush");

/** Who is told when a queue gives up (once); it closes the connection. */
export interface QueueOwner {
  queueFailed(failure: QueueFailure): void;
}

/**
 * @example
 * ```ts
 * const queue = new SendQueue(conn, 1 << 20, { queueFailed: () => conn.close() });
 * queue.push(new TextEncoder().encode("hello\r\n"));
 * await queue.drained();
 * ```
 */
export class SendQueue {
  // Kept small: an idle connection's queue is a few fields and no arrays.
  #first: Uint8Array | null = null;
  #rest: Uint8Array[] | null = null;
  #queued = 0;
  #writing = false;
  #failed = false;
  #idleWaiters: (() => void)[] | null = null;

  /** `limit` is the most bytes that may wait to be written. */
  constructor(readonly sink: WriteSink, readonly limit: number, readonly owner: QueueOwner) {}

  /** Bytes waiting to be written (not counting the write in flight). */
  get queued(): number {
    return this.#queued;
  }

  /** Whether the queue has failed (overflowed or could not write); it takes nothing more. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Queues bytes to be written; returns false if the queue has failed or just overflowed. */
  push(bytes: Uint8Array): boolean {
    if (this.#failed) return false;
    if (this.#queued + bytes.length > this.limit) {
      this.#fail({ reason: "overflow", queued: this.#queued + bytes.length });
      return false;
    }
    if (this.#first === null) this.#first = bytes;
    else (this.#rest ??= []).push(bytes);
    this.#queued += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      if (ready.push(this) === 1) scheduleRound();
    }
    return true;
  }

  /** Resolves when nothing is queued or in flight (or the queue has failed). */
  drained(): Promise<void> {
    if (!this.#writing || this.#failed) return Promise.resolve();
    return new Promise((resolve) => (this.#idleWaiters ??= []).push(resolve));
  }

  /**
   * Starts writing what is queued, as one buffer, to the end (a write may be partial); returns
   * whether a write started. What arrives meanwhile waits for the next round, so every write is
   * paced; only the round machinery below calls it.
   */
  [FLUSH](): boolean {
    if (this.#first === null || this.#failed) {
      this.#idle();
      return false;
    }
    void this.#write(this.#take());
    return true;
  }

  async #write(buffer: Uint8Array): Promise<void> {
    const generation = windowGeneration;
    try {
      let offset = 0;
      while (offset < buffer.length) {
        offset += await this.sink.write(offset === 0 ? buffer : buffer.subarray(offset));
      }
    } catch (error) {
      this.#fail({ reason: "write-failed", error });
    }
    if (this.#first !== null && !this.#failed) {
      if (ready.push(this) === 1) scheduleRound();
    } else this.#idle();
    writeFinished(generation);
  }

  #idle(): void {
    this.#writing = false;
    this.#wake();
  }

  /** All queued chunks as one buffer (the chunk itself when there is only one). */
  #take(): Uint8Array {
    const first = this.#first!;
    const rest = this.#rest;
    const total = this.#queued;
    this.#first = this.#rest = null;
    this.#queued = 0;
    if (rest === null) return first;
    const buffer = new Uint8Array(total);
    buffer.set(first);
    let offset = first.length;
    for (const chunk of rest) {
      buffer.set(chunk, offset);
      offset += chunk.length;
    }
    return buffer;
  }

  #fail(failure: QueueFailure): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#first = this.#rest = null;
    this.#queued = 0;
    this.#wake();
    this.owner.queueFailed(failure);
  }

  #wake(): void {
    const waiters = this.#idleWaiters;
    if (waiters === null) return;
    this.#idleWaiters = null;
    for (const wake of waiters) wake();
  }
}

/*
 * Pacing of write rounds. Every queue made ready is started by one round. A round of W writes
 * costs the process (and, on loopback, the kernel) roughly W times a write's cost, and while it
 * runs, new lines pile up unread; so the next round waits until about that much time has passed
 * since the last one began. Under light load that wait is nothing; under heavy load each write
 * carries many lines, as a C server's once-per-poll-pass writes do, and throughput grows instead
 * of latency.
 */
/** About twice what one loopback write was measured to cost (9-12 µs): writing takes at most
 * about half the server's time, the rest goes to reading and fan-out (docs/performance.md). */
const WRITE_COST_MS = 0.024;
/** The longest a round waits for the previous one, so latency stays bounded. */
const MAX_ROUND_WAIT_MS = 25;

/**
 * The most writes in flight at once. Deno's cost per write grows with the number of writes
 * outstanding together: measured in a bare fan-out to 10,000 sockets, 27 µs a write with all of
 * them started at once, 12 µs with 1,000 at a time (as at 1,000 sockets); in scenario c of the
 * benchmark, p99 fell from 8.2 s to 2.5 s with a window of 1,000 and to 0.5–0.6 s with 300 (100
 * was worse again: 1.1 s). A round larger than this starts a write each time one finishes.
 */
const MAX_WRITES_IN_FLIGHT = 300;

/** Queues that got bytes with no write in flight, waiting for the next round. */
let ready: SendQueue[] = [];
let lastRoundStart = 0;
let lastRoundWrites = 0;
/** The queues of the rounds begun, in order; those from `nextToStart` on wait for a window slot. */
let started: SendQueue[] = [];
let nextToStart = 0;
let inFlight = 0;
/**
 * Writes count against the window only within their generation. A write that cannot finish (a
 * reader that stopped reading) would otherwise hold its slot until the reader is cut off; so a
 * window that makes no progress for {@link MAX_ROUND_WAIT_MS} starts a new generation and the
 * stalled writes stop counting.
 */
let windowGeneration = 0;
let writesStarted = 0;
let stallTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleRound(): void {
  const wait = Math.min(MAX_ROUND_WAIT_MS, lastRoundWrites * WRITE_COST_MS) -
    (performance.now() - lastRoundStart);
  if (wait <= 0) setImmediate(startRound);
  else setTimeout(startRound, wait);
}

function startRound(): void {
  const queues = ready;
  ready = [];
  lastRoundStart = performance.now();
  lastRoundWrites = queues.length;
  // startWrites empties `started` once every queue in it has begun.
  if (started.length === 0) started = queues;
  else for (const queue of queues) started.push(queue);
  startWrites();
}

function startWrites(): void {
  while (inFlight < MAX_WRITES_IN_FLIGHT && nextToStart < started.length) {
    if (started[nextToStart++]![FLUSH]()) {
      inFlight++;
      writesStarted++;
    }
  }
  if (nextToStart === started.length) {
    started = [];
    nextToStart = 0;
    clearTimeout(stallTimer);
    stallTimer = undefined;
  } else if (stallTimer === undefined) {
    const mark = writesStarted;
    stallTimer = setTimeout(() => {
      stallTimer = undefined;
      if (writesStarted === mark) {
        windowGeneration++;
        inFlight = 0;
      }
      startWrites();
    }, MAX_ROUND_WAIT_MS);
  }
}

function writeFinished(generation: number): void {
  if (generation !== windowGeneration) return;
  inFlight--;
  if (nextToStart < started.length) startWrites();
}
