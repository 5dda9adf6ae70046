/**
 * Opening the client's connection to the server, over TCP or TLS, within a time limit. Over TLS
 * the handshake is part of the attempt: a certificate the client refuses then shows as a failed
 * connection attempt (which the client can tell from a network failure), not as the first read
 * failing on a connection that seemed to work.
 *
 * @module
 */

import type { TlsOptions } from "./tls.ts";
import { fellBackToDenoRoots } from "./trust_store.ts";

/** Where the server is, and whether to speak TLS to it. */
export interface ServerTarget {
  host: string;
  port: number;
  /** Connect with TLS, trusting these extra certificates (undefined: plain TCP). */
  tls?: TlsOptions;
}

/**
 * Connects (and over TLS completes the handshake) within `timeoutMs`; rejects with
 * `Deno.errors.TimedOut` when that runs out, closing whatever the attempt had opened.
 *
 * @example
 * ```ts
 * const conn = await connectToServer({ host: "127.0.0.1", port: 4443, tls: {} }, 10_000);
 * ```
 */
export function connectToServer(target: ServerTarget, timeoutMs: number): Promise<Deno.Conn> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let handshaking: Deno.Conn | undefined;
    const timer = setTimeout(() => {
      settled = true;
      closeQuietly(handshaking); // ends a handshake still under way
      reject(new Deno.errors.TimedOut("timed out"));
    }, timeoutMs);
    open(target, (conn) => handshaking = conn).then((conn) => {
      if (settled) return closeQuietly(conn); // it answered after we gave up on it
      settled = true;
      clearTimeout(timer);
      resolve(conn);
    }, (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function open(
  target: ServerTarget,
  handshaking: (conn: Deno.Conn) => void,
): Promise<Deno.Conn> {
  const { host: hostname, port, tls } = target;
  if (!tls) return await Deno.connect({ hostname, port, transport: "tcp" });
  const connect = () => Deno.connectTls({ hostname, port, caCerts: tls.caCerts });
  const conn = await connect().catch((error) => {
    if (fellBackToDenoRoots(error)) return connect();
    throw error;
  });
  handshaking(conn);
  try {
    await conn.handshake();
  } catch (error) {
    closeQuietly(conn);
    throw error;
  }
  return conn;
}

function closeQuietly(conn: Deno.Conn | undefined): void {
  try {
    conn?.close();
  } catch {
    // already closed
  }
}
