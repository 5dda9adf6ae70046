import assert from "node:assert/strict";
import { writeAll } from "../../lib/server/connection.ts";
import { SendQueue, STALL_MS, WriteScheduler } from "../../lib/server/send_queue.ts";

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
  const queues = Array.from(
    { length: 100 },
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
  scheduler.flush(true); // the pass found the server idle
  assert.equal(writes, 100, "every write started in the pass itself");
  await Promise.all(queues.map((queue) => queue.drained()));
  for (const queue of queues) queue.push(encode("second\n"));
  scheduler.flush(false); // busy: 100 writes a moment ago, so the pacing says wait
  assert.equal(writes, 100, "nothing written before the paced round");
  await Promise.all(queues.map((queue) => queue.drained()));
  assert.equal(writes, 200, "the paced round wrote them");
});
