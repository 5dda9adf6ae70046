/**
 * The TCP transport: the line protocol in the clear, for telnet and the terminal client.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { WriteScheduler } from "../send_queue.ts";
import { serveLines } from "./line_connection.ts";
import { acceptLoop, type Transport } from "./transport.ts";

/**
 * Listens for the line protocol over plain TCP.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 * import type { WriteScheduler } from "../send_queue.ts";
 *
 * declare const scheduler: WriteScheduler;
 * declare const chat: Chat;
 *
 * const tcp = TcpTransport.listen(scheduler, "127.0.0.1", 0);
 * const serving = tcp.serve(chat);
 * // later: tcp.close(); await serving;
 * ```
 */
export class TcpTransport implements Transport {
  readonly kind = "tcp";

  private constructor(readonly scheduler: WriteScheduler, readonly listener: Deno.TcpListener) {}

  /** Listens on `hostname:port` (port 0 picks a free one). */
  static listen(scheduler: WriteScheduler, hostname: string, port: number): TcpTransport {
    return new TcpTransport(scheduler, Deno.listen({ hostname, port }));
  }

  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  serve(chat: Chat): Promise<void> {
    return acceptLoop(
      this.listener,
      chat.log,
      (conn) => serveLines(chat, conn, "tcp", this.scheduler),
    );
  }

  close(): void {
    try {
      this.listener.close();
    } catch {
      // already closed
    }
  }
}
