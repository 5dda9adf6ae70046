import assert from "node:assert/strict";
import { writeAll } from "../../lib/server/connection.ts";
import {
  MAX_WRITE_BYTES,
  SendQueue,
  STALL_MS,
  WriteScheduler,
} from "../../lib/server/send_queue.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A queue with a scheduler of its own, as each test's transport would have. */
const queueOn = (
  ...args: ConstructorParameters<typeof SendQueue> extends [infer A, infer B, infer C, unknown]
    ? [A, B, C]
    : never
) => new SendQueue(...args, new WriteScheduler());

/** Resolves on the next turn of the event loop, after what setImmediate scheduled. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

Deno.test("everything queued in one turn goes out in one write", async () => {
  const writes: string[] = [];
  const queue = queueOn(
    {
      send(bytes: Uint8Array) {
        writes.push(new TextDecoder().decode(bytes));
        return Promise.resolve();
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
  const queue = queueOn(
    {
      async send(bytes: Uint8Array) {
        writes.push(new TextDecoder().decode(bytes));
        if (writes.length === 1) await new Promise<void>((resolve) => release = resolve);
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

Deno.test("a partial write is completed by writeAll", async () => {
  const written: number[] = [];
  const stream = {
    write(bytes: Uint8Array) {
      written.push(...bytes.subarray(0, 2));
      return Promise.resolve(Math.min(2, bytes.length));
    },
  };
  await writeAll(stream, encode("hello"));
  assert.deepEqual(new TextDecoder().decode(new Uint8Array(written)), "hello");
});

Deno.test("past its bound behind a write under way, a queue may grow to twice it; past that it fails once", async () => {
  const failures: string[] = [];
  let release: (() => void) | undefined;
  const queue = queueOn(
    {
      async send() {
        await new Promise<void>((resolve) => release = resolve);
      },
    },
    10,
    { queueFailed: (failure) => failures.push(failure.reason) },
  );
  assert.deepEqual(queue.push(encode("12345")), true);
  while (!release) await nextTurn();
  assert.deepEqual(queue.push(encode("1234567890")), true, "the in-flight write does not count");
  assert.deepEqual(queue.push(encode("x")), true, "past the bound while the write goes on");
  assert.deepEqual(queue.push(encode("1234567890")), false, "past twice the bound");
  assert.deepEqual(queue.push(encode("y")), false);
  assert.deepEqual(failures, ["overflow"]);
  release!();
  await queue.drained();
});

Deno.test("a queue past its bound behind a write that stalls is cut after STALL_MS", async () => {
  const failures: string[] = [];
  let release: (() => void) | undefined;
  const queue = queueOn(
    {
      async send() {
        await new Promise<void>((resolve) => release = resolve);
      },
    },
    10,
    { queueFailed: (failure) => failures.push(failure.reason) },
  );
  queue.push(encode("12345"));
  while (!release) await nextTurn();
  const started = performance.now();
  queue.push(encode("123456789012")); // past the bound, the write still under way
  while (failures.length === 0 && performance.now() - started < STALL_MS * 3) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(failures, ["overflow"]);
  assert.ok(performance.now() - started >= STALL_MS * 0.9);
  release!();
  await queue.drained();
});

Deno.test("a queue past its bound whose socket took the last write is written at once, not cut", async () => {
  const writes: number[] = [];
  const failures: string[] = [];
  const queue = queueOn(
    {
      send(bytes: Uint8Array) {
        writes.push(bytes.length);
        return Promise.resolve();
      },
    },
    10,
    { queueFailed: (failure) => failures.push(failure.reason) },
  );
  queue.push(encode("12345"));
  queue.push(encode("1234567890")); // past the bound before any round: written now
  assert.deepEqual(writes, [15], "written at once, not at the next round");
  await queue.drained();
  assert.deepEqual(failures, []);
});

Deno.test("a failing write fails the queue and wakes whoever waits for it to drain", async () => {
  const failures: string[] = [];
  const queue = queueOn({ send: () => Promise.reject(new Error("reset")) }, 100, {
    queueFailed: (failure) => failures.push(failure.reason),
  });
  queue.push(encode("x"));
  await queue.drained();
  assert.deepEqual(failures, ["write-failed"]);
  assert.deepEqual(queue.failed, true);
});

Deno.test("readers that never drain do not hold up everyone else's writes", async () => {
  // More stuck sockets than writes may be in flight at once, queued ahead of the healthy ones,
  // all paced by one scheduler as a transport's connections are.
  const scheduler = new WriteScheduler();
  const stuck = Array.from(
    { length: 700 },
    () =>
      new SendQueue({ send: () => new Promise<void>(() => {}) }, 1000, {
        queueFailed: () => {},
      }, scheduler),
  );
  const written: string[] = [];
  const healthy = Array.from(
    { length: 5 },
    (_, i) =>
      new SendQueue(
        {
          send(bytes: Uint8Array) {
            written.push(`${i}:${new TextDecoder().decode(bytes)}`);
            return Promise.resolve();
          },
        },
        1000,
        { queueFailed: () => {} },
        scheduler,
      ),
  );
  for (const queue of [...stuck, ...healthy]) queue.push(encode("x"));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("the healthy queues were never written")), 5000);
  });
  try {
    await Promise.race([Promise.all(healthy.map((queue) => queue.drained())), giveUp]);
  } finally {
    clearTimeout(timer);
  }
  assert.deepEqual(written.sort(), ["0:x", "1:x", "2:x", "3:x", "4:x"]);
  assert.equal(stuck.every((queue) => queue.queued === 0), true, "stuck writes were started");
});

Deno.test("a round of thousands of queues writes every one of them", async () => {
  let writes = 0;
  const scheduler = new WriteScheduler();
  const queues = Array.from(
    { length: 3000 },
    () =>
      new SendQueue(
        {
          async send() {
            await nextTurn();
            writes++;
          },
        },
        1000,
        { queueFailed: () => {} },
        scheduler,
      ),
  );
  for (const queue of queues) queue.push(encode("line\n"));
  await Promise.all(queues.map((queue) => queue.drained()));
  assert.equal(writes, 3000);
});

Deno.test("after a poll pass, an idle server's lines are written at once; a busy one's wait for the paced round", async () => {
  const scheduler = new WriteScheduler();
  let writes = 0;
  // 1,000 writes in a round: the pacing then holds the next round back about 24 ms.
  const queues = Array.from(
    { length: 1000 },
    () =>
      new SendQueue(
        {
          send() {
            writes++;
            return Promise.resolve();
          },
        },
        1000,
        { queueFailed: () => {} },
        scheduler,
      ),
  );
  for (const queue of queues) queue.push(encode("first\n"));
  const roundStart = performance.now();
  scheduler.flush(true); // the pass found the server idle
  assert.equal(writes, 300, "the pass itself started as many writes as the window allows");
  await Promise.all(queues.map((queue) => queue.drained()));
  assert.equal(writes, 1000);
  for (const queue of queues.slice(0, 10)) queue.push(encode("second\n"));
  scheduler.flush(false); // busy: a round of 1,000 began just now, so the pacing says wait
  const early = writes;
  const withinPacing = performance.now() - roundStart < 20;
  await Promise.all(queues.map((queue) => queue.drained()));
  assert.equal(writes, 1010, "the paced round wrote them");
  // Meaningful only if the drain above took less than the pacing's ~24 ms (it nearly always does).
  if (withinPacing) assert.equal(early, 1000, "nothing written before the paced round");
});

Deno.test("a queue of megabytes goes out in writes of at most MAX_WRITE_BYTES, every byte in order", async () => {
  const sizes: number[] = [];
  const received: Uint8Array[] = [];
  const queue = queueOn(
    {
      send(bytes: Uint8Array) {
        sizes.push(bytes.length);
        received.push(bytes.slice());
        return Promise.resolve();
      },
    },
    8 << 20,
    { queueFailed: () => {} },
  );
  // 3 MiB of 1,000-byte lines, numbered, and one chunk larger than a write on its own.
  const lines = Array.from({ length: 3 * 1049 }, (_, i) => encode(`${i}`.padEnd(999, ".") + "\n"));
  for (const line of lines) queue.push(line);
  queue.push(new Uint8Array(MAX_WRITE_BYTES + 5).fill(33));
  await queue.drained();
  assert.ok(sizes.length >= 13, `${sizes.length} writes`);
  assert.ok(sizes.slice(0, -1).every((size) => size <= MAX_WRITE_BYTES), "no write over the cap");
  assert.equal(sizes.at(-1), MAX_WRITE_BYTES + 5, "a larger chunk goes alone, whole");
  const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const piece of received) {
    all.set(piece, offset);
    offset += piece.length;
  }
  const text = new TextDecoder().decode(all.subarray(0, all.length - MAX_WRITE_BYTES - 5));
  assert.deepEqual(
    text.split("\n").slice(0, -1).map((line) => Number.parseInt(line)),
    lines.map((_, i) => i),
  );
});
