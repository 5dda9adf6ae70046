import assert from "node:assert/strict";
import { type LineItem, LineReader } from "../../lib/shared/line_reader.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const texts = (items: LineItem[]) =>
  items.map((item) => "line" in item ? new TextDecoder().decode(item.line) : "<too long>");

Deno.test("LF, CRLF and a bare CR each end a line", () => {
  const reader = new LineReader(100);
  assert.deepEqual(texts(reader.push(encode("a\nb\r\nc\rd\n"))), ["a", "b", "c", "d"]);
});

Deno.test("telnet's CR NUL ends one line and leaves nothing in front of the next", () => {
  const reader = new LineReader(100);
  assert.deepEqual(texts(reader.push(encode("pw\r\0who\r\0join lobby\r"))), [
    "pw",
    "who",
    "join lobby",
  ]);
  assert.deepEqual(texts(reader.push(encode("\0say hi\r\n"))), ["say hi"]);
});

Deno.test("a line split across reads is joined, including a CRLF split between reads", () => {
  const reader = new LineReader(100);
  assert.deepEqual(texts(reader.push(encode("hel"))), []);
  assert.deepEqual(texts(reader.push(encode("lo\r"))), ["hello"]);
  assert.deepEqual(texts(reader.push(encode("\nworld\n"))), ["world"]);
  assert.deepEqual(reader.buffered, 0);
});

Deno.test("an overlong line is reported once and the rest of it discarded as it arrives", () => {
  const reader = new LineReader(10);
  assert.deepEqual(texts(reader.push(encode("0123456789ab"))), ["<too long>"]);
  assert.deepEqual(reader.buffered, 0, "nothing of the overlong line is kept");
  assert.deepEqual(texts(reader.push(encode("more of the same line"))), []);
  assert.deepEqual(texts(reader.push(encode(" end\nok\n"))), ["ok"]);
});

Deno.test("an overlong line within one chunk is reported and the next line still read", () => {
  const reader = new LineReader(4);
  assert.deepEqual(texts(reader.push(encode("abcdefgh\nabc\n"))), ["<too long>", "abc"]);
});

Deno.test("a line of exactly the limit is accepted", () => {
  const reader = new LineReader(4);
  assert.deepEqual(texts(reader.push(encode("ab"))), []);
  assert.deepEqual(texts(reader.push(encode("cd\n"))), ["abcd"]);
});
