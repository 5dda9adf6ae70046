/**
 * `deno task screenshot`: refreshes `docs/web.png`, the picture of the web client in the README.
 * It starts a throw-away server in this process, has two browser users and a telnet user talk in
 * a room, and photographs one of the pages in headless Chromium (Debian's `/usr/bin/chromium`,
 * driven by playwright-core), at desktop width, in the light theme.
 *
 * @module
 */

import { LineClient } from "../tests/helpers/line_client.ts";
import { startTestServer } from "../tests/helpers/server.ts";
import { browserMissing, launchBrowser, logIn, openPage, typeLine } from "../tests/web/browser.ts";

const out = new URL("../docs/web.png", import.meta.url).pathname;
const missing = browserMissing();
if (missing) {
  console.error(`parley: cannot take the screenshot: ${missing}`);
  Deno.exit(1);
}

await using t = await startTestServer({ alice: "a-pw", bob: "b-pw", carol: "c-pw", dave: "d-pw" });
const http = t.server.port("http")!;
const browser = await launchBrowser();
try {
  const bob = await openPage(browser, http);
  await logIn(bob.page, "bob", "b-pw");
  await typeLine(bob.page, "/join lobby");
  await bob.page.locator(".topbar .title", { hasText: "#lobby" }).waitFor();

  await using carol = await LineClient.connect(t.port);
  await carol.send("login carol c-pw");
  await carol.expect("welcome");
  await carol.send("join lobby");
  await carol.expect("you joined");
  await carol.send("info on telnet, as ever");

  const alice = await openPage(browser, http, { width: 1200, height: 720 });
  await alice.page.emulateMedia({ colorScheme: "light" });
  await logIn(alice.page, "alice", "a-pw");
  await typeLine(alice.page, "/start release planning");
  await alice.page.locator(".topbar .title", { hasText: "#release planning" }).waitFor();
  await typeLine(alice.page, "/join lobby");
  await alice.page.locator(".topbar .title", { hasText: "#lobby" }).waitFor();
  await alice.page.locator("#members .member", { hasText: "carol" }).waitFor();

  const say = async (line: string) => {
    await typeLine(alice.page, line);
    await bob.page.locator(".line", { hasText: line }).waitFor();
  };
  await typeLine(bob.page, "morning all! the new build is up at https://example.org/parley");
  await alice.page.locator(".line", { hasText: "new build" }).waitFor();
  await say("thanks bob, trying it now");
  await carol.send("works from telnet too");
  await alice.page.locator(".line", { hasText: "telnet too" }).waitFor();
  await typeLine(bob.page, "alice: can you review the release notes today?");
  await alice.page.locator(".line.mention").waitFor();
  await say("sure, after lunch");
  await using dave = await LineClient.connect(t.port);
  await dave.send("login dave d-pw");
  await dave.expect("welcome");
  await dave.send("tell alice are we still on for 3pm?");
  await alice.page.locator(".conversation[data-key='private:dave'] .unread").waitFor();
  await typeLine(bob.page, "/join release planning");
  await bob.page.locator(".topbar .title", { hasText: "#release planning" }).waitFor();
  await typeLine(bob.page, "notes draft is in the wiki");
  await alice.page.locator(".conversation[data-key='room:release planning'] .unread").waitFor();
  await alice.page.locator("#message-input").fill("/tell dave yes, 3pm");
  await alice.page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
