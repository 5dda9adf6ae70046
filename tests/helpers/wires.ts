/**
 * The byte streams a test client talks over: a TCP or TLS socket, or a WebSocket seen as a stream
 * (each message received becomes its text plus a line end; each line written becomes one message,
 * as the protocol wants one command per message).
 *
 * @module
 */

import { RawWebSocket } from "./raw_websocket.ts";
import { MessageStream } from "./message_stream.ts";

/** A TLS connection to loopback that trusts `caCert`, its handshake done. */
export async function connectTls(port: number, caCert: string): Promise<Deno.TlsConn> {
  const conn = await Deno.connectTls({ hostname: "localhost", port, caCerts: [caCert] });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/** What {@link LineClient} needs of a connection. */
export interface Wire {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** How a test reaches the server: the line protocol in the clear or over TLS, or WebSocket. */
export type Via =
  | { kind: "tcp"; port: number; hostname?: string }
  | { kind: "tls"; port: number; caCert: string }
  | { kind: "ws"; port: number }
  | { kind: "wss"; port: number; caCert: string };

const decoder = new TextDecoder();

/**
 * Connects as `via` says.
 *
 * @example
 * ```ts
 * const wire = await dial({ kind: "ws", port: 8080 });
 * ```
 */
export async function dial(via: Via): Promise<Wire> {
  switch (via.kind) {
    case "tcp":
      return await Deno.connect({ hostname: via.hostname ?? "127.0.0.1", port: via.port });
    case "tls":
      return await connectTls(via.port, via.caCert);
    case "ws":
      // Deno's own WebSocket, as a browser's: an independent client of the server's framing.
      return await WebSocketWire.open(`ws://127.0.0.1:${via.port}/ws`);
    case "wss":
      // Deno's WebSocket trusts only the system's roots; a hand-made one takes the test's.
      return await RawWebSocket.open(await connectTls(via.port, via.caCert));
  }
}

/** A WebSocket (Deno's, as a browser's) read and written as a stream of lines. */
export class WebSocketWire implements Wire {
  /** Every close the server sent: code and reason. */
  closeEvent: { code: number; reason: string } | null = null;
  readonly #messages = new MessageStream();
  #ended = false;
  readonly #closed: Promise<void>;

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      this.#messages.push(typeof event.data === "string" ? event.data : decoder.decode(event.data));
    };
    this.#closed = new Promise((resolve) => {
      socket.onclose = (event) => {
        this.closeEvent = { code: event.code, reason: event.reason };
        this.#ended = true;
        this.#messages.end();
        resolve();
      };
    });
  }

  /** Opens a WebSocket and waits until it is open (rejects if it fails). */
  static async open(url: string): Promise<WebSocketWire> {
    const socket = new WebSocket(url);
    const wire = new WebSocketWire(socket);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = (event) => reject(new Error(`WebSocket failed: ${String(event)}`));
    });
    socket.onerror = null;
    return wire;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    return this.#messages.read(buffer);
  }

  /** Sends each line of `bytes` as one message. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#ended) return Promise.reject(new Deno.errors.BrokenPipe("WebSocket closed"));
    for (const line of decoder.decode(bytes).split("\n").slice(0, -1)) this.socket.send(line);
    return Promise.resolve(bytes.length);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close();
  }

  /** Resolves once the socket has closed (either side). */
  closed(): Promise<void> {
    return this.#closed;
  }
}
