/**
 * The password-hashing thread: a worker that runs PBKDF2-HMAC-SHA256 at the lowest CPU priority,
 * so that a login storm takes only the CPU the chat leaves idle. Started by `password_hash.ts`;
 * each request is `{ id, password, salt, iterations }` and each answer `{ id, hash }` or
 * `{ id, error }`.
 *
 * @module
 */

import { pbkdf2Sync } from "node:crypto";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";

/** A hashing request. */
export interface HashRequest {
  id: number;
  password: string;
  salt: Uint8Array;
  iterations: number;
}

/** The answer to a {@link HashRequest}: the 32-byte hash, or why it failed. */
export type HashAnswer = { id: number; hash: Uint8Array } | { id: number; error: string };

/** The nice value of the hashing thread: the lowest priority Linux has. */
export const HASH_THREAD_NICE = 19;

try {
  // On Linux, priority 0 means the calling thread: only this worker is lowered, not the server.
  setPriority(0, HASH_THREAD_NICE);
} catch {
  // Without the permission, hashing still runs off the event loop, at normal priority.
}

// pbkdf2Sync computes on this thread (WebCrypto would hand the work to a shared pool thread whose
// priority this worker cannot set).
parentPort?.on("message", ({ id, password, salt, iterations }: HashRequest) => {
  let answer: HashAnswer;
  try {
    answer = { id, hash: new Uint8Array(pbkdf2Sync(password, salt, iterations, 32, "sha256")) };
  } catch (error) {
    answer = { id, error: String(error) };
  }
  parentPort?.postMessage(answer);
});
