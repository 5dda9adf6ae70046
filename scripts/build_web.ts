/**
 * `deno task build`: builds the web client's bundle (`web/public/app.js`) now, whether or not it
 * is stale. The server does the same by itself when the bundle is missing or older than its
 * sources. Exits 1, with deno bundle's own error, when the build fails.
 *
 * @module
 */

import { buildWebBundle, webPaths } from "../lib/server/web_bundle.ts";

const paths = webPaths();
const outcome = await buildWebBundle(paths);
if (outcome.status === "built") {
  console.log(`built ${paths.output} (${outcome.bytes} bytes in ${outcome.ms} ms)`);
} else if (outcome.status === "failed") {
  console.error(`parley: could not build the web client:\n${outcome.error}`);
  Deno.exit(1);
}
