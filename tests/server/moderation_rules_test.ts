/**
 * The rules under moderation, without sockets: durations, address ranges, the filter's folding,
 * and address bans refusing connections before login (in-memory connections have addresses of
 * their own, which loopback sockets do not).
 */
import assert from "node:assert/strict";
import { isError } from "../../lib/server/command_table.ts";
import { parseAddressRange, rangeCovers } from "../../lib/server/address_range.ts";
import { ContentFilter } from "../../lib/server/content_filter.ts";
import { formatDuration, parseDuration } from "../../lib/server/duration.ts";
import { memoryChat } from "../helpers/memory_chat.ts";

Deno.test("durations: s, m, h, d; nothing else", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  for (const bad of ["0", "0m", "-5m", "99999d", "abc", "5x", "1.5h", ""]) {
    assert.ok(isError(parseDuration(bad)), bad);
  }
  assert.equal(formatDuration(9_000_000), "2h 30m");
});

Deno.test("address ranges: canonical, width-checked, matched against address keys", () => {
  const range = parseAddressRange("10.1.2.3/8", false);
  assert.ok(!isError(range));
  assert.equal(range.text, "10.0.0.0/8");
  assert.ok(rangeCovers(range, "10.200.0.1"));
  assert.ok(!rangeCovers(range, "11.0.0.1"));
  assert.ok(!rangeCovers(range, "2001:db8:1:2::/64"));
  assert.ok(isError(parseAddressRange("0.0.0.0/0", false)));
  assert.ok(!isError(parseAddressRange("0.0.0.0/0", true)));
  const v6 = parseAddressRange("2001:DB8::1", false);
  assert.ok(!isError(v6));
  assert.equal(v6.text, "2001:db8::1");
  assert.ok(rangeCovers(v6, "2001:db8::/64"), "an IPv6 connection is known by its /64");
  const mapped = parseAddressRange("::ffff:192.0.2.7", false);
  assert.ok(!isError(mapped) && mapped.text === "192.0.2.7");
  for (const bad of ["1.2.3", "1.2.3.4/33", "::/129", "300.1.1.1", "1.2.3.4/x", "2001:db8::/16"]) {
    assert.ok(isError(parseAddressRange(bad, false)), bad);
  }
});

Deno.test("the filter sees through case, zero-width characters, full-width and look-alike letters", () => {
  const filter = ContentFilter.fromLines(["# comment", "spam", "scam*", "/fr[e3]e money/"]);
  for (
    const line of [
      "SPAM",
      "s\u200bp\u200da\u00adm",
      "ＳＰＡＭ",
      "ѕрам",
      "spám",
      "scammer",
      "fr3e money",
    ]
  ) {
    assert.ok(filter.matches(`buy ${line} now`), line);
  }
  for (const line of ["spammer", "s p a m", "sp4m", "antispam"]) {
    assert.ok(!filter.matches(line), line);
  }
  assert.equal(filter.mask("buy ＳＰＡＭ now"), "buy **** now");
  const problems: string[] = [];
  ContentFilter.fromLines(["/(/", "two words"], (msg) => problems.push(msg));
  assert.equal(problems.length, 2);
});

Deno.test("an address ban refuses connections before login and ends those already in", async () => {
  await using core = await memoryChat({ root: "r", bob: "b" });
  await core.chat.directory.accounts.setRole("root", "admin");
  const root = await core.connect("root", "r"); // 10.0.0.1
  const bob = await core.connect("bob", "b"); // 10.0.0.2
  const banned = await root.command("ban 10.0.0.2 1h abuse");
  assert.equal(banned.type, "reply", String(banned.text));
  await bob.next((e) => e.kind === "banned");
  assert.equal((await root.command("ban 10.0.0.0/24")).code, "FORBIDDEN", "own address");
  const next = await core.connect(); // 10.0.0.3: not banned
  assert.equal((await next.command("help")).type, "reply");
  await root.command("ban 10.0.0.4");
  const refused = await core.connect(); // 10.0.0.4
  const error = await refused.next((e) => e.type === "error");
  assert.equal(error.code, "BANNED");
  assert.match(String(error.text), /your address is banned until lifted/);
});
