/**
 * The web client's entry point: served as `app.js` (bundled by `deno bundle`, see
 * lib/server/web_bundle.ts), it mounts the page into `#app` of index.html.
 *
 * @module
 */

import { render } from "preact";
import { App } from "./app.tsx";
import { WebClient } from "./client.ts";

const root = document.getElementById("app");
if (root) {
  const client = new WebClient();
  root.textContent = "";
  render(<App client={client} />, root);
  client.start();
}
