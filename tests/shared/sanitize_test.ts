import assert from "node:assert/strict";
import { hasUnsafeCharacters, sanitizeText } from "../../lib/shared/sanitize.ts";

Deno.test("escape sequences lose their ESC and bells, NULs and C1 controls are removed", () => {
  assert.deepEqual(sanitizeText("hi\x1b[2J\x07 th\x00ere\x9b"), "hi[2J there");
});

Deno.test("tabs and ordinary Unicode are kept", () => {
  assert.deepEqual(sanitizeText("a\tb héllo 世界 🎉"), "a\tb héllo 世界 🎉");
});

Deno.test("bidirectional overrides and line separators are removed", () => {
  assert.deepEqual(sanitizeText("abc\u202edef\u2028g"), "abcdefg");
  assert.deepEqual(hasUnsafeCharacters("plain"), false);
  assert.deepEqual(hasUnsafeCharacters("bell\x07"), true);
});
