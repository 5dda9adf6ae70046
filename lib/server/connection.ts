/**
 * What the chat sees of one connection, whatever carries it (TCP, TLS, WebSocket): who is at the
 * other end, a way to send whole events, and the capabilities that differ between transports.
 *
 * @module
 */

import type { Presentation } from "../shared/protocol.ts";
import type { WriteScheduler } from "./send_queue.ts";

/** What a connection arrived over: `tcp`, `tls` (the line protocol), `ws` or `wss` (WebSocket). */
export type ConnectionKind = "tcp" | "tls" | "ws" | "wss";

/**
 * One connection as a transport gives it to the chat.
 *
 * @example
 * ```ts
 * import { WriteScheduler } from "./send_queue.ts";
 *
 * const connection: Connection = {
 *   kind: "tcp", peer: "127.0.0.1:5000", address: "127.0.0.1", presentation: "text",
 *   fixedPresentation: false, scheduler: new WriteScheduler(),
 *   send: () => Promise.resolve(), close: () => {},
 * };
 * ```
 */
export interface Connection {
  readonly kind: ConnectionKind;
  /** `address:port` of the other end, for logs. */
  readonly peer: string;
  /** The key per-address limits count the other end by (an IPv6 address by its /64). */
  readonly address: string;
  /** The presentation a session on it starts in. */
  readonly presentation: Presentation;
  /** True when the presentation cannot change (WebSocket speaks JSON only). */
  readonly fixedPresentation: boolean;
  /** Paces this connection's writes (owned by its transport). */
  readonly scheduler: WriteScheduler;
  /**
   * Sends one or more whole encoded events; resolves once all of them are handed to the network,
   * rejects when the connection is gone. One call at a time.
   */
  send(events: Uint8Array): Promise<void>;
  /** Closes the connection; safe to call more than once. */
  close(): void;
  /**
   * The bytes that ask the other end to stop (`false`) or resume (`true`) echoing what its user
   * types, queued in order with the events: telnet's password prompt. Absent where it means nothing.
   */
  echo?(visible: boolean): Uint8Array;
}

/**
 * Writes all of `bytes` to a stream whose `write` may take only part of them.
 *
 * @example
 * ```ts
 * declare const conn: Deno.Conn;
 *
 * await writeAll(conn, new TextEncoder().encode("hello\r\n"));
 * ```
 */
export async function writeAll(
  stream: { write(bytes: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await stream.write(offset === 0 ? bytes : bytes.subarray(offset));
  }
}
