import assert from "node:assert/strict";
import { SendQueue } from "../lib/send_queue.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Resolves on the next turn of the event loop, after what setImmediate scheduled. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

Deno.test("everything queued in one turn goes out in one write", async () => {
  const writes: string[] = [];
  const queue = new SendQueue(
    {
      write(bytes) {
        writes.push(new TextDecoder().decode(bytes));
        return Promise.resolve(bytes.length);
      },
    },
    1000,
    { queueFailed: () => {} },
  );
  queue.push(encode("a"));
  await Promise.resolve(); // still the same turn: no write yet
  queue.push(encode("b"));
  queue.push(encode("c"));
  await queue.drained();
  assert.deepEqual(writes, ["abc"]);
});

Deno.test("chunks queued while a write is in flight go out together in the next write", async () => {
  const writes: string[] = [];
  let release: (() => void) | undefined;
  const queue = new SendQueue(
    {
      async write(bytes) {
        writes.push(new TextDecoder().decode(bytes));
        if (writes.length === 1) await new Promise<void>((resolve) => release = resolve);
        return bytes.length;
      },
    },
    1000,
    { queueFailed: () => {} },
  );
  queue.push(encode("a"));
  while (!release) await nextTurn();
  queue.push(encode("b"));
  queue.push(encode("c"));
  release();
  await queue.drained();
  assert.deepEqual(writes, ["a", "bc"]);
});

Deno.test("a partial write is completed", async () => {
  const written: number[] = [];
  const queue = new SendQueue(
    {
      write(bytes) {
        written.push(...bytes.subarray(0, 2));
        return Promise.resolve(Math.min(2, bytes.length));
      },
    },
    1000,
    { queueFailed: () => {} },
  );
  queue.push(encode("hello"));
  await queue.drained();
  assert.deepEqual(new TextDecoder().decode(new Uint8Array(written)), "hello");
});

Deno.test("a queue past its bound fails once and takes nothing more", async () => {
  const failures: string[] = [];
  let release: (() => void) | undefined;
  const queue = new SendQueue(
    {
      async write(bytes) {
        await new Promise<void>((resolve) => release = resolve);
        return bytes.length;
      },
    },
    10,
    { queueFailed: (failure) => failures.push(failure.reason) },
  );
  assert.deepEqual(queue.push(encode("12345")), true);
  while (!release) await nextTurn();
  assert.deepEqual(queue.push(encode("1234567890")), true, "the in-flight write does not count");
  assert.deepEqual(queue.push(encode("x")), false);
  assert.deepEqual(queue.push(encode("y")), false);
  assert.deepEqual(failures, ["overflow"]);
  release!();
  await queue.drained();
});

Deno.test("a failing write fails the queue and wakes whoever waits for it to drain", async () => {
  const failures: string[] = [];
  const queue = new SendQueue({ write: () => Promise.reject(new Error("reset")) }, 100, {
    queueFailed: (failure) => failures.push(failure.reason),
  });
  queue.push(encode("x"));
  await queue.drained();
  assert.deepEqual(failures, ["write-failed"]);
  assert.deepEqual(queue.failed, true);
});
