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
  // the finished line is the client's to show (as the user's own line): no newline here
  assert.equal(result.output, CLEAR_LINE + "> hello");
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

Deno.test("unbound escape sequences are ignored, whole or split across reads", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("a\x1b[24~b\x1b[5~c\x1bOPd\x1b]11;rgb:0/0/0\x07e\x1b"));
  assert.equal(editor.buffer, "abcde");
  assert.equal(result.events.length, 0);
  editor.feed(encode("["));
  editor.feed(encode("2"));
  editor.feed(encode("~f\r"));
  assert.equal(editor.buffer, "");
});

Deno.test("an unbound Alt+key sends ESC and the key, and neither is typed", () => {
  const editor = new LineEditor();
  editor.feed(encode("a\x1bzc"));
  assert.equal(editor.buffer, "ac");
});

Deno.test("a bracketed paste keeps its text and reports its markers", () => {
  const editor = new LineEditor();
  const result = editor.feed(encode("\x1b[200~pasted text\x1b[201~\r"));
  assert.deepEqual(result.events, [
    { type: "paste", edge: "start" },
    { type: "paste", edge: "end" },
    { type: "line", line: "pasted text" },
  ]);
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
    CLEAR_LINE + "> first" + CLEAR_LINE + "> second" + CLEAR_LINE + "> " + long,
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

Deno.test("unbound control characters are ignored; Tab without candidates does nothing", () => {
  const editor = new LineEditor();
  editor.feed(bytes(0x61, 0x09, 0x62, 0x07, 0x00, 0x63));
  assert.equal(editor.buffer, "abc");
});

const LEFT = "\x1b[D";
const RIGHT = "\x1b[C";
const UP = "\x1b[A";
const DOWN = "\x1b[B";

Deno.test("Left and Right move the cursor; typing inserts at it", () => {
  const editor = new LineEditor({ prompt: "> " });
  editor.feed(encode(`helo${LEFT}l`));
  assert.equal(editor.buffer, "hello");
  assert.equal(editor.cursor, 4);
  // drawn whole, then the cursor goes back one column
  assert.equal(editor.render(), CLEAR_LINE + "> hello\x1b[1D");
  editor.feed(encode(`${RIGHT}${RIGHT}!`)); // Right at the end stays there
  assert.equal(editor.buffer, "hello!");
});

Deno.test("Home, End, Ctrl-A and Ctrl-E go to the ends of the line", () => {
  const editor = new LineEditor();
  editor.feed(encode("world\x01hello \x05!"));
  assert.equal(editor.buffer, "hello world!");
  editor.feed(encode("\x1b[H<\x1b[F>\x1bOH["));
  assert.equal(editor.buffer, "[<hello world!>");
});

Deno.test("Delete and Ctrl-D remove the character under the cursor", () => {
  const editor = new LineEditor();
  editor.feed(encode(`abcd\x01\x1b[3~`));
  assert.equal(editor.buffer, "bcd");
  editor.feed(bytes(0x04));
  assert.equal(editor.buffer, "cd");
});

Deno.test("Ctrl-K removes from the cursor to the end; Ctrl-U the whole line", () => {
  const editor = new LineEditor();
  editor.feed(encode(`hello world${LEFT.repeat(6)}\x0b`));
  assert.equal(editor.buffer, "hello");
  editor.feed(bytes(0x15));
  assert.equal(editor.buffer, "");
});

Deno.test("Alt-B and Alt-F move by words; Ctrl-W and Alt-Backspace remove the word before", () => {
  const editor = new LineEditor();
  editor.feed(encode("one two three\x1bb\x1bb"));
  assert.equal(editor.cursor, 4);
  editor.feed(encode("\x1bf"));
  assert.equal(editor.cursor, 7);
  editor.feed(bytes(0x17));
  assert.equal(editor.buffer, "one  three");
  editor.feed(encode("\x1b[1;5C\x1b\x7f"));
  assert.equal(editor.buffer, "one  ");
  editor.feed(encode("\x01\x1bd"));
  assert.equal(editor.buffer, "  ");
});

Deno.test("the cursor moves over whole graphemes, and wide characters take two columns", () => {
  const editor = new LineEditor({ prompt: "" });
  editor.feed(encode(`日本👩‍💻e\u0301${LEFT}${LEFT}`));
  assert.equal(editor.buffer.slice(editor.cursor), "👩‍💻e\u0301");
  // back over the emoji (two columns) and the accented e (one)
  assert.equal(editor.render(), CLEAR_LINE + "日本👩‍💻e\u0301\x1b[3D");
  editor.feed(bytes(0x7f));
  assert.equal(editor.buffer, "日👩‍💻e\u0301");
});

Deno.test("Up and Down walk the history, and come back to the line being typed", () => {
  const editor = new LineEditor();
  editor.feed(encode("first\r"));
  editor.history.add("first");
  editor.history.add("second");
  editor.feed(encode(`draft${UP}`));
  assert.equal(editor.buffer, "second");
  editor.feed(encode(UP + UP)); // stops at the oldest
  assert.equal(editor.buffer, "first");
  editor.feed(encode(DOWN));
  assert.equal(editor.buffer, "second");
  editor.feed(encode(DOWN));
  assert.equal(editor.buffer, "draft");
  editor.feed(encode(DOWN));
  assert.equal(editor.buffer, "draft");
});

Deno.test("Tab completes the word before the cursor, and Tab again takes the next candidate", () => {
  const editor = new LineEditor({
    completer: (line, cursor) => line.slice(0, cursor).endsWith("b") ? ["bob ", "bea "] : [],
  });
  editor.feed(encode("hi b\t"));
  assert.equal(editor.buffer, "hi bob ");
  editor.feed(encode("\t"));
  assert.equal(editor.buffer, "hi bea ");
  editor.feed(encode("\t"));
  assert.equal(editor.buffer, "hi bob ");
  editor.feed(encode("x"));
  assert.equal(editor.buffer, "hi bob x");
});

Deno.test("Ctrl-L, Alt-digits, Ctrl-N and Ctrl-P are reported to the caller", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.feed(encode("\x0c\x1b3\x0e\x10\x1b0")).events, [
    { type: "redraw" },
    { type: "window", to: 3 },
    { type: "window", to: "next" },
    { type: "window", to: "previous" },
    { type: "window", to: 10 },
  ]);
});

Deno.test("a long line scrolls sideways to keep the cursor in view, with marks", () => {
  const editor = new LineEditor({ prompt: "> ", columns: 12 });
  editor.feed(encode("abcdefghijklmnop\x01"));
  const shown = editor.render();
  assert.ok(shown.startsWith(CLEAR_LINE + "> abcdefgh>"), JSON.stringify(shown));
  editor.feed(encode("\x05"));
  assert.equal(editor.render(), CLEAR_LINE + "> <ijklmnop");
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
