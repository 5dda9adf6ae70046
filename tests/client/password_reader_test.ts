import assert from "node:assert/strict";
import { ERASE_STAR, PasswordReader } from "../../lib/client/password_reader.ts";
import { KeyDecoder } from "../../lib/client/key_decoder.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("each typed character shows one star at once", () => {
  const reader = new PasswordReader();
  assert.equal(reader.feed(encode("s")).output, "*");
  assert.equal(reader.feed(encode("e")).output, "*");
  assert.equal(reader.feed(encode("c")).output, "*");
  assert.equal(reader.length, 3);
  const end = reader.feed(bytes(0x0d));
  assert.equal(end.output, "\r\n");
  assert.deepEqual(end.outcome, { type: "submit", password: "sec" });
});

Deno.test("the password never appears in the output", () => {
  const reader = new PasswordReader();
  const step = reader.feed(encode("hunter2\r"));
  assert.equal(step.output, "*******\r\n");
  assert.ok(!step.output.includes("hunter2"));
  assert.deepEqual(step.outcome, { type: "submit", password: "hunter2" });
});

Deno.test("DEL removes the last character and its star", () => {
  const reader = new PasswordReader();
  assert.equal(reader.feed(encode("abc")).output, "***");
  assert.equal(reader.feed(bytes(0x7f)).output, ERASE_STAR);
  assert.equal(ERASE_STAR, "\b \b");
  assert.equal(reader.length, 2);
  assert.deepEqual(reader.feed(encode("d\r")).outcome, { type: "submit", password: "abd" });
});

Deno.test("Ctrl-H removes the last character and its star like DEL", () => {
  const reader = new PasswordReader();
  const step = reader.feed(bytes(0x61, 0x62, 0x08, 0x0d));
  assert.equal(step.output, "**\b \b\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "a" });
});

Deno.test("backspace on an empty password does nothing", () => {
  const reader = new PasswordReader();
  assert.equal(reader.feed(bytes(0x7f, 0x08, 0x7f)).output, "");
  assert.equal(reader.length, 0);
  // and does not eat into what is typed afterwards
  const step = reader.feed(encode("ab\x7f\x7f\x7fc\r"));
  assert.equal(step.output, "**\b \b\b \b*\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "c" });
});

Deno.test("a multi-byte UTF-8 character is one character and one star", () => {
  const reader = new PasswordReader();
  // "é" (2 bytes), "€" (3 bytes), "😀" (4 bytes)
  const step = reader.feed(encode("é€😀"));
  assert.equal(step.output, "***");
  assert.equal(reader.length, 3);
  // one backspace removes the whole 4-byte character
  assert.equal(reader.feed(bytes(0x7f)).output, ERASE_STAR);
  assert.deepEqual(reader.feed(bytes(0x0d)).outcome, { type: "submit", password: "é€" });
});

Deno.test("a multi-byte character split across reads shows its star when complete", () => {
  const reader = new PasswordReader();
  const euro = encode("€"); // e2 82 ac
  assert.equal(reader.feed(euro.subarray(0, 1)).output, "");
  assert.equal(reader.feed(euro.subarray(1, 2)).output, "");
  assert.equal(reader.feed(euro.subarray(2)).output, "*");
  assert.deepEqual(reader.feed(bytes(0x0a)).outcome, { type: "submit", password: "€" });
});

Deno.test("a paste delivers many characters in one read, one star each", () => {
  const reader = new PasswordReader();
  const pasted = "correct horse battery staple";
  const step = reader.feed(encode(pasted));
  assert.equal(step.output, "*".repeat(pasted.length));
  assert.equal(step.outcome, undefined);
  assert.deepEqual(reader.feed(bytes(0x0d)).outcome, { type: "submit", password: pasted });
});

Deno.test("a paste ending in Enter leaves the keys after it unconsumed", () => {
  const decoder = new KeyDecoder();
  const reader = new PasswordReader({ decoder });
  const keys = decoder.feed(encode("pw\rhello"));
  const step = reader.step(keys);
  assert.equal(step.output, "**\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "pw" });
  assert.equal(step.next, 3);
  assert.deepEqual(keys.slice(step.next).map((k) => k.kind === "char" ? k.char : k.kind), [
    "h",
    "e",
    "l",
    "l",
    "o",
  ]);
});

Deno.test("arrow keys and other escape sequences are not added to the password", () => {
  const reader = new PasswordReader();
  const up = "\x1b[A", left = "\x1b[D", f1 = "\x1bOP", f5 = "\x1b[15~", alt = "\x1bx";
  const home = "\x1b[1;5H", pasteStart = "\x1b[200~", pasteEnd = "\x1b[201~";
  const step = reader.feed(
    encode(`a${up}b${left}${f1}c${f5}${alt}${home}${pasteStart}d${pasteEnd}\r`),
  );
  assert.equal(step.output, "****\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "abcd" });
});

Deno.test("an escape sequence split across reads is still ignored", () => {
  const reader = new PasswordReader();
  assert.equal(reader.feed(encode("a\x1b")).output, "*");
  assert.equal(reader.feed(encode("[")).output, "");
  assert.equal(reader.feed(encode("B")).output, "");
  assert.deepEqual(reader.feed(encode("b\r")).outcome, { type: "submit", password: "ab" });
});

Deno.test("Ctrl-U clears the password and erases every star", () => {
  const reader = new PasswordReader();
  reader.feed(encode("wrong"));
  const cleared = reader.feed(bytes(0x15));
  assert.equal(cleared.output, ERASE_STAR.repeat(5));
  assert.equal(reader.length, 0);
  assert.equal(reader.feed(bytes(0x15)).output, ""); // nothing left to erase
  assert.deepEqual(reader.feed(encode("ok\r")).outcome, { type: "submit", password: "ok" });
});

Deno.test("Ctrl-C cancels the password and gives no password back", () => {
  const reader = new PasswordReader();
  const step = reader.feed(encode("secr\x03et\r"));
  assert.deepEqual(step.outcome, { type: "cancel", reason: "interrupt" });
  assert.equal(step.output, "****^C\r\n");
  assert.ok(reader.done);
  // keys after the cancel are not consumed
  assert.equal(reader.feed(encode("x")).output, "");
});

Deno.test("Ctrl-D on an empty password cancels", () => {
  const reader = new PasswordReader();
  const step = reader.feed(bytes(0x04));
  assert.deepEqual(step.outcome, { type: "cancel", reason: "eof" });
  assert.equal(step.output, "\r\n");
});

Deno.test("Ctrl-D after some characters is ignored", () => {
  const reader = new PasswordReader();
  const step = reader.feed(bytes(0x61, 0x04, 0x62, 0x0d));
  assert.equal(step.output, "**\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "ab" });
});

Deno.test("Ctrl-D after erasing everything cancels", () => {
  const reader = new PasswordReader();
  const step = reader.feed(bytes(0x61, 0x7f, 0x04));
  assert.equal(step.output, "*\b \b\r\n");
  assert.deepEqual(step.outcome, { type: "cancel", reason: "eof" });
});

Deno.test("Enter as LF and as CRLF each end the password once", () => {
  const lf = new PasswordReader();
  assert.deepEqual(lf.feed(encode("a\n")).outcome, { type: "submit", password: "a" });
  const decoder = new KeyDecoder();
  const crlf = new PasswordReader({ decoder });
  const keys = decoder.feed(encode("b\r\nnext"));
  const step = crlf.step(keys);
  assert.deepEqual(step.outcome, { type: "submit", password: "b" });
  // the LF of CRLF is not a second Enter for whoever reads next
  assert.equal(keys[step.next]?.kind, "char");
});

Deno.test("an empty password can be submitted", () => {
  const reader = new PasswordReader();
  const step = reader.feed(bytes(0x0d));
  assert.equal(step.output, "\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "" });
});

Deno.test("other control characters are not added to the password", () => {
  const reader = new PasswordReader();
  // ^A, ^B, ^E, ^L, ^Z, NUL, ^W
  const step = reader.feed(bytes(0x01, 0x61, 0x02, 0x05, 0x0c, 0x1a, 0x00, 0x17, 0x0d));
  assert.equal(step.output, "*\r\n");
  assert.deepEqual(step.outcome, { type: "submit", password: "a" });
});
