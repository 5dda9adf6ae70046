/**
 * The TLS transport: the line protocol encrypted (`--tls-cert`, `--tls-key`, `--tls-port`).
 * A handshake must complete within `--tls-handshake-timeout` seconds: plain text sent to the port,
 * a handshake that fails and a client that stalls halfway each cost a bounded time, and are
 * logged.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { WriteScheduler } from "../send_queue.ts";
import { serveLines } from "./line_connection.ts";
import { RenewableTlsListener, type TlsFiles } from "./tls_listener.ts";
import { acceptLoop, peerOf, type Transport } from "./transport.ts";

/**
 * Completes a TLS handshake within `seconds`; false (logged, and the connection closed) if it
 * failed or ran out of time.
 */
export async function handshake(
  conn: Deno.TlsConn,
  seconds: number,
  log: Chat["log"],
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), seconds * 1000);
  });
  let outcome: string | null = null;
  try {
    if (await Promise.race([conn.handshake(), timeout]) === "timeout") {
      outcome = `no handshake within ${seconds} s`;
    }
  } catch (error) {
    outcome = (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
  if (outcome === null) return true;
  log("tls handshake failed", { peer: peerOf(conn.remoteAddr).peer, why: outcome });
  try {
    conn.close();
  } catch {
    // already closed
  }
  return false;
}

/**
 * Listens for the line protocol over TLS.
 *
 * @example
 * ```ts
 * const tls = await TlsTransport.listen(scheduler, "127.0.0.1", 0, files);
 * const serving = tls.serve(chat);
 * ```
 */
export class TlsTransport implements Transport {
  readonly kind = "tls";

  private constructor(
    readonly scheduler: WriteScheduler,
    readonly listener: RenewableTlsListener,
  ) {}

  /** Reads the certificate files and listens (port 0 picks a free one). */
  static async listen(
    scheduler: WriteScheduler,
    hostname: string,
    port: number,
    files: TlsFiles,
  ): Promise<TlsTransport> {
    return new TlsTransport(scheduler, await RenewableTlsListener.open(hostname, port, files));
  }

  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  serve(chat: Chat): Promise<void> {
    return acceptLoop(this.listener, chat.log, async (conn) => {
      if (await handshake(conn, chat.config.handshakeTimeout, chat.log)) {
        await serveLines(chat, conn, "tls", this.scheduler);
      }
    });
  }

  reload(): Promise<void> {
    return this.listener.reload();
  }

  close(): void {
    this.listener.close();
  }
}
