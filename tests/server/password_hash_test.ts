import assert from "node:assert/strict";
import {
  DEFAULT_PBKDF2_ITERATIONS,
  hashPassword,
  isValidPassword,
  parsePasswordHash,
  verifyPassword,
} from "../../lib/server/password_hash.ts";

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

Deno.test("hashes are the same as WebCrypto's PBKDF2-SHA256", async () => {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("pässword"),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: ITER },
    key,
    256,
  );
  const stored = `pbkdf2-sha256:${ITER}:${salt.toBase64()}:${new Uint8Array(bits).toBase64()}`;
  assert.equal(await verifyPassword("pässword", stored), true);
  assert.equal(await verifyPassword("password", stored), false);
});

Deno.test("the event loop keeps running while a password hashes", async () => {
  let hashed = false;
  const hashing = hashPassword("slow", 2_000_000).then(() => hashed = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(hashed, false, "a timer fired only after the hash: hashing blocked the event loop");
  await hashing;
});

Deno.test({
  name: "passwords hash on a thread at the lowest CPU priority",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const niceOf = (task: string) => {
      const stat = Deno.readTextFileSync(`/proc/self/task/${task}/stat`);
      // The fields after the parenthesised command name; nice is field 19 of stat, 17th here.
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    };
    const main = String(Deno.pid);
    const mainNice = niceOf(main);
    await hashPassword("warm-up", 1); // starts the hashing thread if no test has yet
    const others = [...Deno.readDirSync("/proc/self/task")].filter((t) => t.name !== main);
    const nices = others.map((t) => niceOf(t.name));
    assert.ok(nices.includes(19), `nice values of the other threads: ${nices}`);
    assert.equal(niceOf(main), mainNice, "the event loop's thread keeps its priority");
  },
});

Deno.test("many hashes at once all complete, each with its own result", async () => {
  const passwords = Array.from({ length: 20 }, (_, i) => `pw${i}`);
  const stored = await Promise.all(passwords.map((p) => hashPassword(p, ITER)));
  const checks = await Promise.all(stored.map((s, i) => verifyPassword(passwords[i]!, s)));
  assert.deepEqual(checks, passwords.map(() => true));
  assert.equal(await verifyPassword("pw1", stored[0]!), false);
});
