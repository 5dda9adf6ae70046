import assert from "node:assert/strict";
import { TokenBucket } from "../../lib/server/token_bucket.ts";

Deno.test("a bucket allows its burst, then refills at its rate", () => {
  const bucket = new TokenBucket(2, 3, 0);
  assert.deepEqual([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)], [
    true,
    true,
    true,
    false,
  ]);
  assert.deepEqual(bucket.waitFor(1, 0), 500);
  assert.deepEqual(bucket.take(1, 500), true);
  assert.deepEqual(bucket.full(10_000), true);
});

Deno.test("a rate of 0 never limits", () => {
  const bucket = new TokenBucket(0, 1, 0);
  for (let i = 0; i < 100; i++) assert.deepEqual(bucket.take(1, 0), true);
});
