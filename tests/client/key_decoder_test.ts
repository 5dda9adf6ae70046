import assert from "node:assert/strict";
import { type Key, KeyDecoder } from "../../lib/client/key_decoder.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const kinds = (keys: Key[]) => keys.map((k) => k.kind === "char" ? k.char : k.kind);

Deno.test("arrow and function keys are whole escape keys", () => {
  const keys = new KeyDecoder().feed(encode("\x1b[A\x1b[1;5C\x1bOQ\x1b[24~"));
  assert.deepEqual(keys, [
    { kind: "escape", sequence: "\x1b[A" },
    { kind: "escape", sequence: "\x1b[1;5C" },
    { kind: "escape", sequence: "\x1bOQ" },
    { kind: "escape", sequence: "\x1b[24~" },
  ]);
});

Deno.test("a terminal's reply strings (OSC, DCS) are one escape key each", () => {
  const keys = new KeyDecoder().feed(encode("\x1b]11;rgb:00/00/00\x1b\\a\x1bP1$r0m\x1b\\b"));
  assert.deepEqual(kinds(keys), ["escape", "a", "escape", "b"]);
});

Deno.test("Escape pressed twice, then a key, yields two escapes and an Alt key", () => {
  const decoder = new KeyDecoder();
  assert.deepEqual(decoder.feed(encode("\x1b")), []);
  assert.ok(decoder.pending);
  assert.deepEqual(decoder.feed(encode("\x1bx")), [
    { kind: "escape", sequence: "\x1b" },
    { kind: "escape", sequence: "\x1bx" },
  ]);
  assert.ok(!decoder.pending);
});

Deno.test("Escape followed by Enter is an escape and an Enter", () => {
  assert.deepEqual(kinds(new KeyDecoder().feed(encode("\x1b\r"))), ["escape", "enter"]);
});

Deno.test("a broken CSI sequence does not swallow the keys after it", () => {
  assert.deepEqual(kinds(new KeyDecoder().feed(encode("\x1b[12\ra"))), ["escape", "enter", "a"]);
});

Deno.test("a very long escape sequence is still ignored whole, without keeping all of it", () => {
  const decoder = new KeyDecoder();
  const keys = decoder.feed(encode("\x1b[" + "1".repeat(200) + "Ab"));
  assert.deepEqual(kinds(keys), ["escape", "b"]);
  const first = keys[0]!;
  assert.ok(first.kind === "escape" && first.sequence.length <= 66);
  assert.ok(!decoder.pending);
});

Deno.test("control keys are named", () => {
  const keys = new KeyDecoder().feed(new Uint8Array([0x03, 0x04, 0x15, 0x17, 0x08, 0x7f, 0x01]));
  assert.deepEqual(kinds(keys), [
    "interrupt",
    "eof",
    "kill-line",
    "kill-word",
    "backspace",
    "backspace",
    "control",
  ]);
});

Deno.test("C1 control characters are not typed", () => {
  assert.deepEqual(kinds(new KeyDecoder().feed(encode("a\u009bb\u0085"))), [
    "a",
    "control",
    "b",
    "control",
  ]);
});

Deno.test("an unterminated terminal string ends at the next control key", () => {
  // Alt+] starts what looks like an OSC string; Enter must still be Enter.
  assert.deepEqual(kinds(new KeyDecoder().feed(encode("\x1b]abc\rx"))), ["escape", "enter", "x"]);
});
