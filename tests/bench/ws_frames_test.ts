/**
 * The load generator's WebSocket framing (`bench/ws_frames.ts`), checked against the server's own
 * frame writer and reader so that the two are known to agree.
 */

import assert from "node:assert/strict";
import {
  BINARY,
  clientFrame,
  CLOSE,
  FrameReader,
  handshakeKey,
  maskPayload,
  PING,
  TEXT,
  unmaskedClientFrame,
  upgradeAnswer,
} from "../../bench/ws_frames.ts";
import { acceptKey, encodeFrame, WsInput } from "../../lib/server/transports/websocket.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

Deno.test("FrameReader joins data payloads split anywhere and sets control frames aside", () => {
  const long = "x".repeat(299) + "\n";
  const huge = "y".repeat(69_999) + "\n";
  const wire = concat([
    encodeFrame(TEXT, encoder.encode('{"a":1}\n{"b":2}\n')),
    encodeFrame(PING, encoder.encode("hi")),
    encodeFrame(TEXT, encoder.encode(long)),
    encodeFrame(PING, new Uint8Array()),
    encodeFrame(TEXT, encoder.encode(huge)),
    encodeFrame(CLOSE, Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65)),
  ]);
  const expected = '{"a":1}\n{"b":2}\n' + long + huge;
  for (const chunk of [1, 2, 3, 5, 7, 64, 1000, wire.length]) {
    const reader = new FrameReader();
    const buffer = new Uint8Array(wire.length);
    let have = 0;
    for (let at = 0; at < wire.length; at += chunk) {
      const piece = wire.subarray(at, Math.min(wire.length, at + chunk));
      buffer.set(piece, have);
      have = reader.deframe(buffer, have, have + piece.length);
    }
    assert.equal(reader.error, "");
    assert.equal(decoder.decode(buffer.subarray(0, have)), expected, `chunks of ${chunk}`);
    assert.deepEqual(
      reader.controls.map((c) => [c.opcode, [...c.payload]]),
      [[PING, [0x68, 0x69]], [PING, []], [CLOSE, [0x03, 0xe8, 0x62, 0x79, 0x65]]],
    );
  }
});

Deno.test("FrameReader stops at a masked server frame", () => {
  const reader = new FrameReader();
  const frame = clientFrame(TEXT, encoder.encode("hi"));
  reader.deframe(frame, 0, frame.length);
  assert.match(reader.error, /masked/);
});

Deno.test("client frames are what the server's reader takes, at every length encoding", () => {
  const got: unknown[] = [];
  const input = new WsInput(100_000, {
    message: (line) => got.push(line),
    refused: (text) => got.push(`refused: ${text}`),
    ping: () => {},
    alive: () => {},
    end: (code, reason) => got.push(`end ${code} ${reason}`),
  });
  const template = unmaskedClientFrame(TEXT, encoder.encode("m" + "x".repeat(199)));
  template[template.length - 1] = 0x7a; // "z": the load generator writes digits before masking
  maskPayload(template, template.length - 200, template.length);
  input.push(clientFrame(TEXT, encoder.encode("join lobby")));
  input.push(template);
  input.push(clientFrame(TEXT, encoder.encode("w".repeat(70_000))));
  input.push(clientFrame(BINARY, encoder.encode("no")));
  assert.deepEqual(got, [
    "join lobby",
    "m" + "x".repeat(198) + "z",
    "w".repeat(70_000),
    "refused: binary messages are not accepted: send each command as a text message",
  ]);
});

Deno.test("the upgrade's answer is checked and its end found", () => {
  const { key, accept } = handshakeKey();
  assert.equal(accept, acceptKey(key));
  // The answer, and a first frame right behind it.
  const answer = (status: string, value: string) =>
    concat([
      encoder.encode(
        `HTTP/1.1 ${status}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Accept: ${value}\r\n\r\n`,
      ),
      encodeFrame(TEXT, encoder.encode("hi")),
    ]);
  const good = answer("101 Switching Protocols", accept);
  assert.equal(upgradeAnswer(good, good.length - 10, accept), -1);
  assert.equal(upgradeAnswer(good, good.length, accept), good.length - 4);
  assert.match(String(upgradeAnswer(answer("101 OK", "wrong="), 200, accept)), /Accept wrong=/);
  const refused = answer("403 Forbidden", accept);
  assert.equal(
    upgradeAnswer(refused, refused.length, accept),
    "upgrade refused: HTTP/1.1 403 Forbidden",
  );
});
