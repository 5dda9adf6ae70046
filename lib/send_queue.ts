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

/** Where a queue writes: a socket's `write` (which may write only part of the buffer). */
export type WriteSink = (bytes: Uint8Array) => Promise<number>;

/** Why a queue stopped: it overflowed, or the sink failed. */
export type QueueFailure = { reason: "overflow"; queued: number } | {
  reason: "write-failed";
  error: unknown;
};

/** Options for {@link SendQueue}. */
export interface SendQueueOptions {
  /** The most bytes that may wait to be written. */
  limit: number;
  /** Called once when the queue gives up; the owner closes the connection. */
  onFailure: (failure: QueueFailure) => void;
}

/**
 * @example
 * ```ts
 * const queue = new SendQueue((bytes) => conn.write(bytes), {
 *   limit: 1 << 20,
 *   onFailure: () => conn.close(),
 * });
 * queue.push(new TextEncoder().encode("hello\r\n"));
 * await queue.drained();
 * ```
 */
export class SendQueue {
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #failed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(readonly sink: WriteSink, readonly options: SendQueueOptions) {}

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
    if (this.#queued + bytes.length > this.options.limit) {
      this.#fail({ reason: "overflow", queued: this.#queued + bytes.length });
      return false;
    }
    this.#chunks.push(bytes);
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
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #flush(): Promise<void> {
    try {
      while (this.#chunks.length > 0 && !this.#failed) {
        const buffer = this.#take();
        let offset = 0;
        while (offset < buffer.length) {
          offset += await this.sink(offset === 0 ? buffer : buffer.subarray(offset));
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
    const chunks = this.#chunks;
    const total = this.#queued;
    this.#chunks = [];
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
    this.#chunks = [];
    this.#queued = 0;
    this.#wake();
    this.options.onFailure(failure);
  }

  #wake(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
