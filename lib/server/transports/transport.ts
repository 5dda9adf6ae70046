/**
 * What every transport shares: the {@link Transport} interface the server holds a list of, how a
 * connection's address is named, admission (one function for every transport), the accept loop of
 * Deno's listeners, and the read loop of a stream connection.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { Connection } from "../connection.ts";
import type { Session } from "../session.ts";
import { addressKey } from "../address_limiter.ts";
import { EncodedEvent } from "../../shared/protocol.ts";

/** What a listener serves: the line protocol (`tcp`, `tls`) or web pages and WebSocket (`http`, `https`). */
export type TransportKind = "tcp" | "tls" | "http" | "https";

/**
 * One listener and the connections it accepted. The server holds a list of them and serves them
 * all at once.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 *
 * declare const transports: Transport[];
 * declare const chat: Chat;
 *
 * for (const transport of transports) void transport.serve(chat);
 * ```
 */
export interface Transport {
  readonly kind: TransportKind;
  /** Where it listens (the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Serves the chat until {@link close}; resolves once every connection it accepted has ended. */
  serve(chat: Chat): Promise<void>;
  /** Stops accepting; open connections end through the chat's shutdown. */
  close(): void;
  /** Re-reads what it was configured with (a TLS certificate); absent where nothing is. */
  reload?(): Promise<void>;
}

/** Longest pause before accepting again after `accept` failed (e.g. out of file descriptors). */
const ACCEPT_BACKOFF_MAX_MS = 1000;

/** A read buffer starts this small and doubles, up to the largest, for a connection that fills it. */
const FIRST_READ_BUFFER = 512;
const LARGEST_READ_BUFFER = 64 * 1024;

/**
 * A connection's other end as the chat names it: `peer` for logs (`host:port`, an IPv6 host in
 * brackets) and `address`, the key per-address limits count it by.
 *
 * @example
 * ```ts
 * peerOf({ transport: "tcp", hostname: "::1", port: 4000 }); // { peer: "[::1]:4000", address: "0:0:0:0::/64" }
 * ```
 */
export function peerOf(addr: Deno.Addr): { peer: string; address: string } {
  if (addr.transport !== "tcp" && addr.transport !== "udp") {
    return { peer: "unknown", address: "unknown" };
  }
  return { peer: hostPort(addr), address: addressKey(addr.hostname) };
}

/**
 * `host:port`, an IPv6 host in brackets: how a listener's and a peer's address are written.
 *
 * @example
 * ```ts
 * hostPort({ transport: "tcp", hostname: "::1", port: 4443 }); // "[::1]:4443"
 * ```
 */
export function hostPort(addr: Deno.NetAddr): string {
  const host = addr.hostname;
  return host.includes(":") ? `[${host}]:${addr.port}` : `${host}:${addr.port}`;
}

/**
 * How long to wait before accepting again after `accept` failed, given the last wait (0 after a
 * success): from 10 ms, doubling, at most a second. The connections already open go on being
 * served meanwhile; giving up would stop the server.
 */
export function nextAcceptBackoff(previousMs: number): number {
  return Math.min(Math.max(previousMs * 2, 10), ACCEPT_BACKOFF_MAX_MS);
}

/**
 * Admission, the same for every transport: a session for the connection, or the refusal (already
 * logged) encoded in the connection's presentation, for the transport to send before closing.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 * import type { Connection } from "../connection.ts";
 *
 * declare const chat: Chat;
 * declare const connection: Connection;
 *
 * const admitted = admit(chat, connection);
 * if ("refusal" in admitted) await connection.send(admitted.refusal).finally(() => connection.close());
 * ```
 */
export function admit(
  chat: Chat,
  connection: Connection,
): { session: Session } | { refusal: Uint8Array } {
  const refusal = chat.admit(connection.address);
  if (refusal === null) return { session: chat.open(connection) };
  chat.log("refused", { peer: connection.peer, kind: connection.kind, why: refusal });
  const event = new EncodedEvent({
    type: "error",
    code: "TOO_MANY_CONNECTIONS",
    text: refusal,
    time: new Date(),
  });
  return { refusal: event.bytes(connection.presentation) };
}

/**
 * Accepts connections from a Deno listener until it is closed, serving each with `serve`;
 * resolves once every connection it accepted has been served.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 *
 * declare const chat: Chat;
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = acceptLoop(listener, chat.log, async (conn) => conn.close());
 * // later: listener.close(); await serving;
 * ```
 */
export async function acceptLoop<C extends Deno.Conn>(
  listener: { accept(): Promise<C> },
  log: Chat["log"],
  serve: (conn: C) => Promise<void>,
): Promise<void> {
  // A count rather than a set of promises: nothing per connection beyond its own read loop.
  let active = 0;
  let allDone: (() => void) | undefined;
  const run = async (conn: C) => {
    active++;
    try {
      await serve(conn);
    } catch (error) {
      log("error", { where: "connection", error: String((error as Error)?.stack ?? error) });
    }
    if (--active === 0) allDone?.();
  };
  let backoff = 0;
  while (true) {
    let conn: C;
    try {
      conn = await listener.accept();
      backoff = 0;
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
        break; // the listener was closed: shutdown
      }
      // Out of file descriptors (EMFILE) or another passing failure: the connections we have
      // keep being served and accepting resumes shortly; giving up would stop the server.
      backoff = nextAcceptBackoff(backoff);
      log("accept failed", { error: String(error), retryMs: backoff });
      await new Promise((resolve) => setTimeout(resolve, backoff));
      continue;
    }
    void run(conn);
  }
  if (active > 0) await new Promise<void>((resolve) => allDone = resolve);
}

/** Turns SO_NODELAY and keep-alive on for a TCP socket (a TLS one has them on its TCP socket). */
export function tuneSocket(conn: Deno.Conn): void {
  if (!("setNoDelay" in conn)) return;
  try {
    (conn as Deno.TcpConn).setNoDelay(true);
    (conn as Deno.TcpConn).setKeepAlive(true);
  } catch {
    // the peer may already be gone
  }
}

/** What one read gave: bytes (a count), the end (null), or an error. */
type ReadOutcome = { count: number | null } | { error: unknown };

function readOnce(conn: Deno.Conn, buffer: Uint8Array): Promise<ReadOutcome> {
  return conn.read(buffer).then((count) => ({ count }), (error) => ({ error }));
}

/**
 * Reads a stream connection into `input` until it ends or the session closes; returns why it
 * ended. Back-pressure: lines waiting for flood control are read ahead up to `--max-waiting` bytes
 * (so a `logout` typed after a paste is seen, and jumps the queue); past that, one more read is
 * taken — so a sender who hangs up is noticed at once — and then none until the lines are back
 * within the bound, so a flood backs up into the sender's TCP window, not the server's memory.
 */
export async function readLoop(
  conn: Deno.Conn,
  session: Session,
  input: { push(bytes: Uint8Array): void },
): Promise<string> {
  let buffer = new Uint8Array(FIRST_READ_BUFFER);
  let reading: Promise<ReadOutcome> | null = null;
  while (!session.closed) {
    const outcome: ReadOutcome = await (reading ?? readOnce(conn, buffer));
    reading = null;
    if ("error" in outcome) return session.closed ? "closed" : describeReadError(outcome.error);
    const n = outcome.count;
    if (n === null) return "connection closed by peer";
    if (session.closed) break;
    input.push(buffer.subarray(0, n));
    // The input keeps copies, so the buffer is reused; it grows for a busy connection and
    // shrinks back when the connection quietens, so an idle one holds little.
    if (n === buffer.length && buffer.length < LARGEST_READ_BUFFER) {
      buffer = new Uint8Array(buffer.length * 2);
    } else if (n < FIRST_READ_BUFFER && buffer.length > FIRST_READ_BUFFER) {
      buffer = new Uint8Array(FIRST_READ_BUFFER);
    }
    if (!session.backlogged) continue;
    // Past the bound: one more small read, to notice a hang-up, then wait.
    reading = readOnce(conn, buffer.subarray(0, FIRST_READ_BUFFER));
    const below = session.belowBound().then(() => null);
    const early = await Promise.race([reading, below]);
    if (early === null) continue; // back within the bound first: the loop takes the read
    reading = null;
    if ("error" in early) return session.closed ? "closed" : describeReadError(early.error);
    if (early.count === null) return "connection closed by peer";
    if (session.closed) break;
    input.push(buffer.subarray(0, early.count));
    await session.belowBound();
  }
  return "closed";
}

/** Why a read failed, in words for the log and the room. */
export function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
    return "closed";
  }
  return `read failed: ${(error as Error)?.message ?? error}`;
}

/**
 * Serves an admitted connection's session until it ends: reads, tells the chat why it ended,
 * waits for the queue to drain, closes.
 */
export async function serveSession(
  chat: Chat,
  conn: Deno.Conn,
  connection: Connection,
  session: Session,
  input: { push(bytes: Uint8Array): void },
): Promise<void> {
  const reason = await readLoop(conn, session, input);
  chat.connectionClosed(session, reason);
  await session.queue.drained();
  connection.close();
}

/**
 * Counts connections that have not reached the chat yet (a TLS handshake, an HTTP request head)
 * so that they are bounded in number as well as in time: at most `total` at once, and `perAddress`
 * from one address. Each transport that has such a stage owns one.
 *
 * @example
 * ```ts
 * declare function handshake(): Promise<void>;
 *
 * const pending = new PendingConnections(200, 20);
 * if (pending.enter("127.0.0.1")) { try { await handshake(); } finally { pending.leave("127.0.0.1"); } }
 * ```
 */
export class PendingConnections {
  #count = 0;
  readonly #perAddress = new Map<string, number>();

  constructor(readonly total: number, readonly perAddress: number) {}

  /** Counts one in; false (nothing counted) when a bound is reached. */
  enter(address: string): boolean {
    const here = this.#perAddress.get(address) ?? 0;
    if (this.#count >= this.total || here >= this.perAddress) return false;
    this.#count++;
    this.#perAddress.set(address, here + 1);
    return true;
  }

  /** Counts one out (it reached the chat, or was closed). */
  leave(address: string): void {
    this.#count--;
    const here = (this.#perAddress.get(address) ?? 1) - 1;
    if (here > 0) this.#perAddress.set(address, here);
    else this.#perAddress.delete(address);
  }
}

/** Sends a refusal (best effort) and closes. */
export async function refuse(connection: Connection, refusal: Uint8Array): Promise<void> {
  try {
    await connection.send(refusal);
  } catch {
    // gone already
  }
  connection.close();
}
