/**
 * A test client that talks to the server over a real socket — TCP, TLS or WebSocket — as a telnet
 * user (text mode) or a program (JSON mode) would, and waits for lines with a deadline instead of
 * sleeping.
 *
 * @module
 */

import { parseWireEvent, type WireEvent } from "../../lib/shared/protocol.ts";
import { Wakeup } from "./wakeup.ts";
import { dial, type Via, WebSocketWire, type Wire } from "./wires.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long a wait may take before the test fails. */
export const WAIT_MS = 5000;

/**
 * @example
 * ```ts
 * await using alice = await LineClient.connect(port);
 * await alice.send("login alice secret");
 * await alice.waitFor((line) => line.includes("welcome"));
 * ```
 */
export class LineClient {
  /** Every line received so far, without its line ending. */
  readonly lines: string[] = [];
  /** Every byte received, when the client was made with `keepRaw` (telnet negotiation tests). */
  readonly raw: number[] = [];
  keepRaw = false;
  #cursor = 0;
  #partial = "";
  #closed = false;
  readonly #received = new Wakeup();
  readonly #reading: Promise<void>;

  private constructor(readonly conn: Wire) {
    this.#reading = this.#readLoop();
  }

  /** Connects to the server on loopback (a port: the line protocol over TCP). */
  static async connect(to: number | Via, hostname = "127.0.0.1"): Promise<LineClient> {
    return new LineClient(
      await dial(typeof to === "number" ? { kind: "tcp", port: to, hostname } : to),
    );
  }

  /** Connects and switches to JSON mode (the mode reply is consumed). */
  static async connectJson(to: number | Via): Promise<LineClient> {
    const client = await LineClient.connect(to);
    await client.send("mode json");
    await client.nextEvent((e) => e.type === "reply" && e.command === "mode");
    return client;
  }

  /** Connects, switches to JSON mode and logs in; resolves with the login reply. */
  static async json(to: number | Via, user: string, password: string): Promise<LineClient> {
    const client = await LineClient.connectJson(to);
    await client.send(`login ${user} ${password}`);
    const reply = await client.nextEvent((e) => e.command === "login" || e.type === "error");
    if (reply.type === "error") throw new Error(`login ${user} failed: ${reply.text}`);
    return client;
  }

  /** Whether the server has closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(16384);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        if (this.keepRaw) this.raw.push(...buffer.subarray(0, n));
        this.#partial += decoder.decode(buffer.subarray(0, n), { stream: true });
        const parts = this.#partial.split("\n");
        this.#partial = parts.pop()!;
        for (const part of parts) this.lines.push(part.replace(/\r$/, ""));
        this.#received.wake();
      }
    } catch {
      // reset or closed by us
    }
    this.#closed = true;
    this.#received.wake();
  }

  /** Sends one line (a newline is added). */
  async send(line: string): Promise<void> {
    await this.sendBytes(encoder.encode(line + "\n"));
  }

  /** Sends raw bytes. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /**
   * Waits for the next line (after those already consumed) that matches; the lines before it are
   * consumed too. Fails after `ms` with the lines seen.
   */
  async waitFor(match: (line: string) => boolean, ms = WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (true) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (match(line)) return line;
      }
      if (this.#closed) {
        throw new Error(`connection closed before a matching line; saw:\n${this.recent()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${ms} ms; saw:\n${this.recent()}`);
      await this.#received.wait(left);
    }
  }

  /** Waits for a line containing `text`. */
  expect(text: string, ms = WAIT_MS): Promise<string> {
    return this.waitFor((line) => line.includes(text), ms);
  }

  /** Waits for the next JSON event that matches. */
  async nextEvent(
    match: (event: WireEvent & Record<string, unknown>) => boolean,
    ms = WAIT_MS,
  ): Promise<WireEvent & Record<string, unknown>> {
    let found: (WireEvent & Record<string, unknown>) | undefined;
    await this.waitFor((line) => {
      const event = parseWireEvent(line) as (WireEvent & Record<string, unknown>) | undefined;
      if (event && match(event)) found = event;
      return found !== undefined;
    }, ms);
    return found!;
  }

  /** Sends a command in JSON mode and waits for its reply or error. */
  async command(line: string, ms = WAIT_MS): Promise<WireEvent & Record<string, unknown>> {
    await this.send(line);
    return await this.nextEvent((e) => e.type === "reply" || e.type === "error", ms);
  }

  /** Lines received but not yet consumed by a wait. */
  unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  /** Waits until the server closes the connection. */
  async waitClosed(ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error("connection still open");
      await this.waitFor(() => false, Math.max(1, deadline - Date.now())).catch(() => {});
    }
  }

  recent(): string {
    return this.lines.slice(-15).join("\n");
  }

  /** The close code and reason a WebSocket server sent (null before, or on other wires). */
  get closeEvent(): { code: number; reason: string } | null {
    return this.conn instanceof WebSocketWire ? this.conn.closeEvent : null;
  }

  /** Closes the socket and waits for the read loop to end. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    await this.#reading;
    if (this.conn instanceof WebSocketWire) await this.conn.closed();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
