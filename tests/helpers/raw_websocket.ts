/**
 * A hand-made WebSocket client over a TCP or TLS socket, for what a browser's WebSocket cannot do
 * in a test: trust a throw-away certificate, send a chosen Origin or X-Forwarded-For, send broken
 * frames, stop reading or never answer a ping.
 *
 * @module
 */

import { MessageStream } from "./message_stream.ts";
import { Wakeup } from "./wakeup.ts";
import type { Wire } from "./wires.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A frame as the server sent it. */
export interface Frame {
  opcode: number;
  payload: Uint8Array;
}

/**
 * Sends an HTTP request head on `conn` and reads the response head; returns the status and the
 * bytes that came after the head.
 */
export async function request(
  conn: Deno.Conn,
  head: string,
): Promise<{ status: number; text: string; rest: Uint8Array }> {
  await conn.write(encoder.encode(head));
  const buffer = new Uint8Array(65536);
  let length = 0;
  while (true) {
    const n = await conn.read(buffer.subarray(length));
    if (n === null) break;
    length += n;
    const text = decoder.decode(buffer.subarray(0, length));
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const headLength = encoder.encode(text.slice(0, end + 4)).length;
      // A response with a body: read it to its end (the server closes after answering).
      if (!/^HTTP\/1\.1 101/.test(text)) {
        while (true) {
          const more = await conn.read(buffer.subarray(length));
          if (more === null) break;
          length += more;
        }
      }
      const all = decoder.decode(buffer.subarray(0, length));
      return {
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(all)?.[1] ?? 0),
        text: all,
        rest: buffer.slice(headLength, length),
      };
    }
  }
  const text = decoder.decode(buffer.subarray(0, length));
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text, rest: new Uint8Array() };
}

/** The upgrade request for `/ws`, with any extra header lines. */
export function upgradeHead(extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    host: "127.0.0.1",
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
    ...extra,
  };
  return "GET /ws HTTP/1.1\r\n" +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
}

/**
 * A masked client frame.
 *
 * @example
 * ```ts
 * clientFrame(1, new TextEncoder().encode("who"));
 * ```
 */
export function clientFrame(
  opcode: number,
  payload: Uint8Array,
  options: { fin?: boolean; mask?: boolean } = {},
): Uint8Array {
  const masked = options.mask ?? true;
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = new Uint8Array(2 + lengthBytes + (masked ? 4 : 0) + length);
  frame[0] = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  frame[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  const view = new DataView(frame.buffer);
  if (lengthBytes === 2) view.setUint16(2, length);
  if (lengthBytes === 8) view.setBigUint64(2, BigInt(length));
  const at = 2 + lengthBytes;
  const mask = [0x12, 0x34, 0x56, 0x78];
  if (masked) frame.set(mask, at);
  const body = at + (masked ? 4 : 0);
  for (let i = 0; i < length; i++) frame[body + i] = payload[i]! ^ (masked ? mask[i & 3]! : 0);
  return frame;
}

/**
 * A WebSocket connection made by hand, readable as frames or, as a {@link Wire}, as lines.
 *
 * @example
 * ```ts
 * const ws = await RawWebSocket.open(await Deno.connect({ hostname: "127.0.0.1", port }));
 * await ws.sendText("mode json");
 * ```
 */
export class RawWebSocket implements Wire {
  readonly frames: Frame[] = [];
  /** Whether pings are answered (off: a client that never answers one). */
  answerPings = true;
  #pending: Uint8Array = new Uint8Array();
  #cursor = 0;
  readonly #messages = new MessageStream();
  #ended = false;
  readonly #arrived = new Wakeup();
  readonly #reading: Promise<void>;

  private constructor(readonly conn: Deno.Conn, first: Uint8Array, readonly autoRead: boolean) {
    this.#take(first);
    this.#reading = autoRead ? this.#readLoop() : Promise.resolve();
  }

  /**
   * Upgrades `conn` (extra header lines allowed); throws with the response if it was refused.
   * `autoRead: false` makes a client that never reads (the send queue test).
   */
  static async open(
    conn: Deno.Conn,
    extra: Record<string, string> = {},
    autoRead = true,
  ): Promise<RawWebSocket> {
    const response = await request(conn, upgradeHead(extra));
    if (response.status !== 101) {
      conn.close();
      throw new Error(`upgrade refused: ${response.text}`);
    }
    return new RawWebSocket(conn, response.rest, autoRead);
  }

  /** Whether the server has closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.#take(buffer.slice(0, n));
      }
    } catch {
      // reset, or closed by us
    }
    this.#ended = true;
    this.#messages.end();
    this.#arrived.wake();
  }

  #take(bytes: Uint8Array): void {
    const all = new Uint8Array(this.#pending.length + bytes.length);
    all.set(this.#pending);
    all.set(bytes, this.#pending.length);
    let offset = 0;
    while (all.length - offset >= 2) {
      let length = all[offset + 1]! & 0x7f;
      let at = offset + 2;
      if (length === 126) {
        if (all.length - offset < 4) break;
        length = (all[offset + 2]! << 8) | all[offset + 3]!;
        at += 2;
      } else if (length === 127) {
        if (all.length - offset < 10) break;
        length = Number(new DataView(all.buffer).getBigUint64(offset + 2));
        at += 8;
      }
      if (all.length - at < length) break;
      const frame = { opcode: all[offset]! & 0x0f, payload: all.slice(at, at + length) };
      this.frames.push(frame);
      if (frame.opcode === 1) this.#messages.push(decoder.decode(frame.payload));
      if (frame.opcode === 9 && this.answerPings) void this.sendFrame(10, frame.payload);
      offset = at + length;
    }
    this.#pending = all.slice(offset);
    this.#arrived.wake();
  }

  /** Sends one frame (masked unless told otherwise). */
  async sendFrame(opcode: number, payload: Uint8Array, options = {}): Promise<void> {
    const frame = clientFrame(opcode, payload, options);
    let offset = 0;
    while (offset < frame.length) offset += await this.conn.write(frame.subarray(offset));
  }

  /** Sends one text message. */
  sendText(text: string): Promise<void> {
    return this.sendFrame(1, encoder.encode(text));
  }

  /**
   * Waits for the next frame (after those consumed by earlier waits) that matches; the frames
   * before it are consumed too.
   */
  async waitFrame(match: (frame: Frame) => boolean, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (true) {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++]!;
        if (match(frame)) return frame;
      }
      if (this.#ended) throw new Error("connection closed before a matching frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${ms} ms`);
      await this.#arrived.wait(left);
    }
  }

  /** The close frame's code and reason, once it came. */
  async closed(ms = 5000): Promise<{ code: number; reason: string }> {
    const frame = await this.waitFrame((f) => f.opcode === 8, ms);
    return {
      code: (frame.payload[0]! << 8) | frame.payload[1]!,
      reason: decoder.decode(frame.payload.subarray(2)),
    };
  }

  // As a Wire: text messages read as lines, lines written as text messages.
  read(buffer: Uint8Array): Promise<number | null> {
    return this.#messages.read(buffer);
  }

  async write(bytes: Uint8Array): Promise<number> {
    for (const line of decoder.decode(bytes).split("\n").slice(0, -1)) await this.sendText(line);
    return bytes.length;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#reading;
  }
}
