/**
 * The line protocol over a byte stream (TCP or TLS): telnet filtering and line splitting with the
 * length cap on the way in, the text presentation (switchable to JSON) and telnet's echo control
 * on the way out.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import { type Connection, type ConnectionKind, writeAll } from "../connection.ts";
import type { WriteScheduler } from "../send_queue.ts";
import type { Session } from "../session.ts";
import { LineReader } from "../../shared/line_reader.ts";
import { TELNET_ECHO_OFF, TELNET_ECHO_ON, TelnetFilter } from "./telnet_filter.ts";
import { admit, peerOf, refuse, serveSession, tuneSocket } from "./transport.ts";

const decoder = new TextDecoder();

/**
 * Turns one connection's incoming bytes into the session's lines.
 *
 * @example
 * ```ts
 * import type { Session } from "../session.ts";
 *
 * declare const session: Session;
 *
 * const input = new LineInput(4096, session);
 * input.push(new TextEncoder().encode("login alice secret\r\n"));
 * ```
 */
export class LineInput {
  readonly #lines: LineReader;
  readonly #telnet = new TelnetFilter();

  constructor(maxLine: number, readonly session: Session) {
    this.#lines = new LineReader(maxLine);
  }

  /** Hands the complete lines in `bytes` to the session; `bytes` may be reused afterwards. */
  push(bytes: Uint8Array): void {
    for (const item of this.#lines.push(this.#telnet.filter(bytes))) {
      this.session.receive("line" in item ? decoder.decode(item.line) : item);
    }
  }
}

/** Telnet's "will echo" / "won't echo", which hide and show a password as it is typed. */
export function telnetEcho(visible: boolean): Uint8Array {
  return visible ? TELNET_ECHO_ON : TELNET_ECHO_OFF;
}

/** A Deno stream (TCP or TLS socket) as the chat's {@link Connection}. */
class LineConnection implements Connection {
  readonly peer: string;
  readonly address: string;
  readonly presentation = "text";
  readonly fixedPresentation = false;
  #closed = false;

  constructor(
    readonly conn: Deno.Conn,
    readonly kind: ConnectionKind,
    readonly scheduler: WriteScheduler,
  ) {
    ({ peer: this.peer, address: this.address } = peerOf(conn.remoteAddr));
  }

  send(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  echo(visible: boolean): Uint8Array {
    return telnetEcho(visible);
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
}

/** Serves the line protocol on one accepted stream, from admission until it ends. */
export async function serveLines(
  chat: Chat,
  conn: Deno.Conn,
  kind: "tcp" | "tls",
  scheduler: WriteScheduler,
): Promise<void> {
  const connection = new LineConnection(conn, kind, scheduler);
  const admitted = admit(chat, connection);
  if ("refusal" in admitted) return refuse(connection, admitted.refusal);
  tuneSocket(conn);
  const input = new LineInput(chat.config.maxLine, admitted.session);
  await serveSession(chat, conn, connection, admitted.session, input);
}
