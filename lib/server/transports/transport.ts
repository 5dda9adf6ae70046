/**
 * What every transport (socket driver) shares: how a connection's address is named, what is done
 * with the bytes it sends (telnet filtering, then line splitting with the length cap, then the
 * session), the line sent to a connection refused at admission, and the pause after `accept`
 * failed.
 *
 * @module
 */

import { addressKey } from "../address_limiter.ts";
import { LineReader } from "../../shared/line_reader.ts";
import { encodeText } from "../../shared/protocol.ts";
import type { Session } from "../session.ts";
import { TelnetFilter } from "./telnet_filter.ts";

const decoder = new TextDecoder();

/** Longest pause before accepting again after `accept` failed (e.g. out of file descriptors). */
const ACCEPT_BACKOFF_MAX_MS = 1000;

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
  const host = addr.hostname;
  return {
    peer: host.includes(":") ? `[${host}]:${addr.port}` : `${host}:${addr.port}`,
    address: addressKey(host),
  };
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
 * Turns one connection's incoming bytes into the session's lines.
 *
 * @example
 * ```ts
 * const input = new ConnectionInput(4096, session);
 * input.push(new TextEncoder().encode("login alice secret\r\n"));
 * ```
 */
export class ConnectionInput {
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

/** The error line sent to a connection refused at admission (`refusal` says why). */
export function refusalLine(refusal: string): Uint8Array {
  return encodeText({
    type: "error",
    code: "TOO_MANY_CONNECTIONS",
    text: refusal,
    time: new Date(),
  });
}
