import assert from "node:assert/strict";
import { findLineFeed, findTimedText, readDigits, ScanBuffer } from "../../bench/line_scan.ts";

Deno.test("findLineFeed finds the same line ends as indexOf, from every offset", () => {
  const buffer = new ScanBuffer(256);
  // Bytes near LF in value (9, 10, 11) and 0x0b right after an LF, where the word trick's
  // flagged bit can land in the wrong byte; a fixed seed keeps the test repeatable.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < buffer.bytes.length; i++) {
      const r = random();
      buffer.bytes[i] = r < 0.05 ? 10 : r < 0.1 ? 11 : r < 0.15 ? 9 : Math.floor(random() * 256);
    }
    const end = 1 + Math.floor(random() * buffer.bytes.length);
    for (let from = 0; from <= end; from++) {
      const expected = buffer.bytes.subarray(0, end).indexOf(10, from);
      assert.equal(findLineFeed(buffer, from, end), expected, `from ${from} to ${end}`);
    }
  }
});

Deno.test("findLineFeed keeps working after the buffer grows", () => {
  const buffer = new ScanBuffer(8);
  buffer.bytes.set([65, 66, 67, 68, 69, 70, 71, 72]);
  buffer.grow();
  assert.equal(buffer.bytes.length, 16);
  buffer.bytes[13] = 10;
  assert.equal(findLineFeed(buffer, 0, 16), 13);
  assert.equal(findLineFeed(buffer, 0, 13), -1);
});

Deno.test("readDigits reads up to 16 digits exactly and rejects a non-digit", () => {
  const text = new TextEncoder().encode("T1732000000123456 T12x4 T0000000000000007");
  assert.equal(readDigits(text, 1, 16), 1732000000123456);
  assert.equal(readDigits(text, 19, 4), -1);
  assert.equal(readDigits(text, 19, 2), 12);
  assert.equal(readDigits(text, 25, 16), 7);
});

Deno.test("findTimedText finds the message text in a JSON line, whatever fields follow it", () => {
  const encoder = new TextEncoder();
  const text = "mxxT0000001234567890";
  const lines = [
    // the ws relay's shape, parley's with a message id, and one with the text last
    `{"type":"message","from":"b1","room":"lobby","text":"${text}","time":"2026-11-23T21:04:05.000Z"}`,
    `{"type":"message","from":"b1","room":"lobby","text":"${text}","id":"i44s9kqg3k","time":"2026-11-23T21:04:05.000Z"}`,
    `{"time":"2026-11-23T21:04:05.000Z","text":"${text}"}`,
  ];
  for (const line of lines) {
    const bytes = encoder.encode("xx" + line + "\n");
    const quote = findTimedText(bytes, 2, bytes.length - 1, 16);
    assert.equal(quote, 2 + line.indexOf(text) + text.length, line);
    assert.equal(readDigits(bytes, quote - 16, 16), 1234567890);
  }
  const notice = encoder.encode(
    '{"type":"notice","text":"b1 entered T1234","time":"2026-11-23T21:04:05.000Z"}',
  );
  assert.equal(findTimedText(notice, 1, notice.length, 16), -1);
});
