/**
 * WebSocket (RFC 6455) for the chat: the upgrade of an HTTP request, frames in (one command per
 * text message) and out (one or more JSON lines per text message), ping/pong keepalive and the
 * closing handshake. Written on parley's own stream connection rather than a library's, so a
 * WebSocket client goes through the same send queue, bound and write pacing as a TCP one: a
 * browser that stops reading is cut off at `--sendq` exactly like a telnet that stops reading.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Chat } from "../chat.ts";
import { type Connection, writeAll } from "../connection.ts";
import type { WriteScheduler } from "../send_queue.ts";
import type { IncomingLine } from "../session.ts";
import type { RequestHead } from "./http_request.ts";
import { admit, serveSession } from "./transport.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Frame opcodes. */
const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** Close codes (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_DATA = 1007;

/** How long a closing connection waits for its close frame to be written before it just closes. */
const CLOSE_WRITE_MS = 1000;

/**
 * The `Sec-WebSocket-Accept` value for a client's key.
 *
 * @example
 * ```ts
 * acceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/**
 * Why a request is not a valid WebSocket upgrade (null when it is).
 *
 * @example
 * ```ts
 * import type { RequestHead } from "./http_request.ts";
 *
 * declare const head: RequestHead;
 *
 * upgradeProblem(head); // "not a WebSocket upgrade: ..." or null
 * ```
 */
export function upgradeProblem(head: Omit<RequestHead, "rest">): string | null {
  const h = head.headers;
  if (head.method !== "GET") return "a WebSocket upgrade is a GET";
  if (!/(^|,)\s*websocket\s*(,|$)/i.test(h.get("upgrade") ?? "")) {
    return "this is parley's WebSocket endpoint; open it with a WebSocket client";
  }
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(h.get("connection") ?? "")) {
    return "a WebSocket upgrade needs Connection: Upgrade";
  }
  if (h.get("sec-websocket-version") !== "13") return "only WebSocket version 13 is spoken";
  const key = h.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return "Sec-WebSocket-Key is missing or malformed";
  return null;
}

/** The 101 response that completes an upgrade. */
export function upgradeResponse(key: string): Uint8Array {
  return encoder.encode(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
}

/**
 * One unmasked frame, as a server sends it.
 *
 * @example
 * ```ts
 * encodeFrame(0x1, new TextEncoder().encode("hi")); // Uint8Array [0x81, 2, 0x68, 0x69]
 * ```
 */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(header + length);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(payload, header);
  return frame;
}

/** A close frame with its code and a short reason. */
function closeFrame(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason.slice(0, 100));
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return encodeFrame(CLOSE, payload);
}

/** What the frame reader hands on: a command, a report, or a reason to end the connection. */
export interface WsInputSink {
  /** A text message (one command), or the report of one over the length limit. */
  message(line: IncomingLine): void;
  /** A message the chat cannot take (binary, line breaks): said to the sender, nothing more. */
  refused(text: string): void;
  /** A ping's payload, to answer with a pong. */
  ping(payload: Uint8Array): void;
  /** Any frame arrived: the peer is alive. */
  alive(): void;
  /** The peer closed, or broke the protocol: end with this close code and reason. */
  end(code: number, reason: string): void;
}

/**
 * Reads client frames incrementally (they may arrive split anywhere): unmasks them, joins
 * fragmented messages up to `maxMessage` bytes and discards longer ones as they arrive.
 *
 * @example
 * ```ts
 * declare const sink: WsInputSink;
 * declare const bytesFromSocket: Uint8Array;
 *
 * const input = new WsInput(4096, sink);
 * input.push(bytesFromSocket);
 * ```
 */
export class WsInput {
  #header = new Uint8Array(14);
  #headerLength = 0;
  /** The frame being read: opcode, whether it ends its message, payload left, its mask. */
  #opcode = 0;
  #fin = false;
  #remaining = 0;
  #mask = new Uint8Array(4);
  #maskOffset = 0;
  #inFrame = false;
  /** The message being joined: its parts and their total, its opcode, whether it is discarded. */
  #parts: Uint8Array[] = [];
  #size = 0;
  #messageOpcode = -1;
  #discarding = false;
  #control: Uint8Array[] = [];
  #ended = false;

  constructor(readonly maxMessage: number, readonly sink: WsInputSink) {}

  push(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length && !this.#ended) {
      if (!this.#inFrame) {
        offset = this.#readHeader(bytes, offset);
        continue;
      }
      const take = Math.min(this.#remaining, bytes.length - offset);
      this.#payload(bytes.subarray(offset, offset + take));
      offset += take;
      this.#remaining -= take;
      if (this.#remaining === 0) this.#frameDone();
    }
  }

  #readHeader(bytes: Uint8Array, offset: number): number {
    const header = this.#header;
    while (offset < bytes.length) {
      header[this.#headerLength++] = bytes[offset++]!;
      const needed = this.#headerSize();
      if (needed !== 0 && this.#headerLength === needed) break;
    }
    const needed = this.#headerSize();
    if (needed === 0 || this.#headerLength < needed) return offset;
    this.#headerLength = 0;
    const first = header[0]!;
    const second = header[1]!;
    const opcode = first & 0x0f;
    let length = second & 0x7f;
    let at = 2;
    if (length === 126) {
      length = (header[2]! << 8) | header[3]!;
      at = 4;
    } else if (length === 127) {
      const big = new DataView(header.buffer).getBigUint64(2);
      length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
      at = 10;
    }
    if ((first & 0x70) !== 0) return this.#fail(CLOSE_PROTOCOL_ERROR, "reserved bits set"), offset;
    if ((second & 0x80) === 0) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, "client frames must be masked"), offset;
    }
    const control = opcode >= 0x8;
    if (control && ((first & 0x80) === 0 || length > 125)) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, "bad control frame"), offset;
    }
    if (![CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG].includes(opcode)) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, `unknown opcode ${opcode}`), offset;
    }
    if (!control) {
      if (opcode === CONTINUATION && this.#messageOpcode < 0) {
        return this.#fail(CLOSE_PROTOCOL_ERROR, "continuation without a message"), offset;
      }
      if (opcode !== CONTINUATION && this.#messageOpcode >= 0) {
        return this.#fail(CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one"), offset;
      }
      if (opcode !== CONTINUATION) {
        this.#messageOpcode = opcode;
        this.#discarding = opcode === BINARY;
      }
    }
    this.#opcode = opcode;
    this.#fin = (first & 0x80) !== 0;
    this.#mask.set(header.subarray(at, at + 4));
    this.#maskOffset = 0;
    this.#remaining = length;
    this.#inFrame = true;
    if (length === 0) this.#frameDone();
    return offset;
  }

  /** The header's full size once its first two bytes are in (0 before). */
  #headerSize(): number {
    if (this.#headerLength < 2) return 0;
    const second = this.#header[1]!;
    const length = second & 0x7f;
    return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + ((second & 0x80) !== 0 ? 4 : 0);
  }

  #payload(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const control = this.#opcode >= 0x8;
    if (!control && this.#discarding) return;
    if (!control && this.#size + chunk.length > this.maxMessage) {
      this.#discarding = true;
      this.#parts = [];
      this.#size = 0;
      return;
    }
    const copy = chunk.slice();
    const mask = this.#mask;
    let m = this.#maskOffset;
    for (let i = 0; i < copy.length; i++) copy[i]! ^= mask[m++ & 3]!;
    this.#maskOffset = m & 3;
    if (control) this.#control.push(copy);
    else {
      this.#parts.push(copy);
      this.#size += copy.length;
    }
  }

  #frameDone(): void {
    this.#inFrame = false;
    this.sink.alive();
    if (this.#opcode >= 0x8) {
      const payload = join(this.#control);
      this.#control = [];
      if (this.#opcode === PING) this.sink.ping(payload);
      else if (this.#opcode === CLOSE) {
        const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : CLOSE_NORMAL;
        this.#ended = true;
        this.sink.end(code, "closed by the client");
      }
      return;
    }
    if (!this.#fin) return;
    const opcode = this.#messageOpcode;
    const parts = this.#parts;
    const discarded = this.#discarding;
    this.#messageOpcode = -1;
    this.#parts = [];
    this.#size = 0;
    this.#discarding = false;
    if (opcode === BINARY) {
      this.sink.refused("binary messages are not accepted: send each command as a text message");
      return;
    }
    if (discarded) {
      this.sink.message({ tooLong: true });
      return;
    }
    let text: string;
    try {
      text = utf8.decode(join(parts));
    } catch {
      this.#fail(CLOSE_INVALID_DATA, "text message is not valid UTF-8");
      return;
    }
    // One command per message; a trailing line break is forgiven, one in the middle is not.
    const line = text.replace(/\r?\n$/, "");
    if (/[\r\n]/.test(line)) {
      this.sink.refused("one command per message: this one holds a line break");
      return;
    }
    this.sink.message(line);
  }

  #fail(code: number, reason: string): void {
    this.#ended = true;
    this.sink.end(code, reason);
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const part of parts) total += part.length;
  const all = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/**
 * An upgraded connection as the chat's {@link Connection}: JSON only, each batch of events one
 * text message. Every write (events, pongs, pings, the close frame) goes through one chain, so
 * frames never interleave.
 */
export class WsConnection implements Connection {
  readonly presentation = "json";
  readonly fixedPresentation = true;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly conn: Deno.Conn,
    readonly kind: "ws" | "wss",
    readonly peer: string,
    readonly address: string,
    readonly scheduler: WriteScheduler,
  ) {}

  send(events: Uint8Array): Promise<void> {
    return this.#write(encodeFrame(TEXT, events));
  }

  /** Writes a control frame (ping, pong) in turn with the events. */
  control(opcode: "ping" | "pong", payload: Uint8Array): void {
    void this.#write(encodeFrame(opcode === "ping" ? PING : PONG, payload)).catch(() => {});
  }

  #write(frame: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("connection closed"));
    const written = this.#tail.then(() => writeAll(this.conn, frame));
    this.#tail = written.catch(() => {});
    return written;
  }

  /** Sends a close frame (best effort, bounded in time), then closes the socket. */
  closeWith(code: number, reason: string): void {
    if (this.#closed) return;
    const sent = this.#write(closeFrame(code, reason)).catch(() => {});
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void Promise.race([sent, new Promise((resolve) => timer = setTimeout(resolve, CLOSE_WRITE_MS))])
      .then(() => {
        clearTimeout(timer);
        try {
          this.conn.close();
        } catch {
          // already closed
        }
      });
  }

  close(): void {
    this.closeWith(CLOSE_NORMAL, "goodbye");
  }
}

/**
 * Serves an upgrade request's connection from the 101 answer to its end: admission (a refused
 * client is told why in JSON before the close), frames in, keepalive pings every `--ws-ping`
 * seconds (a client that answered nothing since the last ping is cut off), and the close.
 */
export async function serveWebSocket(
  chat: Chat,
  conn: Deno.Conn,
  head: RequestHead,
  connection: WsConnection,
): Promise<void> {
  try {
    await writeAll(conn, upgradeResponse(head.headers.get("sec-websocket-key")!));
  } catch {
    conn.close();
    return;
  }
  const admitted = admit(chat, connection);
  if ("refusal" in admitted) {
    await connection.send(admitted.refusal).catch(() => {});
    connection.closeWith(CLOSE_TRY_AGAIN_LATER, "refused");
    return;
  }
  const session = admitted.session;
  let heard = true;
  const end = (code: number, reason: string) => {
    connection.closeWith(code, reason);
    chat.connectionClosed(session, reason);
  };
  const input = new WsInput(chat.config.maxLine, {
    message: (line) => session.receive(line),
    refused: (text) => session.error("BAD_FORMAT", text),
    ping: (payload) => connection.control("pong", payload),
    alive: () => heard = true,
    end: (code, reason) => end(code === 1001 ? CLOSE_NORMAL : code, reason),
  });
  const pinger = setInterval(() => {
    if (!heard) return end(CLOSE_GOING_AWAY, `no answer to a ping in ${chat.config.wsPing} s`);
    heard = false;
    connection.control("ping", new Uint8Array());
  }, chat.config.wsPing * 1000);
  try {
    input.push(head.rest);
    await serveSession(chat, conn, connection, session, input);
  } finally {
    clearInterval(pinger);
  }
}
