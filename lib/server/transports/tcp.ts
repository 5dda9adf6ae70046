/**
 * The TCP transport: a thin adapter between sockets and the chat. It accepts connections, applies
 * the admission limits, turns bytes into lines (telnet filtering, line splitting with the length
 * cap) and hands them to the session; the session's send queue writes back.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { Connection } from "../session.ts";
import { ConnectionInput, nextAcceptBackoff, peerOf, refusalLine } from "./transport.ts";

/** A read buffer starts this small and doubles, up to the largest, for a connection that fills it. */
const FIRST_READ_BUFFER = 512;
const LARGEST_READ_BUFFER = 64 * 1024;

/** Wraps a Deno TCP connection as the chat's {@link Connection}. */
class TcpConnection implements Connection {
  readonly peer: string;
  readonly address: string;
  #closed = false;

  constructor(readonly conn: Deno.TcpConn) {
    ({ peer: this.peer, address: this.address } = peerOf(conn.remoteAddr));
  }

  write(bytes: Uint8Array): Promise<number> {
    return this.conn.write(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the other side
    }
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/**
 * Serves the chat on a listener until the listener is closed.
 *
 * @example
 * ```ts
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = serveTcp(chat, listener);
 * // later: listener.close(); await serving;
 * ```
 */
export async function serveTcp(chat: Chat, listener: Deno.TcpListener): Promise<void> {
  // A count rather than a set of promises: nothing per connection beyond its own read loop.
  let active = 0;
  let allDone: (() => void) | undefined;
  const serve = async (conn: Deno.TcpConn) => {
    active++;
    try {
      await handleConnection(chat, conn);
    } catch (error) {
      chat.log("error", { where: "connection", error: String((error as Error)?.stack ?? error) });
    }
    if (--active === 0) allDone?.();
  };
  let backoff = 0;
  while (true) {
    let conn: Deno.TcpConn;
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
      chat.log("accept failed", { error: String(error), retryMs: backoff });
      await new Promise((resolve) => setTimeout(resolve, backoff));
      continue;
    }
    void serve(conn);
  }
  if (active > 0) await new Promise<void>((resolve) => allDone = resolve);
}

/** Serves one connection: admission, then its read loop, until it ends. */
async function handleConnection(chat: Chat, conn: Deno.TcpConn): Promise<void> {
  const connection = new TcpConnection(conn);
  const refusal = chat.admit(connection.address);
  if (refusal !== null) {
    chat.log("refused", { peer: connection.peer, why: refusal });
    try {
      await conn.write(refusalLine(refusal));
    } catch {
      // gone already
    }
    connection.close();
    return;
  }
  try {
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
  } catch {
    // the peer may already be gone
  }
  const session = chat.open(connection);
  const input = new ConnectionInput(chat.config.maxLine, session);
  let buffer = new Uint8Array(FIRST_READ_BUFFER);
  let reason = "closed";
  while (!session.closed) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      reason = session.closed ? "closed" : describeReadError(error);
      break;
    }
    if (n === null) {
      reason = "connection closed by peer";
      break;
    }
    input.push(buffer.subarray(0, n));
    // Lines hold copies, so the buffer is reused; it grows for a busy connection and shrinks
    // back when the connection quietens, so an idle one holds little.
    if (n === buffer.length && buffer.length < LARGEST_READ_BUFFER) {
      buffer = new Uint8Array(buffer.length * 2);
    } else if (n < FIRST_READ_BUFFER && buffer.length > FIRST_READ_BUFFER) {
      buffer = new Uint8Array(FIRST_READ_BUFFER);
    }
    // Back-pressure: read no more until the lines already received have been handled.
    if (session.backlogged) await session.idle();
  }
  chat.connectionClosed(session, reason);
  await session.queue.drained();
  connection.close();
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
    return "closed";
  }
  return `read failed: ${(error as Error)?.message ?? error}`;
}
