/**
 * A session: one connection's state on the server — its presentation, who (if anyone) it is
 * logged in as, its outbound queue, and the lines waiting to be handled.
 *
 * Lines are handled one at a time, in order: a command that awaits (a login hashing a password)
 * holds the lines behind it, and flood control delays lines instead of dropping them. Past
 * `--max-waiting` bytes of waiting lines the transport stops reading, so a flood backs up into the
 * sender's TCP window rather than the server's memory; a `logout` read meanwhile drops the lines
 * waiting and is handled at once.
 *
 * @module
 */

import {
  EncodedEvent,
  type ErrorCode,
  type NoticeKind,
  type Presentation,
  type ServerEvent,
} from "../shared/protocol.ts";
import type { Connection } from "./connection.ts";
import { type QueueFailure, type QueueOwner, SendQueue } from "./send_queue.ts";
import { TokenBucket } from "./token_bucket.ts";
import type { User } from "./user.ts";

/** A command waiting for its password on the next line: the password goes after `args`. */
export interface AwaitedPassword {
  command: string;
  args: string[];
}

/** A line as the transport delivers it: text, or the report of an overlong line. */
export type IncomingLine = string | { tooLong: true };

/** Handles one line of a session; may return a promise to hold the lines behind it. */
export type LineHandler = (session: Session, line: IncomingLine) => void | Promise<void>;

/** How a session's lines are paced. */
export interface SessionOptions {
  sendq: number;
  rate: number;
  burst: number;
  /** Flood-control tokens a line costs (cheap commands cost less). */
  cost: (session: Session, line: IncomingLine) => number;
  /** Bytes of received lines that may wait for flood control before the transport stops reading. */
  maxWaiting: number;
  /** The longest line: what an overlong line's report counts (at least that much was read). */
  maxLine: number;
  /** Whether a line goes ahead of those waiting, which are dropped (`logout`: leave now). */
  jumpsQueue: (line: IncomingLine) => boolean;
  /** Called once when lines start waiting behind flood control, with how many wait. */
  onThrottled: (session: Session, waiting: number) => void;
  handle: LineHandler;
  /** Called when the outbound queue gives up (overflow or write failure). */
  onQueueFailure: (session: Session, reason: string) => void;
  /** Called when handling a line throws: a bug, reported and contained to this session. */
  onHandlerError: (session: Session, error: unknown) => void;
}

/**
 * What a waiting line costs beyond its text (a string's header and its queue slot), counted
 * against `maxWaiting`: otherwise a flood of short lines (`a`, `who`) would be read ahead by tens
 * of thousands, and splitting and queuing them at once stalls everyone else for tens of ms.
 */
export const WAITING_LINE_OVERHEAD = 64;

let nextSessionId = 1;

/**
 * @example
 * ```ts
 * import type { Connection } from "./connection.ts";
 *
 * declare const connection: Connection;
 * declare const options: SessionOptions;
 *
 * const session = new Session(connection, options);
 * session.receive("login alice secret");
 * ```
 */
export class Session implements QueueOwner {
  readonly id: number = nextSessionId++;
  readonly queue: SendQueue;
  #mode: Presentation;
  #user: User | null = null;
  #guest = false;
  /**
   * In text mode, `login NAME` (or `rename NEW`) without a password makes the next line the
   * password: the command to run, and its arguments before the password.
   */
  #awaitingPassword: AwaitedPassword | null = null;
  /** Set once the session is being closed: it sends and handles nothing more. */
  closed = false;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #bucket: TokenBucket;
  // Created when first needed: an idle session holds no arrays.
  #pending: IncomingLine[] | null = null;
  #pendingBytes = 0;
  #pumping = false;
  #idleWaiters: (() => void)[] | null = null;
  #lagTimer: ReturnType<typeof setTimeout> | undefined;
  #lagWake: (() => void) | undefined;
  /** Whether lines are held back by flood control (and their sender told to slow down, once). */
  #toldToSlowDown = false;
  /** Set when a line jumped the queue: it is handled without waiting for tokens. */
  #jumped = false;
  /** Readers' queues this session's lines filled past their limit: it waits for them. */
  #heldBy = 0;
  #released: (() => void) | undefined;

  constructor(readonly connection: Connection, readonly options: SessionOptions) {
    this.#bucket = new TokenBucket(options.rate, options.burst);
    this.queue = new SendQueue(connection, options.sendq, this, connection.scheduler);
    this.#mode = connection.presentation;
  }

  /** The user logged in on this session, if any. */
  get user(): User | null {
    return this.#user;
  }

  /** Whether this is a guest session (it may register). */
  get guest(): boolean {
    return this.#guest;
  }

  /** How this session is written to: text lines or JSON lines. */
  get mode(): Presentation {
    return this.#mode;
  }

  /** Switches the presentation; false when the connection speaks only one. */
  setMode(mode: Presentation): boolean {
    if (this.connection.fixedPresentation && mode !== this.#mode) return false;
    this.#mode = mode;
    return true;
  }

  /** The session is now `user`'s (a login). */
  bind(user: User): void {
    this.#user = user;
    this.#guest = false;
  }

  /** The session is a guest's. */
  becomeGuest(): void {
    this.#guest = true;
  }

  /** The session is nobody's any more (it is ending); returns whose it was. */
  unbind(): User | null {
    const user = this.#user;
    this.#user = null;
    return user;
  }

  /**
   * The next line is the password that completes `command args…` (text mode's `login NAME`,
   * `rename NEW`); typing is hidden.
   */
  expectPassword(command: string, args: string[]): void {
    this.#awaitingPassword = { command, args };
    this.setEcho(false);
  }

  /** The command the next line is the password for, if one is awaited (typing is shown again). */
  takeAwaitedPassword(): AwaitedPassword | null {
    const awaited = this.#awaitingPassword;
    if (awaited === null) return null;
    this.#awaitingPassword = null;
    this.setEcho(true);
    return awaited;
  }

  /**
   * The send queue gave up: the chat ends this session — on a microtask, because an overflow is
   * found in the middle of a fan-out, and ending a session changes rooms that are being iterated.
   */
  queueFailed(failure: QueueFailure): void {
    const reason = failure.reason === "overflow"
      ? `send queue overflow (${failure.queued} bytes)`
      : `write failed: ${String(failure.error)}`;
    queueMicrotask(() => this.options.onQueueFailure(this, reason));
  }

  /** Whether this session is logged in (as a user, not a guest). */
  get loggedIn(): boolean {
    return this.#user !== null;
  }

  /** Queues an encoded event in this session's presentation. */
  send(event: EncodedEvent): void {
    if (!this.closed) this.queue.push(event.bytes(this.#mode));
  }

  /** Encodes and sends one event to this session only. */
  sendEvent(event: ServerEvent): void {
    if (!this.closed) this.send(new EncodedEvent(event));
  }

  /** Sends the answer to a command. */
  reply(command: string, text: string, data?: unknown): void {
    this.sendEvent({ type: "reply", command, text, time: new Date(), data });
  }

  /** Sends an error with its protocol code. */
  error(code: ErrorCode, text: string, command?: string): void {
    this.sendEvent({ type: "error", code, text, time: new Date(), command });
  }

  /** Sends a notice to this session only. */
  notice(kind: NoticeKind, text: string, room?: string): void {
    this.sendEvent({ type: "notice", kind, text, time: new Date(), room });
  }

  /**
   * Asks the other end to hide (`false`) or show again (`true`) what its user types, where the
   * connection can (telnet); elsewhere nothing is sent.
   */
  setEcho(visible: boolean): void {
    const bytes = this.connection.echo?.(visible);
    if (bytes && !this.closed) this.queue.push(bytes);
  }

  /**
   * Takes a line from the transport; it is handled in order, paced by flood control. While lines
   * are held back by flood control, a line that jumps the queue (a logout) drops them and is
   * handled next, at once.
   */
  receive(line: IncomingLine): void {
    if (this.closed) return;
    // Only lines held back by flood control are dropped: lines waiting behind a slow command
    // (a login being checked) are the user's and go first, as a script expects.
    if (this.#toldToSlowDown && this.options.jumpsQueue(line)) {
      this.#pending = [line];
      this.#pendingBytes = this.#sizeOf(line);
      this.#jumped = true;
      clearTimeout(this.#lagTimer);
      this.#lagWake?.();
      this.#wake();
    } else {
      (this.#pending ??= []).push(line);
      this.#pendingBytes += this.#sizeOf(line);
    }
    if (!this.#pumping) void this.#pump();
  }

  /**
   * Whether more than `maxWaiting` bytes of lines wait for flood control, or a reader this session
   * speaks to is behind: the transport should read no more until {@link belowBound} (a flood then
   * backs up into the sender's TCP window).
   */
  get backlogged(): boolean {
    return this.#pendingBytes > this.options.maxWaiting || this.#heldBy > 0;
  }

  /**
   * Flow control: a reader's queue this session's line filled past its limit. This session's next
   * lines wait (and its connection is not read) until that queue is back within its limit — or
   * cut, when its reader does not read — so a reader who reads is never cut for a fast sender.
   */
  waitFor(queue: SendQueue): void {
    if (queue === this.queue || this.closed) return;
    this.#heldBy++;
    queue.whenBelowLimit(() => {
      if (--this.#heldBy > 0) return;
      const released = this.#released;
      this.#released = undefined;
      released?.();
      if (!this.backlogged) this.#wake();
    });
  }

  /** Resolves when the lines waiting are back within the bound (or the session closed). */
  belowBound(): Promise<void> {
    if (!this.backlogged || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.#idleWaiters ??= []).push(resolve));
  }

  /** Stops handling lines and wakes whoever waits on {@link belowBound}. */
  markClosed(): void {
    this.closed = true;
    this.#heldBy = 0;
    this.#released?.();
    this.#pending = null;
    this.#pendingBytes = 0;
    clearTimeout(this.#lagTimer);
    this.#lagWake?.();
    this.#wake();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#pending !== null && this.#pending.length > 0 && !this.closed) {
        if (this.#heldBy > 0) {
          // A reader is behind this session's lines: speak on once it has caught up.
          await new Promise<void>((resolve) => this.#released = resolve);
          continue;
        }
        const line = this.#pending[0]!;
        const cost = this.options.cost(this, line);
        const wait = this.#jumped ? 0 : this.#bucket.waitFor(cost);
        this.#jumped = false;
        if (wait > 0) {
          if (!this.#toldToSlowDown) {
            this.#toldToSlowDown = true;
            // Counted once the rest of this read's lines are queued, so a paste reads as its size.
            queueMicrotask(() => {
              if (!this.closed) this.options.onThrottled(this, this.#pending?.length ?? 0);
            });
          }
          // Fake lag: the line waits its turn; nothing is dropped.
          await new Promise<void>((resolve) => {
            this.#lagWake = resolve;
            this.#lagTimer = setTimeout(resolve, wait);
          });
          this.#lagWake = this.#lagTimer = undefined;
          continue;
        }
        this.#bucket.take(cost);
        this.#pending.shift();
        this.#pendingBytes -= this.#sizeOf(line);
        if (this.#pending.length === 0) {
          this.#pending = null;
          this.#pendingBytes = 0;
          this.#toldToSlowDown = false;
        }
        if (!this.backlogged) this.#wake();
        try {
          const result = this.options.handle(this, line);
          if (result) await result;
        } catch (error) {
          this.options.onHandlerError(this, error);
        }
      }
    } finally {
      this.#pumping = false;
      this.#wake();
    }
  }

  /** What a waiting line counts against `maxWaiting`: its text and what holding it costs. */
  #sizeOf(line: IncomingLine): number {
    return WAITING_LINE_OVERHEAD + (typeof line === "string" ? line.length : this.options.maxLine);
  }

  #wake(): void {
    const waiters = this.#idleWaiters;
    if (waiters === null) return;
    this.#idleWaiters = null;
    for (const wake of waiters) wake();
  }
}
