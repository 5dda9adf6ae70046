/**
 * The TCP transport: a thin adapter between sockets and the chat. It accepts connections, applies
 * the admission limits, turns bytes into lines (telnet filtering, line splitting with the length
 * cap) and hands them to the session; the session's send queue writes back.
 *
 * @module
 */

import type { Chat } from "./chat.ts";
import { LineReader } from "./line_reader.ts";
import { encodeText } from "./protocol.ts";
import type { Connection, Session } from "./session.ts";
import { TelnetFilter } from "./telnet_filter.ts";

/** A read buffer starts this small and doubles, up to the largest, for a connection that fills it. */
const FIRST_READ_BUFFER = 512;
const LARGEST_READ_BUFFER = 64 * 1024;

const decoder = new TextDecoder();

function hostOf(addr: Deno.Addr): { peer: string; address: string } {
  if (addr.transport !== "tcp" && addr.transport !== "udp") {
    return { peer: "unknown", address: "unknown" };
  }
  const address = addr.hostname;
  return {
    peer: address.includes(":") ? `[${address}]:${addr.port}` : `${address}:${addr.port}`,
    address,
  };
}

/** Wraps a Deno TCP connection as the chat's {@link Connection}. */
class TcpConnection implements Connection {
  readonly peer: string;
  readonly address: string;
  #closed = false;

  constructor(readonly conn: Deno.TcpConn) {
    ({ peer: this.peer, address: this.address } = hostOf(conn.remoteAddr));
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
  const connections = new Set<Promise<void>>();
  try {
    for await (const conn of listener) {
      const handled = handleConnection(chat, conn).catch((error) =>
        chat.log("error", { where: "connection", error: String(error?.stack ?? error) })
      );
      connections.add(handled);
      void handled.finally(() => connections.delete(handled));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
  await Promise.all(connections);
}

async function handleConnection(chat: Chat, conn: Deno.TcpConn): Promise<void> {
  const connection = new TcpConnection(conn);
  const refusal = chat.admit(connection.address);
  if (refusal !== null) {
    chat.log("refused", { peer: connection.peer, why: refusal });
    const line = encodeText({
      type: "error",
      code: "TOO_MANY_CONNECTIONS",
      text: refusal,
      time: new Date(),
    });
    try {
      await conn.write(line);
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
  const reason = await readLines(chat, conn, session);
  chat.connectionClosed(session, reason);
  await session.queue.drained();
  connection.close();
}

/** Reads until the connection ends; returns why it ended. */
async function readLines(chat: Chat, conn: Deno.TcpConn, session: Session): Promise<string> {
  const lines = new LineReader(chat.config.maxLine);
  const telnet = new TelnetFilter();
  let buffer = new Uint8Array(FIRST_READ_BUFFER);
  while (!session.closed) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      return session.closed ? "closed" : describeReadError(error);
    }
    if (n === null) return "connection closed by peer";
    const data = telnet.filter(buffer.subarray(0, n));
    for (const item of lines.push(data)) {
      session.receive("line" in item ? decoder.decode(item.line) : item);
    }
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
  return "closed";
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
    return "closed";
  }
  return `read failed: ${(error as Error)?.message ?? error}`;
}
