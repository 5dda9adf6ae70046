import assert from "node:assert/strict";
import {
  DEFAULT_PBKDF2_ITERATIONS,
  hashPassword,
  isValidPassword,
  parsePasswordHash,
  verifyPassword,
} from "../lib/password_hash.ts";

const ITER = 1000;

Deno.test("a hash has the pbkdf2-sha256:ITER:SALT:HASH form with 16 salt and 32 hash bytes", async () => {
  const stored = await hashPassword("s3cret", ITER);
  const match = stored.match(/^pbkdf2-sha256:1000:([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/);
  assert.ok(match, stored);
  assert.equal(Uint8Array.fromBase64(match[1]!).length, 16);
  assert.equal(Uint8Array.fromBase64(match[2]!).length, 32);
  assert.equal(parsePasswordHash(stored)?.iterations, ITER);
});

Deno.test("the right password verifies and a wrong one does not", async () => {
  const stored = await hashPassword("correct-horse", ITER);
  assert.equal(await verifyPassword("correct-horse", stored), true);
  assert.equal(await verifyPassword("correct-hors", stored), false);
  assert.equal(await verifyPassword("Correct-horse", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("hashing the same password twice uses different salts", async () => {
  const a = await hashPassword("same", ITER);
  const b = await hashPassword("same", ITER);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword("same", a), true);
  assert.equal(await verifyPassword("same", b), true);
});

Deno.test("a hash made with a different iteration count still verifies with its own count", async () => {
  const stored = await hashPassword("pw", 2000);
  assert.equal(parsePasswordHash(stored)?.iterations, 2000);
  assert.equal(await verifyPassword("pw", stored), true);
  // Changing the stored count changes the derived key, so the password no longer matches.
  assert.equal(await verifyPassword("pw", stored.replace(":2000:", ":2001:")), false);
});

Deno.test("a malformed stored hash makes verify return false without throwing", async () => {
  const good = await hashPassword("pw", ITER);
  const [, , salt, hash] = good.split(":") as [string, string, string, string];
  const malformed = [
    "",
    "garbage",
    `md5:${ITER}:${salt}:${hash}`,
    `pbkdf2-sha256:0:${salt}:${hash}`,
    `pbkdf2-sha256:-5:${salt}:${hash}`,
    `pbkdf2-sha256:1e3:${salt}:${hash}`,
    `pbkdf2-sha256:999999999999:${salt}:${hash}`,
    `pbkdf2-sha256:${ITER}:${salt}`,
    `pbkdf2-sha256:${ITER}:${salt}:${hash}:extra`,
    `pbkdf2-sha256:${ITER}::${hash}`,
    `pbkdf2-sha256:${ITER}:${salt}:${hash.slice(0, 20)}`,
    `pbkdf2-sha256:${ITER}:${salt}:${hash.slice(0, -4)}`,
    `pbkdf2-sha256:${ITER}:not base64!:${hash}`,
    `pbkdf2-sha256:${ITER}:${salt}:${hash.replaceAll("+", "-").replaceAll("/", "_")}x`,
    `pbkdf2-sha256:${ITER}:${salt}: ${hash}`,
  ];
  for (const stored of malformed) {
    assert.equal(parsePasswordHash(stored), undefined, stored);
    assert.equal(await verifyPassword("pw", stored), false, stored);
  }
});

Deno.test("hashPassword rejects an iteration count out of range", async () => {
  await assert.rejects(hashPassword("pw", 0), RangeError);
  await assert.rejects(hashPassword("pw", 1.5), RangeError);
  await assert.rejects(hashPassword("pw", 1e12), RangeError);
});

Deno.test("the default iteration count is OWASP's 600,000", () => {
  assert.equal(DEFAULT_PBKDF2_ITERATIONS, 600_000);
});

Deno.test("a password is one word of 1-128 characters without control characters", () => {
  assert.equal(isValidPassword("a"), true);
  assert.equal(isValidPassword("p4ss-w0rd!#:;"), true);
  assert.equal(isValidPassword("pässwörd€"), true);
  assert.equal(isValidPassword("x".repeat(128)), true);
  assert.equal(isValidPassword("😀".repeat(128)), true, "length counts characters, not units");
  assert.equal(isValidPassword(""), false);
  assert.equal(isValidPassword("x".repeat(129)), false);
  assert.equal(isValidPassword("two words"), false);
  assert.equal(isValidPassword("tab\there"), false);
  assert.equal(isValidPassword("new\nline"), false);
  assert.equal(isValidPassword("nbsp\u00a0here"), false);
  assert.equal(isValidPassword("bell\u0007"), false);
  assert.equal(isValidPassword("esc\u001b[31m"), false);
  assert.equal(isValidPassword("c1\u009b"), false);
});
