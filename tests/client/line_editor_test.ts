import assert from "node:assert/strict";
import { CLEAR_LINE, displayWidth, LineEditor } from "../../lib/client/line_editor.ts";
import { KeyDecoder } from "../../lib/client/key_decoder.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("typed characters are echoed by redrawing prompt and text", () => {
  const editor = new LineEditor({ prompt: "> " });
  assert.equal(editor.feed(encode("h")).output, CLEAR_LINE + "> h");
  assert.equal(editor.feed(encode("i")).output, CLEAR_LINE + "> hi");
  assert.equal(editor.buffer, "hi");
});

Deno.test("Enter completes the line and starts an empty one", () => {
  const editor = new LineEditor({ prompt: "> " });
  const result = editor.feed(encode("hello\r"));
  assert.deepEqual(result.events, [{ type: "line", line: "hello" }]);
  assert.equal(result.output, CLEAR_LINE + "> hello\r\n");
  assert.equal(editor.buffer, "");
  assert.equal(editor.render(), CLEAR_LINE + "> ");
});

Deno.test("CR, LF and CRLF each end exactly one line", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("a\rb\nc\r\nd\r"));
  assert.deepEqual(result.events.map((e) => e.type === "line" ? e.line : e.type), [
    "a",
    "b",
    "c",
    "d",
  ]);
});

Deno.test("a CRLF split across reads is one Enter", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.feed(encode("x\r")).events, [{ type: "line", line: "x" }]);
  assert.deepEqual(editor.feed(encode("\ny\r")).events, [{ type: "line", line: "y" }]);
});

Deno.test("an empty Enter gives an empty line", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.feed(bytes(0x0d)).events, [{ type: "line", line: "" }]);
});

Deno.test("DEL and Ctrl-H both remove the last character", () => {
  const editor = new LineEditor({ prompt: "> " });
  editor.feed(encode("abc"));
  assert.equal(editor.feed(bytes(0x7f)).output, CLEAR_LINE + "> ab");
  assert.equal(editor.feed(bytes(0x08)).output, CLEAR_LINE + "> a");
  assert.equal(editor.buffer, "a");
});

Deno.test("backspace on an empty line does nothing and writes nothing", () => {
  const editor = new LineEditor({ prompt: "> " });
  assert.deepEqual(editor.feed(bytes(0x7f, 0x08)), { output: "", events: [] });
});

Deno.test("backspace removes a whole multi-byte character", () => {
  const editor = new LineEditor();
  editor.feed(encode("aé€😀"));
  assert.equal(editor.buffer, "aé€😀");
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "aé€");
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "aé");
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "a");
});

Deno.test("backspace removes a whole emoji sequence and a letter with its accent", () => {
  const editor = new LineEditor();
  editor.feed(encode("x👩‍💻"));
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "x");
  editor.feed(encode("e\u0301"));
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "x");
});

Deno.test("multi-byte characters split across reads arrive whole", () => {
  const editor = new LineEditor();
  const data = encode("日本語\r");
  const lines = [];
  for (const byte of data) lines.push(...editor.feed(bytes(byte)).events);
  assert.deepEqual(lines, [{ type: "line", line: "日本語" }]);
});

Deno.test("invalid UTF-8 becomes a replacement character, not a crash", () => {
  const editor = new LineEditor();
  const result = editor.feed(bytes(0x61, 0xff, 0x62, 0x0d));
  assert.deepEqual(result.events, [{ type: "line", line: "a\ufffdb" }]);
});

Deno.test("Ctrl-U clears the line", () => {
  const editor = new LineEditor({ prompt: "> " });
  editor.feed(encode("some words"));
  assert.equal(editor.feed(bytes(0x15)).output, CLEAR_LINE + "> ");
  assert.equal(editor.buffer, "");
  assert.equal(editor.feed(bytes(0x15)).output, ""); // nothing to clear
});

Deno.test("Ctrl-W removes the last word", () => {
  const editor = new LineEditor();
  editor.feed(encode("say hello there  "));
  editor.feed(bytes(0x17));
  assert.equal(editor.buffer, "say hello ");
  editor.feed(bytes(0x17));
  assert.equal(editor.buffer, "say ");
});

Deno.test("escape sequences are ignored, whole or split across reads", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("a\x1b[Ab\x1b[1;5Dc\x1bOPd\x1b]11;rgb:0/0/0\x07e\x1b"));
  assert.equal(editor.buffer, "abcde");
  assert.equal(result.events.length, 0);
  editor.feed(encode("["));
  editor.feed(encode("C"));
  editor.feed(encode("f\r"));
  assert.equal(editor.buffer, "");
});

Deno.test("Alt+key sends ESC and the key, and neither is typed", () => {
  const editor = new LineEditor();
  editor.feed(encode("a\x1bbc"));
  assert.equal(editor.buffer, "ac");
});

Deno.test("a bracketed paste keeps its text and drops the markers", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("\x1b[200~pasted text\x1b[201~\r"));
  assert.deepEqual(result.events, [{ type: "line", line: "pasted text" }]);
});

Deno.test("a paste of many characters and lines is handled in one read with one redraw", () => {
  const editor = new LineEditor({ prompt: "> ", columns: 1000 });
  const long = "x".repeat(500);
  const result = editor.feed(encode(`first\r\nsecond\r${long}`));
  assert.deepEqual(result.events, [
    { type: "line", line: "first" },
    { type: "line", line: "second" },
  ]);
  assert.equal(editor.buffer, long);
  // every line is drawn once, not once per character
  assert.equal(
    result.output,
    CLEAR_LINE + "> first\r\n" + CLEAR_LINE + "> second\r\n" + CLEAR_LINE + "> " + long,
  );
});

Deno.test("Ctrl-C is reported as an interrupt", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("abc\x03"));
  assert.deepEqual(result.events, [{ type: "interrupt" }]);
});

Deno.test("Ctrl-D on an empty line is end of input, on a non-empty line nothing", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.feed(encode("a\x04")).events, []);
  assert.equal(editor.buffer, "a");
  editor.feed(bytes(0x7f));
  assert.deepEqual(editor.feed(bytes(0x04)).events, [{ type: "eof" }]);
});

Deno.test("tab is typed as a space and other control characters are ignored", () => {
  const editor = new LineEditor();
  editor.feed(bytes(0x61, 0x09, 0x62, 0x01, 0x07, 0x0c, 0x00, 0x63));
  assert.equal(editor.buffer, "a bc");
});

Deno.test("step stops at the first finished line and leaves the rest", () => {
  const decoder = new KeyDecoder();
  const editor = new LineEditor({ decoder });
  const keys = decoder.feed(encode("login alice\rsecret\r"));
  const step = editor.step(keys);
  assert.deepEqual(step.event, { type: "line", line: "login alice" });
  assert.equal(step.next, "login alice\r".length);
});

Deno.test("a line wider than the terminal shows its end after a mark", () => {
  const editor = new LineEditor({ prompt: "> ", columns: 12 });
  editor.feed(encode("abcdefghijklmnop"));
  const shown = editor.render().slice(CLEAR_LINE.length);
  assert.equal(shown, "> <ijklmnop");
  assert.equal(displayWidth(shown), 11); // the last column stays free
  assert.equal(editor.buffer, "abcdefghijklmnop");
});

Deno.test("wide characters count two columns when fitting the line", () => {
  assert.equal(displayWidth("日本"), 4);
  assert.equal(displayWidth("e\u0301"), 1);
  const editor = new LineEditor({ prompt: "", columns: 8 });
  editor.feed(encode("日本語日本語"));
  const shown = editor.render().slice(CLEAR_LINE.length);
  assert.equal(shown, "<日本語");
  assert.ok(displayWidth(shown) <= 7);
});

Deno.test("the prompt can change and the redraw uses the new one", () => {
  const editor = new LineEditor({ prompt: "> " });
  editor.feed(encode("hi"));
  editor.prompt = "lobby> ";
  assert.equal(editor.render(), CLEAR_LINE + "lobby> hi");
});
