/**
 * When the server builds the web client's bundle: missing, stale, or a stand-in left by a failed
 * build; and never for another web root. (The browser tests load the real bundle.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../../lib/server/config.ts";
import { FAILED_MARK, isStale, prepareWebClient, webPaths } from "../../lib/server/web_bundle.ts";
import { titleWithCount } from "../../web/src/title.ts";

Deno.test("the bundle is stale when missing, older than a source, or a failed build's stand-in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-bundle-" });
  try {
    const paths = webPaths(`${dir}/`);
    await Deno.mkdir(`${dir}/web/src`, { recursive: true });
    await Deno.mkdir(`${dir}/web/public`, { recursive: true });
    await Deno.mkdir(`${dir}/lib/shared`, { recursive: true });
    await Deno.writeTextFile(`${dir}/web/src/main.tsx`, "export {};\n");
    await Deno.writeTextFile(`${dir}/lib/shared/protocol.ts`, "export {};\n");
    const past = new Date(Date.now() - 60_000);
    await Deno.utime(`${dir}/web/src/main.tsx`, past, past);
    await Deno.utime(`${dir}/lib/shared/protocol.ts`, past, past);
    assert.equal(await isStale(paths), true, "missing");
    await Deno.writeTextFile(paths.output, "console.log(1);\n");
    assert.equal(await isStale(paths), false, "fresh");
    const later = new Date(Date.now() + 60_000);
    await Deno.utime(`${dir}/lib/shared/protocol.ts`, later, later);
    assert.equal(await isStale(paths), true, "a shared source changed");
    await Deno.utime(`${dir}/lib/shared/protocol.ts`, past, past);
    await Deno.writeTextFile(paths.output, `${FAILED_MARK}\nsomething\n`);
    assert.equal(await isStale(paths), true, "a failed build's stand-in");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("another web root is served as it is, never built", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley-webroot-" });
  try {
    const logged: string[] = [];
    const outcome = await prepareWebClient(
      { ...DEFAULT_CONFIG, webRoot: dir },
      (event) => logged.push(event),
    );
    assert.deepEqual(outcome, { status: "skipped", why: "another web root" });
    assert.deepEqual(logged, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the tab title counts what waits while the page is hidden", () => {
  assert.equal(titleWithCount("parley", 0), "parley");
  assert.equal(titleWithCount("parley", 3), "(3) parley");
});
