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

/**
 * Where a queue writes: a connection, given whole events (one or more encoded lines) and resolving
 * once all of them are handed to the network, so each transport frames them its own way.
 */
export interface WriteSink {
  send(bytes: Uint8Array): Promise<void>;
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
 * import type { Connection } from "./connection.ts";
 *
 * declare const conn: Connection;
 *
 * const queue = new SendQueue(conn, 1 << 20, { queueFailed: () => conn.close() }, new WriteScheduler());
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
  /** Whether a write is under way (`#writing` also covers waiting for a round). */
  #inFlight = false;
  #failed = false;
  #idleWaiters: (() => void)[] | null = null;
  /** Armed while the queue is over its limit behind a write that has not finished. */
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** Told once the queue is back within its limit (senders held back meanwhile). */
  #belowLimit: (() => void)[] | null = null;

  /** `limit` is the most bytes that may wait to be written; `scheduler` paces the writes. */
  constructor(
    readonly sink: WriteSink,
    readonly limit: number,
    readonly owner: QueueOwner,
    readonly scheduler: WriteScheduler,
  ) {}

  /** Bytes waiting to be written (not counting the write in flight). */
  get queued(): number {
    return this.#queued;
  }

  /** Whether more than the limit waits: whoever fills it should pause (see {@link whenBelowLimit}). */
  get overLimit(): boolean {
    return this.#queued > this.limit;
  }

  /** Calls `resume` once the queue is back within its limit, or has failed. */
  whenBelowLimit(resume: () => void): void {
    if (!this.overLimit || this.#failed) resume();
    else (this.#belowLimit ??= []).push(resume);
  }

  #resumeSenders(): void {
    const waiting = this.#belowLimit;
    if (waiting === null || (this.overLimit && !this.#failed)) return;
    this.#belowLimit = null;
    for (const resume of waiting) resume();
  }

  /** Whether the queue has failed (overflowed or could not write); it takes nothing more. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Queues bytes to be written; returns false if the queue has failed or just overflowed.
   *
   * The limit is for readers that do not read, not for a reader that reads as fast as it can while
   * a room floods: past the limit, a queue whose socket took its last write is written at once
   * (not at the next paced round), and one whose write is still under way may hold up to
   * {@link OVER_LIMIT} times the limit for at most {@link STALL_MS} ms while that write makes
   * progress. Only a queue past that, or behind a write that stalls that long, is cut off.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#failed) return false;
    const total = this.#queued + bytes.length;
    if (total > this.limit * OVER_LIMIT) {
      this.#fail({ reason: "overflow", queued: total });
      return false;
    }
    if (this.#first === null) this.#first = bytes;
    else (this.#rest ??= []).push(bytes);
    this.#queued = total;
    if (total > this.limit) {
      if (!this.#inFlight) {
        this.#writing = true;
        this.scheduler.startNow(this);
        return true;
      }
      this.#stallTimer ??= setTimeout(() => {
        this.#stallTimer = undefined;
        if (this.#inFlight && this.#queued > this.limit) {
          this.#fail({ reason: "overflow", queued: this.#queued });
        }
      }, STALL_MS);
    }
    if (!this.#writing) {
      this.#writing = true;
      this.scheduler.ready(this);
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
    if (this.#inFlight) return false; // started out of round already; it goes on by itself
    if (this.#first === null || this.#failed) {
      this.#idle();
      return false;
    }
    void this.#write(this.#take());
    return true;
  }

  async #write(buffer: Uint8Array): Promise<void> {
    const generation = this.scheduler.generation;
    this.#inFlight = true;
    try {
      await this.sink.send(buffer);
    } catch (error) {
      this.#fail({ reason: "write-failed", error });
    }
    this.#inFlight = false;
    // The socket took the write: the reader is reading.
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (this.#first !== null && !this.#failed) {
      if (this.#queued > this.limit) this.scheduler.startNow(this);
      else this.scheduler.ready(this);
    } else this.#idle();
    this.#resumeSenders();
    this.scheduler.writeFinished(generation);
  }

  #idle(): void {
    this.#writing = false;
    this.#wake();
  }

  /**
   * The queued chunks from the front, up to {@link MAX_WRITE_BYTES} (at least one), as one buffer
   * (the chunk itself when it is one); the rest stays queued for the next write.
   */
  #take(): Uint8Array {
    // What is taken is in flight: the queue is within its limit again for those who wait.
    queueMicrotask(() => this.#resumeSenders());
    const first = this.#first!;
    const rest = this.#rest ?? NO_CHUNKS;
    let total = first.length;
    let count = 0; // chunks of `rest` that go with `first`
    while (count < rest.length && total + rest[count]!.length <= MAX_WRITE_BYTES) {
      total += rest[count++]!.length;
    }
    this.#first = rest[count] ?? null;
    this.#rest = count + 1 < rest.length ? rest.slice(count + 1) : null;
    this.#queued -= total;
    if (count === 0) return first;
    const buffer = new Uint8Array(total);
    buffer.set(first);
    let offset = first.length;
    for (let i = 0; i < count; i++) {
      buffer.set(rest[i]!, offset);
      offset += rest[i]!.length;
    }
    return buffer;
  }

  #fail(failure: QueueFailure): void {
    if (this.#failed) return;
    this.#failed = true;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    this.#first = this.#rest = null;
    this.#queued = 0;
    this.#wake();
    this.#resumeSenders();
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
/** How far past its limit a queue may grow while its socket is still taking writes. */
export const OVER_LIMIT = 2;
/** How long a write may stay unfinished while its queue is past the limit before it is cut. */
export const STALL_MS = 1000;

/**
 * The most one write carries. A queue a flood has filled to megabytes is written in pieces: one
 * buffer of it all would be allocated and copied afresh for every reader on every write, and the
 * socket takes only so much at once anyway.
 */
export const MAX_WRITE_BYTES = 256 * 1024;
const NO_CHUNKS: readonly Uint8Array[] = [];

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

/**
 * Paces the writes of many queues in rounds, with a bounded window of writes in flight. The
 * transports that write through Deno's sockets share one (the window is about Deno's cost per
 * outstanding write, which is process-wide); it holds no state outside itself.
 *
 * @example
 * ```ts
 * import type { Connection } from "./connection.ts";
 *
 * declare const conn: Connection;
 *
 * const scheduler = new WriteScheduler();
 * const queue = new SendQueue(conn, 1 << 20, { queueFailed: () => conn.close() }, scheduler);
 * ```
 */
export class WriteScheduler {
  /** Queues that got bytes with no write in flight, waiting for the next round. */
  #ready: SendQueue[] = [];
  #lastRoundStart = 0;
  #lastRoundWrites = 0;
  /** The queues of the rounds begun, in order; those from `#nextToStart` on wait for a slot. */
  #started: SendQueue[] = [];
  #nextToStart = 0;
  #inFlight = 0;
  /**
   * Writes count against the window only within their generation. A write that cannot finish (a
   * reader that stopped reading) would otherwise hold its slot until the reader is cut off; so a
   * window that makes no progress for {@link MAX_ROUND_WAIT_MS} starts a new generation and the
   * stalled writes stop counting.
   */
  #generation = 0;
  #writesStarted = 0;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** Calls off the round scheduled for the queues ready now (a driver's flush started it). */
  #cancelRound: () => void = () => {};

  /** The window's generation, which a write records when it starts. */
  get generation(): number {
    return this.#generation;
  }

  /** A queue has bytes and no write in flight: it is started by the next round. */
  ready(queue: SendQueue): void {
    if (this.#ready.push(queue) === 1) this.#scheduleRound();
  }

  /**
   * Starts a queue's write now, outside the rounds: its queue is past its limit and its socket
   * took the last write, so waiting for a round would only cut off a reader that reads.
   */
  startNow(queue: SendQueue): void {
    if (queue[FLUSH]()) {
      this.#inFlight++;
      this.#writesStarted++;
    }
  }

  /** A write started in `generation` finished (or failed). */
  writeFinished(generation: number): void {
    if (generation !== this.#generation) return;
    this.#inFlight--;
    if (this.#nextToStart < this.#started.length) this.#startWrites();
  }

  #scheduleRound(): void {
    const wait = this.#roundWait();
    if (wait <= 0) {
      const immediate = setImmediate(() => this.#startRound());
      this.#cancelRound = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.#startRound(), wait);
      this.#cancelRound = () => clearTimeout(timer);
    }
  }

  /** Milliseconds until the pacing lets the next round start (≤ 0: now). */
  #roundWait(): number {
    return Math.min(MAX_ROUND_WAIT_MS, this.#lastRoundWrites * WRITE_COST_MS) -
      (performance.now() - this.#lastRoundStart);
  }

  /**
   * For a driver that polls its sockets itself, called after each poll pass: with `now` (the
   * server was idle before this pass), what the pass queued is written at once, as a C server
   * writes; otherwise a round starts only if the pacing allows, so a busy server writes in rounds
   * that carry many lines each, and no timer has to win against back-to-back passes for it to.
   * The round already scheduled for these queues is called off.
   */
  flush(now: boolean): void {
    if (this.#ready.length > 0 && (now || this.#roundWait() <= 0)) this.#startRound();
  }

  #startRound(): void {
    this.#cancelRound();
    this.#cancelRound = () => {};
    const queues = this.#ready;
    this.#ready = [];
    this.#lastRoundStart = performance.now();
    this.#lastRoundWrites = queues.length;
    // #startWrites empties `#started` once every queue in it has begun.
    if (this.#started.length === 0) this.#started = queues;
    else for (const queue of queues) this.#started.push(queue);
    this.#startWrites();
  }

  #startWrites(): void {
    const started = this.#started;
    while (this.#inFlight < MAX_WRITES_IN_FLIGHT && this.#nextToStart < started.length) {
      if (started[this.#nextToStart++]![FLUSH]()) {
        this.#inFlight++;
        this.#writesStarted++;
      }
    }
    if (this.#nextToStart === started.length) {
      this.#started = [];
      this.#nextToStart = 0;
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
    } else if (this.#stallTimer === undefined) {
      const mark = this.#writesStarted;
      this.#stallTimer = setTimeout(() => {
        this.#stallTimer = undefined;
        if (this.#writesStarted === mark) {
          this.#generation++;
          this.#inFlight = 0;
        }
        this.#startWrites();
      }, MAX_ROUND_WAIT_MS);
    }
  }
}
