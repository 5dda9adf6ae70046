import assert from "node:assert/strict";
import { FairQueue, FULL } from "../../lib/server/fair_queue.ts";

/** A task that records its name when it runs and finishes on the next turn. */
const step = (log: string[], name: string) => () =>
  new Promise<string>((resolve) => {
    log.push(name);
    setTimeout(() => resolve(name), 0);
  });

Deno.test("addresses take turns: a guesser's queued attempts do not delay another address", async () => {
  const queue = new FairQueue(100, 10);
  const log: string[] = [];
  const guesses = Array.from({ length: 5 }, (_, i) => queue.run("guesser", step(log, `g${i}`)));
  const honest = queue.run("honest", step(log, "h"));
  await Promise.all([...guesses, honest]);
  assert.deepEqual(log, ["g0", "h", "g1", "g2", "g3", "g4"]);
});

Deno.test("past its bounds the queue refuses at once, per address and in all", async () => {
  const queue = new FairQueue(3, 2);
  const log: string[] = [];
  const running = queue.run("a", step(log, "a0")); // runs at once: not waiting
  const waiting = [queue.run("a", step(log, "a1")), queue.run("a", step(log, "a2"))];
  assert.equal(await queue.run("a", step(log, "a3")), FULL, "two waiting from a already");
  waiting.push(queue.run("b", step(log, "b0")));
  assert.equal(await queue.run("c", step(log, "c0")), FULL, "three waiting in all");
  await Promise.all([running, ...waiting]);
  assert.deepEqual(log, ["a0", "b0", "a1", "a2"], "b, waiting, goes before a's next");
  assert.equal(queue.waiting, 0);
});

Deno.test("a task that fails passes its error on and the queue goes on", async () => {
  const queue = new FairQueue(10, 10);
  const failed = queue.run("a", () => Promise.reject(new Error("hash failed")));
  const next = queue.run("b", () => Promise.resolve("ok"));
  await assert.rejects(failed, /hash failed/);
  assert.equal(await next, "ok");
});
