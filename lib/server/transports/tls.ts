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
import { acceptLoop, peerOf, PendingConnections, type Transport } from "./transport.ts";

/**
 * Completes a TLS handshake within `seconds`; false (logged, and the connection closed) if it
 * failed, ran out of time, or too many handshakes are under way (from its address or at all).
 */
export async function handshake(
  conn: Deno.TlsConn,
  seconds: number,
  log: Chat["log"],
  pending: PendingConnections,
): Promise<boolean> {
  const { peer, address } = peerOf(conn.remoteAddr);
  if (!pending.enter(address)) {
    log("tls handshake refused", { peer, why: "too many handshakes under way" });
    closeQuietly(conn);
    return false;
  }
  try {
    return await handshakeWithin(conn, seconds, log, peer);
  } finally {
    pending.leave(address);
  }
}

async function handshakeWithin(
  conn: Deno.TlsConn,
  seconds: number,
  log: Chat["log"],
  peer: string,
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
  log("tls handshake failed", { peer, why: outcome });
  closeQuietly(conn);
  return false;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/**
 * Listens for the line protocol over TLS.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 * import type { WriteScheduler } from "../send_queue.ts";
 *
 * declare const scheduler: WriteScheduler;
 * declare const chat: Chat;
 *
 * const files = { certFile: "cert.pem", keyFile: "key.pem" };
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
    const { handshakeTimeout, maxUnauthenticated, maxPerAddress } = chat.config;
    const pending = new PendingConnections(maxUnauthenticated, maxPerAddress);
    return acceptLoop(this.listener, chat.log, async (conn) => {
      if (await handshake(conn, handshakeTimeout, chat.log, pending)) {
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
