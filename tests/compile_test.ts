/**
 * `deno task compile` builds working executables. Building needs the denort runtime (from
 * DENORT_BIN or Deno's cache; tests do not download it), so without one the build test is skipped
 * and says why; the script's own "cannot build here" answer is tested either way.
 */
import assert from "node:assert/strict";
import { EXIT_NO_RUNTIME, findRuntime } from "../scripts/compile.ts";

const SCRIPT = new URL("../scripts/compile.ts", import.meta.url).pathname;
const runtime = await findRuntime();
if (!runtime.found) {
  console.log(`skipping the executable build test: no denort runtime (${runtime.why})`);
}

async function compileInto(out: string, env: Record<string, string> = {}) {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", SCRIPT, "--out", out],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test({
  name: "compile builds a server and a client executable that run",
  ignore: !runtime.found,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "parley-dist-" });
    try {
      const result = await compileInto(out);
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
      for (const name of ["parley-server", "parley-client"]) {
        const help = await new Deno.Command(`${out}/${name}`, {
          args: ["--help"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(help.code, 0, name);
        assert.match(new TextDecoder().decode(help.stdout), /usage/i, name);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("compile without a usable runtime says so in one line and exits 3", async () => {
  const out = await Deno.makeTempDir({ prefix: "parley-dist-" });
  try {
    // A DENORT_BIN that is not there: deno compile cannot get the runtime, whatever the network.
    const result = await compileInto(out, { DENORT_BIN: `${out}/no-such-denort` });
    assert.equal(result.code, EXIT_NO_RUNTIME, new TextDecoder().decode(result.stderr));
    const lines = new TextDecoder().decode(result.stderr).trim().split("\n");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0]!, /^cannot build executables: .*denort runtime.*DENORT_BIN/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
