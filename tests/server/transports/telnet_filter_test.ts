import assert from "node:assert/strict";
import { TelnetFilter } from "../../../lib/server/transports/telnet_filter.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("data without telnet bytes passes through uncopied", () => {
  const data = new TextEncoder().encode("hello");
  assert.deepEqual(new TelnetFilter().filter(data) === data, true);
});

Deno.test("negotiations, commands and subnegotiations are removed", () => {
  const filter = new TelnetFilter();
  // h IAC DO ECHO i IAC NOP ! IAC SB 24 0 IAC SE .
  const input = bytes(0x68, 255, 253, 1, 0x69, 255, 241, 0x21, 255, 250, 24, 0, 255, 240, 0x2e);
  assert.deepEqual([...filter.filter(input)], [0x68, 0x69, 0x21, 0x2e]);
});

Deno.test("IAC IAC is one literal 0xFF byte", () => {
  assert.deepEqual([...new TelnetFilter().filter(bytes(0x61, 255, 255, 0x62))], [0x61, 255, 0x62]);
});

Deno.test("a sequence split across reads is still removed", () => {
  const filter = new TelnetFilter();
  assert.deepEqual([...filter.filter(bytes(0x61, 255))], [0x61]);
  assert.deepEqual([...filter.filter(bytes(251))], []);
  assert.deepEqual([...filter.filter(bytes(3, 0x62, 255, 250))], [0x62]);
  assert.deepEqual([...filter.filter(bytes(1, 2, 255))], []);
  assert.deepEqual([...filter.filter(bytes(240, 0x63))], [0x63]);
});
