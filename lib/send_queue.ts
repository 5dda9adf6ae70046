/**
 * The outbound queue of one connection: the only place bytes reach a socket.
 *
 * Chunks are queued by reference (a fanned-out event's bytes are shared by every recipient), one
 * write is in flight at a time, and everything queued meanwhile is coalesced into the next write,
 * so under load one system call carries many lines. The queue is bounded: a reader that falls
 * more than `limit` bytes behind is cut off instead of growing the server's memory.
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
  #chunks: Uint8Array[] | null = null;
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
    (this.#chunks ??= []).push(bytes);
    this.#queued += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      // Start on a microtask so everything queued in this turn goes out in one write.
      queueMicrotask(() => this.#flush());
    }
    return true;
  }

  /** Resolves when nothing is queued or in flight (or the queue has failed). */
  drained(): Promise<void> {
    if (!this.#writing || this.#failed) return Promise.resolve();
    return new Promise((resolve) => (this.#idleWaiters ??= []).push(resolve));
  }

  async #flush(): Promise<void> {
    try {
      while (this.#chunks !== null && !this.#failed) {
        const buffer = this.#take();
        let offset = 0;
        while (offset < buffer.length) {
          offset += await this.sink.write(offset === 0 ? buffer : buffer.subarray(offset));
        }
      }
    } catch (error) {
      this.#fail({ reason: "write-failed", error });
    } finally {
      this.#writing = false;
      this.#wake();
    }
  }

  /** All queued chunks as one buffer (the chunk itself when there is only one). */
  #take(): Uint8Array {
    const chunks = this.#chunks!;
    const total = this.#queued;
    this.#chunks = null;
    this.#queued = 0;
    if (chunks.length === 1) return chunks[0]!;
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      buffer.set(chunk, offset);
      offset += chunk.length;
    }
    return buffer;
  }

  #fail(failure: QueueFailure): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#chunks = null;
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
