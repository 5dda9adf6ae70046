/**
 * The HTTP listener (`--http-port`; HTTPS when a certificate is given): the web page's files at
 * `/` and the chat over WebSocket at `/ws`. One request per connection; a request's head must
 * arrive within `--handshake-timeout` seconds. Pages from other origins may not open `/ws` unless
 * `--ws-origins` names them, and `X-Forwarded-For` is believed only from `--trusted-proxy`
 * addresses, so no header lets a client dodge the per-address limits.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import type { ServerConfig } from "../config.ts";
import type { WriteScheduler } from "../send_queue.ts";
import { addressKey } from "../address_limiter.ts";
import { readHead, type RequestHead, respond, type Response } from "./http_request.ts";
import { staticFile } from "./static_files.ts";
import { handshake } from "./tls.ts";
import { RenewableTlsListener, type TlsFiles } from "./tls_listener.ts";
import { acceptLoop, peerOf, PendingConnections, type Transport, tuneSocket } from "./transport.ts";
import { serveWebSocket, upgradeProblem, WsConnection } from "./websocket.ts";

/**
 * Who a request is from: the socket's peer, or, when that peer is a trusted proxy, the nearest
 * untrusted address its `X-Forwarded-For` names (for logs: `client via proxy`).
 *
 * @example
 * ```ts
 * clientOf({ transport: "tcp", hostname: "10.0.0.2", port: 5000 }, "203.0.113.9", ["10.0.0.2"]);
 * // { peer: "203.0.113.9 via 10.0.0.2:5000", address: "203.0.113.9" }
 * ```
 */
export function clientOf(
  remote: Deno.NetAddr,
  forwardedFor: string | undefined,
  trustedProxies: readonly string[],
): { peer: string; address: string } {
  const direct = peerOf(remote);
  const trusted = new Set(trustedProxies.map(normalizeIp));
  if (forwardedFor === undefined || !trusted.has(normalizeIp(remote.hostname))) return direct;
  // Walk from the right (the hop nearest to us) past our own proxies to the first client.
  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i]!);
    if (trusted.has(hop)) continue;
    if (!/^[0-9a-f:.]+$/i.test(hop) || (!hop.includes(".") && !hop.includes(":"))) return direct;
    return { peer: `${hop} via ${direct.peer}`, address: addressKey(hop) };
  }
  return direct;
}

/** An IP address as written for comparisons: no brackets, no IPv4-mapped prefix, lower case. */
function normalizeIp(ip: string): string {
  return ip.replace(/^\[|\]$/g, "").replace(/^::ffff:(?=\d+\.)/i, "").toLowerCase();
}

/**
 * Whether a page from `origin` may open `/ws` on a server reached as `host`: its own pages
 * always, others only when listed (`*` lists all). A request without `Origin` is not from a
 * browser page, and is let through (a browser always sends one).
 *
 * @example
 * ```ts
 * originAllowed("http://localhost:8080", "localhost:8080", []); // true
 * originAllowed("https://evil.example", "localhost:8080", []); // false
 * ```
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  const ownHost = /^https?:\/\/([^/]+)$/i.exec(origin)?.[1];
  return ownHost !== undefined && host !== undefined &&
    ownHost.toLowerCase() === host.toLowerCase();
}

/**
 * Serves the web page and WebSocket over plain HTTP or, with certificate files, HTTPS.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 * import type { ServerConfig } from "../config.ts";
 * import type { WriteScheduler } from "../send_queue.ts";
 *
 * declare const config: ServerConfig;
 * declare const scheduler: WriteScheduler;
 * declare const chat: Chat;
 *
 * const http = await HttpTransport.listen(config, scheduler, "127.0.0.1", 0);
 * const serving = http.serve(chat);
 * ```
 */
export class HttpTransport implements Transport {
  readonly kind: "http" | "https";

  private constructor(
    readonly config: ServerConfig,
    readonly scheduler: WriteScheduler,
    readonly listener: Deno.TcpListener | RenewableTlsListener,
  ) {
    this.kind = listener instanceof RenewableTlsListener ? "https" : "http";
  }

  /** Listens on `hostname:port` (0 picks a free one); HTTPS when `tls` is given. */
  static async listen(
    config: ServerConfig,
    scheduler: WriteScheduler,
    hostname: string,
    port: number,
    tls?: TlsFiles,
  ): Promise<HttpTransport> {
    const listener = tls
      ? await RenewableTlsListener.open(hostname, port, tls)
      : Deno.listen({ hostname, port });
    return new HttpTransport(config, scheduler, listener);
  }

  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  serve(chat: Chat): Promise<void> {
    // Handshakes and request heads in progress, bounded like connections not logged in yet.
    const { maxUnauthenticated, maxPerAddress } = this.config;
    const handshakes = new PendingConnections(maxUnauthenticated, maxPerAddress);
    const requests = new PendingConnections(maxUnauthenticated, maxPerAddress);
    return acceptLoop<Deno.Conn>(this.listener, chat.log, async (conn) => {
      const seconds = this.config.handshakeTimeout;
      const tls = this.kind === "https";
      // No Nagle: a small frame must not wait for the peer's delayed ACK (as on the TCP port).
      tuneSocket(conn);
      if (tls && !await handshake(conn as Deno.TlsConn, seconds, chat.log, handshakes)) return;
      const { address, peer } = peerOf(conn.remoteAddr);
      if (!requests.enter(address)) {
        chat.log("http refused", { peer, why: "too many requests under way" });
        await respond(conn, { status: 503, body: "too many requests from your address\n" }, "GET")
          .catch(() => {});
        conn.close();
        return;
      }
      let counted = true;
      const reachedChat = () => {
        if (counted) requests.leave(address);
        counted = false;
      };
      try {
        await this.#serveRequest(chat, conn, reachedChat);
      } finally {
        reachedChat();
      }
    });
  }

  /** Answers one request, or upgrades it (calling `upgraded` as the chat takes it over). */
  async #serveRequest(chat: Chat, conn: Deno.Conn, upgrading: () => void): Promise<void> {
    const seconds = this.config.handshakeTimeout;
    // Until the request is answered or upgraded, it has the handshake's time to finish.
    const deadline = setTimeout(() => conn.close(), seconds * 1000);
    let upgraded = false;
    try {
      const head = await readHead(conn);
      if ("status" in head) {
        if (head.status !== 0) {
          await respond(conn, { status: head.status, body: head.text + "\n" }, "GET");
        }
        return;
      }
      const path = head.target.split("?")[0]!;
      if (path === "/ws") {
        const answer = this.#checkUpgrade(head);
        if (answer !== null) {
          chat.log("websocket refused", { peer: peerOf(conn.remoteAddr).peer, why: answer.body });
          await respond(conn, answer, head.method);
          return;
        }
        clearTimeout(deadline);
        upgraded = true;
        upgrading();
        const who = clientOf(
          conn.remoteAddr as Deno.NetAddr,
          head.headers.get("x-forwarded-for"),
          this.config.trustedProxies,
        );
        const kind = this.kind === "https" ? "wss" : "ws";
        const connection = new WsConnection(conn, kind, who.peer, who.address, this.scheduler);
        await serveWebSocket(chat, conn, head, connection);
        return;
      }
      if (head.method !== "GET" && head.method !== "HEAD") {
        await respond(conn, {
          status: 405,
          headers: { allow: "GET, HEAD" },
          body: "only GET and HEAD\n",
        }, head.method);
        return;
      }
      await respond(conn, await staticFile(this.config.webRoot, path), head.method);
    } catch {
      // the client went away mid-answer, or the deadline closed it: nothing to answer
    } finally {
      if (!upgraded) {
        clearTimeout(deadline);
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    }
  }

  /** The answer refusing an upgrade of `/ws`, or null when it may go ahead. */
  #checkUpgrade(head: RequestHead): Response | null {
    const problem = upgradeProblem(head);
    if (problem !== null) {
      return {
        status: head.method === "GET" ? 426 : 405,
        headers: { upgrade: "websocket", ...(head.method === "GET" ? {} : { allow: "GET" }) },
        body: problem + "\n",
      };
    }
    const origin = head.headers.get("origin");
    if (!originAllowed(origin, head.headers.get("host"), this.config.wsOrigins)) {
      return {
        status: 403,
        body: `pages from ${origin} may not open this chat (see --ws-origins)\n`,
      };
    }
    return null;
  }

  reload(): Promise<void> {
    return this.listener instanceof RenewableTlsListener
      ? this.listener.reload()
      : Promise.resolve();
  }

  close(): void {
    try {
      this.listener.close();
    } catch {
      // already closed
    }
  }
}
