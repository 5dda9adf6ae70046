import assert from "node:assert/strict";
import { DEFAULT_CONFIG, parseServerArgs, usage } from "../../lib/server/config.ts";

Deno.test("no arguments give the documented defaults", () => {
  assert.deepEqual(parseServerArgs([]), { ok: true, config: { ...DEFAULT_CONFIG } });
});

Deno.test("settings given on the command line replace their defaults only", () => {
  const result = parseServerArgs(["--port", "0", "--rate", "0", "--io", "epoll", "--quiet"]);
  assert.ok(result.ok);
  assert.deepEqual(result.config, {
    ...DEFAULT_CONFIG,
    port: 0,
    rate: 0,
    io: "epoll",
    quiet: true,
  });
});

Deno.test("a bad value, an unknown option or a stray word is a clear error", () => {
  const error = (args: string[]) => {
    const result = parseServerArgs(args);
    assert.ok(!result.ok && !result.help, JSON.stringify(result));
    return result.error;
  };
  assert.equal(error(["--burst", "0"]), '--burst takes a number ≥ 1, not "0"');
  assert.equal(error(["--sendq", "1e6"]), '--sendq takes a number ≥ 1024, not "1e6"');
  assert.equal(error(["--port", "70000"]), "--port must be at most 65535");
  assert.equal(error(["--io", "poll"]), '--io takes auto, runtime or epoll, not "poll"');
  assert.match(error(["--colour"]), /colour.*\(see --help\)$/);
  assert.match(error(["4000"]), /\(see --help\)$/);
});

Deno.test("--help lists every option with a description clear of it", () => {
  const result = parseServerArgs(["--help"]);
  assert.ok(!result.ok && result.help);
  assert.equal(result.text, usage());
  const options = result.text.split("\n").filter((line) => line.startsWith("  --"));
  assert.ok(options.length >= 25, result.text);
  for (const line of options) {
    assert.match(line, /^ {2}--[a-z0-9-]+( \S+)? {2,}\S/, "option, two spaces, description");
  }
  const start = (line: string) => line.search(/(?<=\S {2,})\S/);
  assert.equal(new Set(options.map(start)).size, 1, "the descriptions line up");
  assert.match(result.text, /--max-offline N +offline messages kept per user \(default 100\)/);
});

Deno.test("--help groups every setting under a heading, none left over", () => {
  const text = usage();
  assert.doesNotMatch(text, /^Other:/m, "every setting has a section");
  for (const heading of ["Listening:", "Connections:", "History and transcripts:", "Logins:"]) {
    assert.match(text, new RegExp(`^${heading}`, "m"));
  }
  for (const option of ["--rate N", "--tls-cert FILE", "--history on|off", "--help"]) {
    assert.ok(text.includes(`  ${option} `), option);
  }
});

Deno.test("a negative number is refused in words, not with the argument parser's", () => {
  const result = parseServerArgs(["--rate", "-1"]);
  assert.deepEqual(result, { ok: false, error: '--rate takes a number ≥ 0, not "-1"' });
});
