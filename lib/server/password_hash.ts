/**
 * Password hashing: PBKDF2-HMAC-SHA256 on a thread of its own at the lowest CPU priority, never
 * on the event loop, so a login that hashes never stalls the other users.
 *
 * A stored hash is one string `pbkdf2-sha256:ITERATIONS:SALT_BASE64:HASH_BASE64` (16 random salt
 * bytes, 32 hash bytes, standard padded base64). The iteration count travels with each hash, so it
 * can be raised later without invalidating the hashes already stored.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { HashAnswer, HashRequest } from "./hash_worker.ts";

/** Iterations for new hashes unless configured otherwise (OWASP's figure for PBKDF2-SHA256). */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

/**
 * The largest iteration count accepted, in new and stored hashes alike: a hand-edited count of
 * billions would otherwise tie up the hashing thread for hours on every login attempt.
 */
export const MAX_PBKDF2_ITERATIONS = 100_000_000;

/** The longest password accepted, in characters (code points). */
export const MAX_PASSWORD_LENGTH = 128;

/** The scheme tag that starts every stored hash. */
export const HASH_SCHEME = "pbkdf2-sha256";

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Strict, padded standard base64: no whitespace, no URL-safe alphabet.
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The parts of a stored hash string. */
export interface ParsedPasswordHash {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

/**
 * Splits a stored hash string into its parts, or returns `undefined` when it is not exactly
 * `pbkdf2-sha256:ITER:SALT:HASH` with a sane count, a non-empty salt and a 32-byte hash.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("s3cret", 1000);
 * parsePasswordHash(stored)?.iterations; // 1000
 * parsePasswordHash("md5:abc"); // undefined
 * ```
 */
export function parsePasswordHash(stored: string): ParsedPasswordHash | undefined {
  const parts = stored.split(":");
  if (parts.length !== 4) return undefined;
  const [scheme, iterText, saltText, hashText] = parts as [string, string, string, string];
  if (scheme !== HASH_SCHEME || !/^[1-9][0-9]{0,8}$/.test(iterText)) return undefined;
  const iterations = Number(iterText);
  if (iterations > MAX_PBKDF2_ITERATIONS) return undefined;
  const salt = decodeBase64(saltText);
  const hash = decodeBase64(hashText);
  if (salt === undefined || salt.length === 0 || hash === undefined) return undefined;
  if (hash.length !== HASH_BYTES) return undefined;
  return { iterations, salt, hash };
}

/**
 * Hashes a password with a fresh random salt. Throws a `RangeError` for an iteration count that is
 * not an integer in 1..{@link MAX_PBKDF2_ITERATIONS} (a configuration bug, not a user error).
 *
 * @example
 * ```ts
 * const stored = await hashPassword("s3cret", DEFAULT_PBKDF2_ITERATIONS);
 * // "pbkdf2-sha256:600000:<salt>:<hash>"
 * ```
 */
export async function hashPassword(password: string, iterations: number): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be an integer in 1..${MAX_PBKDF2_ITERATIONS}`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${HASH_SCHEME}:${iterations}:${salt.toBase64()}:${hash.toBase64()}`;
}

/**
 * Whether `password` matches a stored hash. The comparison is constant-time; a malformed stored
 * string yields `false`. Rejects only when the hashing thread fails (a bug or a broken install,
 * never a wrong password).
 *
 * @example
 * ```ts
 * const stored = await hashPassword("s3cret", 1000);
 * await verifyPassword("s3cret", stored); // true
 * await verifyPassword("guess", stored); // false
 * await verifyPassword("s3cret", "garbage"); // false
 * ```
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (parsed === undefined) return false;
  const actual = await derive(password, parsed.salt, parsed.iterations);
  return timingSafeEqual(actual, parsed.hash);
}

/**
 * Whether a string is acceptable as a password: 1–128 characters, no white space (passwords are
 * one word on the command line) and no control characters.
 *
 * @example
 * ```ts
 * isValidPassword("correct-horse"); // true
 * isValidPassword("two words"); // false
 * isValidPassword(""); // false
 * ```
 */
export function isValidPassword(p: string): boolean {
  return passwordProblem(p) === null;
}

/**
 * What is wrong with a password, in words (null when it is fine): each rule says itself, so a
 * control character is not reported as a length problem.
 *
 * @example
 * ```ts
 * passwordProblem("two words"); // "a password is one word: no spaces"
 * ```
 */
export function passwordProblem(p: string): string | null {
  if (p.length === 0) return "a password cannot be empty";
  if (p.length > 2 * MAX_PASSWORD_LENGTH || [...p].length > MAX_PASSWORD_LENGTH) {
    return `a password is at most ${MAX_PASSWORD_LENGTH} characters`;
  }
  if (/\s/u.test(p)) return "a password is one word: no spaces";
  if (/\p{Cc}/u.test(p)) return "a password cannot hold control characters";
  return null;
}

/**
 * Starts the hashing thread now instead of at the first hash. A server calls it as it starts: the
 * thread (about 20 MiB, a V8 isolate of its own) is then part of the idle server, not charged to
 * the first users, and the first login does not wait for it to start.
 *
 * @example
 * ```ts
 * startHashThreadEarly();
 * ```
 */
export function startHashThreadEarly(): void {
  hashThread ??= startHashThread();
}

/**
 * The hashing thread (`hash_worker.ts`), started at the first hash unless started early. It runs
 * at the lowest CPU priority, so that a login storm takes only the CPU the chat leaves idle: with
 * the hashes on WebCrypto's own threads, a hundred logins at once on one core raised chat latency
 * ×110. One thread hashes one password at a time; the others wait in its message queue. It is
 * unreferenced while idle, so it never keeps a process alive.
 */
let hashThread: Worker | undefined;
const waiting = new Map<number, PromiseWithResolvers<Uint8Array<ArrayBuffer>>>();
let lastRequestId = 0;

function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const thread = hashThread ??= startHashThread();
  const id = ++lastRequestId;
  const answer = Promise.withResolvers<Uint8Array<ArrayBuffer>>();
  waiting.set(id, answer);
  if (waiting.size === 1) thread.ref();
  thread.postMessage({ id, password, salt, iterations } satisfies HashRequest);
  return answer.promise;
}

function startHashThread(): Worker {
  const thread = new Worker(new URL("./hash_worker.ts", import.meta.url));
  thread.unref();
  thread.on("message", (answer: HashAnswer) => {
    const waiter = waiting.get(answer.id);
    if (waiter === undefined) return;
    waiting.delete(answer.id);
    if (waiting.size === 0) thread.unref();
    if ("hash" in answer) waiter.resolve(new Uint8Array(answer.hash));
    else waiter.reject(new Error(`password hashing failed: ${answer.error}`));
  });
  // A thread that dies fails what it was asked; the next hash starts a new one.
  const fail = (why: unknown) => {
    if (hashThread === thread) hashThread = undefined;
    const error = new Error(`password hashing thread stopped: ${String(why)}`);
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };
  thread.on("error", fail);
  thread.on("exit", (code: number) => fail(`exit code ${code}`));
  return thread;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64_PATTERN.test(text)) return undefined;
  try {
    return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
  } catch {
    return undefined;
  }
}
