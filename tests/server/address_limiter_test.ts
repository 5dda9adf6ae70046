import assert from "node:assert/strict";
import { addressKey, AddressLimiter } from "../../lib/server/address_limiter.ts";

Deno.test("IPv4 addresses are their own key, also when IPv4-mapped", () => {
  assert.equal(addressKey("192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("::FFFF:127.0.0.1"), "127.0.0.1");
});

Deno.test("IPv6 addresses count by their /64, so one host cannot spread over its prefix", () => {
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(addressKey("64:ff9b::192.0.2.7"), "64:ff9b:0:0::/64");
  assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
  assert.equal(addressKey("not:an:address"), "not:an:address", "odd input is kept as it is");
});

Deno.test("an address limiter refuses past its allowance and forgets addresses once refilled", () => {
  const limiter = new AddressLimiter(2, 60);
  assert.ok(limiter.take("a", 0));
  assert.ok(limiter.take("a", 0));
  assert.equal(limiter.take("a", 0), false);
  assert.ok(limiter.waitFor("a", 0) > 0);
  assert.equal(limiter.waitFor("b", 0), 0, "other addresses are not limited");
  limiter.sweep(10_000);
  assert.equal(limiter.size, 1, "a is still owed tokens");
  limiter.sweep(120_000);
  assert.equal(limiter.size, 0, "refilled addresses are forgotten");
});
