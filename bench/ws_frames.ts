/**
 * The client side of WebSocket (RFC 6455) for the load generator: the upgrade request and the
 * check of its answer, masked client frames, and a reader that strips the server's frame headers
 * in place so that what is left is the stream of JSON lines the messages carry.
 *
 * Written here rather than taken from the server (`lib/server/transports/websocket.ts`), so that
 * the benchmark checks the server against the RFC, not against itself, and costs the load
 * generator no more per delivered line than the line protocols do (`WebSocket` objects would
 * decode every message to a string and make an event per message).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Frame opcodes the load generator sends or handles. */
export const TEXT = 0x1;
export const BINARY = 0x2;
export const CLOSE = 0x8;
export const PING = 0x9;
export const PONG = 0xa;

/** The path both benchmarked WebSocket servers serve the chat on. */
export const WS_PATH = "/ws";

/**
 * The key every client frame is masked with. A fixed key is enough on loopback (the RFC asks for
 * unpredictable keys against proxies that would misread the bytes); it is not zero, because `ws`
 * skips unmasking for a zero key, which would favour it over a server that always unmasks.
 */
export const MASK = Uint8Array.of(0x5a, 0x3c, 0xa5, 0xc3);

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A client's `Sec-WebSocket-Key` and the `Sec-WebSocket-Accept` its server must answer.
 *
 * @example
 * ```ts
 * const { key, accept } = handshakeKey();
 * ```
 */
export function handshakeKey(): { key: string; accept: string } {
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const key = btoa(String.fromCharCode(...nonce));
  return { key, accept: createHash("sha1").update(key + GUID).digest("base64") };
}

/** The HTTP request that asks for the upgrade. */
export function upgradeRequest(host: string, port: number, key: string): Uint8Array {
  return encoder.encode(
    `GET ${WS_PATH} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
}

/**
 * Where the answer to the upgrade request ends in `bytes[0, end)`: the index after its blank
 * line, -1 if it has not all arrived, or a reason if it is not a valid `101` for `accept`.
 */
export function upgradeAnswer(bytes: Uint8Array, end: number, accept: string): number | string {
  let blank = -1;
  for (let i = 3; i < end; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      blank = i + 1;
      break;
    }
  }
  if (blank < 0) return -1;
  const head = decoder.decode(bytes.subarray(0, blank));
  const status = head.slice(0, head.indexOf("\r\n"));
  if (!/^HTTP\/1\.1 101 /.test(status)) return `upgrade refused: ${status}`;
  const answered = /^sec-websocket-accept:\s*(\S+)\s*$/im.exec(head)?.[1];
  if (answered !== accept) return `upgrade answered with Sec-WebSocket-Accept ${answered}`;
  return blank;
}

/** Header bytes of a masked client frame with this payload length. */
function clientHeaderLength(length: number): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + 4;
}

/**
 * A client frame whose header says masked with {@link MASK} but whose payload is still plain:
 * call {@link maskPayload} on it once its bytes are final (the load generator writes send times
 * into message templates first).
 */
export function unmaskedClientFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const header = clientHeaderLength(length);
  const frame = new Uint8Array(header + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(MASK, header - 4);
  frame.set(payload, header);
  return frame;
}

/** Masks (or unmasks: XOR is its own inverse) `bytes[from, to)` with {@link MASK}. */
export function maskPayload(bytes: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) bytes[i]! ^= MASK[(i - from) & 3]!;
}

/**
 * A complete masked client frame.
 *
 * @example
 * ```ts
 * conn.write(clientFrame(TEXT, new TextEncoder().encode("join lobby")));
 * ```
 */
export function clientFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const frame = unmaskedClientFrame(opcode, payload);
  maskPayload(frame, frame.length - payload.length, frame.length);
  return frame;
}

/** A control frame the server sent (ping, pong or close), with its payload. */
export interface ControlFrame {
  opcode: number;
  payload: Uint8Array;
}

/**
 * Reads the server's frames incrementally (they may be split anywhere between reads). Data frames'
 * payloads are moved together in the caller's buffer, over the headers that separated them, so the
 * caller scans one stream of lines; control frames are set aside in {@link controls}.
 *
 * @example
 * ```ts
 * const frames = new FrameReader();
 * const streamEnd = frames.deframe(buffer, have, have + n); // lines are in buffer[0, streamEnd)
 * for (const frame of frames.controls.splice(0)) answer(frame);
 * ```
 */
export class FrameReader {
  /** Control frames read so far; the caller takes them out. */
  controls: ControlFrame[] = [];
  /** A protocol error the server made, if any (the reader stops there). */
  error = "";
  #header = new Uint8Array(10);
  #headerLength = 0;
  #opcode = 0;
  /** Payload bytes of the current frame not read yet (0: a header comes next). */
  #left = 0;
  #control: number[] = [];

  /**
   * Handles `bytes[from, end)`, just read after the stream bytes already in `bytes[0, from)`;
   * returns where the stream now ends. What lies beyond it is scratch.
   */
  deframe(bytes: Uint8Array, from: number, end: number): number {
    let read = from;
    let write = from;
    while (read < end && this.error === "") {
      if (this.#left > 0) {
        const take = Math.min(this.#left, end - read);
        if (this.#opcode < CLOSE) {
          if (write !== read) bytes.copyWithin(write, read, read + take);
          write += take;
        } else {
          for (let i = read; i < read + take; i++) this.#control.push(bytes[i]!);
        }
        read += take;
        this.#left -= take;
        if (this.#left === 0 && this.#opcode >= CLOSE) this.#controlDone();
        continue;
      }
      if (this.#headerLength === 0 && end - read >= 4 && (bytes[read + 1]! & 0x7f) < 127) {
        // The usual case, a whole header of 2 or 4 bytes at hand: read it where it is.
        const first = bytes[read]!;
        const second = bytes[read + 1]!;
        let length = second & 0x7f;
        read += 2;
        if (length === 126) {
          length = (bytes[read]! << 8) | bytes[read + 1]!;
          read += 2;
        }
        this.#frameStart(first, second, length);
        continue;
      }
      this.#header[this.#headerLength++] = bytes[read++]!;
      const size = this.#headerSize();
      if (size !== 0 && this.#headerLength === size) {
        const h = this.#header;
        let length = h[1]! & 0x7f;
        if (length === 126) length = (h[2]! << 8) | h[3]!;
        else if (length === 127) length = Number(new DataView(h.buffer).getBigUint64(2));
        this.#headerLength = 0;
        this.#frameStart(h[0]!, h[1]!, length);
      }
    }
    return write;
  }

  /** The header's size once its first two bytes are in (0 before). */
  #headerSize(): number {
    if (this.#headerLength < 2) return 0;
    const length = this.#header[1]! & 0x7f;
    return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0);
  }

  #frameStart(first: number, second: number, length: number): void {
    if ((second & 0x80) !== 0) {
      this.error = "the server sent a masked frame";
      return;
    }
    this.#opcode = first & 0x0f;
    this.#left = length;
    if (this.#opcode >= CLOSE && length === 0) this.#controlDone();
  }

  #controlDone(): void {
    this.controls.push({ opcode: this.#opcode, payload: Uint8Array.from(this.#control) });
    this.#control = [];
  }
}
