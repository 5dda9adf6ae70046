/**
 * The web client in a real browser: headless Chromium (Debian's `/usr/bin/chromium`) driven from
 * Deno by playwright-core, against an in-process server. Each test starts its own browser and
 * server and closes both. Where Chromium is not installed every test here is skipped, and one line
 * says why.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { browserMissing, launchBrowser, logIn, openPage, shownLines, typeLine } from "./browser.ts";

const missing = browserMissing();
if (missing) console.log(`skipping the web client's browser tests: ${missing}`);

const ACCOUNTS = { alice: "pw-alice", bob: "pw-bob", carol: "pw-carol" };

/**
 * A browser test: its own browser, closed at the end whatever happens (so the op and resource
 * sanitizers stay on: Playwright's pipe to Chromium is gone by then).
 */
function browserTest(name: string, fn: (browser: Browser) => Promise<void>): void {
  Deno.test({
    name,
    ignore: missing !== undefined,
    async fn() {
      const browser = await launchBrowser();
      try {
        await fn(browser);
      } finally {
        await browser.close();
      }
    },
  });
}

async function server(): Promise<TestServer & { http: number }> {
  const t = await startTestServer(ACCOUNTS);
  return Object.assign(t, { http: t.server.port("http")! });
}

/** The line (an `li`) of a conversation containing this text. */
function lineWith(page: Page, text: string) {
  return page.locator(".messages .lines > li", { hasText: text });
}

async function joinLobby(page: Page): Promise<void> {
  await typeLine(page, "/join lobby");
  await page.locator(".topbar .title", { hasText: "#lobby" }).waitFor();
  await lineWith(page, "you joined lobby").waitFor();
}

browserTest(
  "two browser users and a telnet user see each other's lines in order",
  async (browser) => {
    await using t = await server();
    const a = await openPage(browser, t.http);
    const b = await openPage(browser, t.http);
    await logIn(a.page, "alice", ACCOUNTS.alice);
    await joinLobby(a.page);
    await logIn(b.page, "bob", ACCOUNTS.bob);
    await joinLobby(b.page);
    await using carol = await LineClient.connect(t.port);
    await carol.send("login carol pw-carol");
    await carol.expect("welcome, carol");
    await carol.send("join lobby");
    await carol.expect("you joined lobby");
    // Everyone sees the others arrive in the member list.
    await a.page.locator("#members .member", { hasText: "carol" }).waitFor();

    await typeLine(a.page, "one from alice");
    await lineWith(b.page, "one from alice").waitFor();
    await typeLine(b.page, "two from bob");
    await lineWith(a.page, "two from bob").waitFor();
    await carol.send("three from carol");
    await lineWith(a.page, "three from carol").waitFor();
    await lineWith(b.page, "three from carol").waitFor();

    const telnet = [
      await carol.expect("one from alice"),
      await carol.expect("two from bob"),
    ];
    assert.match(telnet[0]!, /^alice@lobby \d\d:\d\d:\d\d one from alice$/);
    assert.match(telnet[1]!, /^bob@lobby \d\d:\d\d:\d\d two from bob$/);
    for (const [page, mine] of [[a.page, "alice"], [b.page, "bob"]] as const) {
      const lines = (await shownLines(page)).filter((l) => / from /.test(l));
      assert.deepEqual(lines.map((l) => l.replace(/\d\d:\d\d:\d\d/, "T")), [
        "alice T one from alice",
        "bob T two from bob",
        "carol T three from carol",
      ]);
      // One's own line is marked.
      const own = page.locator(".line.own");
      assert.equal(await own.count(), 1);
      assert.match(await own.innerText(), new RegExp(`^${mine} `));
    }
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  },
);

browserTest("a guest registers and is logged in with the new account", async (browser) => {
  await using t = await server();
  const { page, errors } = await openPage(browser, t.http);
  await page.getByRole("button", { name: "Enter as a guest" }).click();
  await page.getByRole("heading", { name: "Make an account" }).waitFor();
  await page.locator("#register-user").fill("dave");
  await page.locator("#register-password").fill("pw-dave");
  await page.getByRole("button", { name: "Register and log in" }).click();
  await page.locator(".me", { hasText: "Logged in as dave" }).waitFor();
  await joinLobby(page);
  assert.deepEqual(errors, []);
  // A failed login says so in plain words.
  const other = await openPage(browser, t.http);
  await other.page.getByLabel("User name").fill("alice");
  await other.page.getByLabel("Password").fill("wrong");
  await other.page.getByRole("button", { name: "Log in" }).click();
  await other.page.getByRole("alert").filter({ hasText: "Wrong user name or password." }).waitFor();
});

browserTest(
  "private conversations: unread counts, offline messages, block hides lines",
  async (browser) => {
    await using t = await server();
    // carol leaves alice an offline message before alice logs in.
    await using carol = await LineClient.connect(t.port);
    await carol.send("login carol pw-carol");
    await carol.expect("welcome");
    await carol.send("tell alice kept for you");
    await carol.expect("will be delivered");

    const a = await openPage(browser, t.http);
    await logIn(a.page, "alice", ACCOUNTS.alice);
    const carolEntry = a.page.locator(".conversation[data-key='private:carol']");
    await carolEntry.waitFor();
    await joinLobby(a.page);
    assert.equal(await carolEntry.locator(".unread").innerText(), "1");
    await carolEntry.click();
    await lineWith(a.page, "kept for you").waitFor();
    assert.match(await lineWith(a.page, "kept for you").innerText(), /carol \(offline\)/);
    assert.equal(await carolEntry.locator(".unread").count(), 0);

    const b = await openPage(browser, t.http);
    await logIn(b.page, "bob", ACCOUNTS.bob);
    await joinLobby(b.page);
    // bob writes to alice with /tell while alice looks at lobby: two unread.
    await a.page.locator(".conversation[data-key='room:lobby']").click();
    await typeLine(b.page, "/tell alice psst");
    await typeLine(b.page, "/tell alice are you there");
    const bobEntry = a.page.locator(".conversation[data-key='private:bob']");
    await bobEntry.locator(".unread", { hasText: "2" }).waitFor();
    assert.match(await bobEntry.getAttribute("aria-label") ?? "", /2 unread/);
    await bobEntry.click();
    await typeLine(a.page, "yes, here");
    await b.page.locator(".conversation[data-key='private:alice'] .unread").waitFor();

    // alice blocks bob from the menu on his name: his lines disappear and new ones never come.
    await a.page.locator(".conversation[data-key='room:lobby']").click();
    await typeLine(b.page, "before the block");
    await lineWith(a.page, "before the block").waitFor();
    await a.page.locator("#members button.nick", { hasText: "bob" }).click();
    await a.page.getByRole("menuitem", { name: "Block", exact: true }).click();
    await lineWith(a.page, "blocked bob").waitFor();
    assert.equal(await lineWith(a.page, "before the block").count(), 0);
    await typeLine(b.page, "after the block");
    await typeLine(b.page, "/who");
    await lineWith(b.page, "users online").waitFor();
    // The server's list keeps its line breaks: one user a line, no control marks.
    const who = await lineWith(b.page, "users online").innerText();
    assert.match(who, /users online:\n {2}\S+ .*\n {2}\S+ /);
    assert.doesNotMatch(who, /\u240a/);
    await using probe = await LineClient.connect(t.port);
    await probe.send("login carol pw-carol");
    // Lines are handled in order: once alice has had time to get a later line, bob's would be there.
    await typeLine(a.page, "still here");
    await lineWith(b.page, "still here").waitFor();
    assert.equal(await lineWith(a.page, "after the block").count(), 0);
    assert.deepEqual(a.errors, []);
  },
);

browserTest("hostile text arrives as text and runs nothing", async (browser) => {
  await using t = await server();
  const a = await openPage(browser, t.http);
  await logIn(a.page, "alice", ACCOUNTS.alice);
  await joinLobby(a.page);
  const dialogs: string[] = [];
  a.page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await using bob = await LineClient.connectJson(t.port);
  await bob.command("login bob pw-bob");
  await bob.command("join lobby");
  const hostile = [
    "<script>window.pwned=1;alert('script')</script>",
    "<img src=x onerror=\"window.pwned=2;alert('img')\">",
    "click javascript:window.pwned=3 and [x](javascript:alert(4))",
    '<a href="javascript:alert(5)">link</a> https://example.org/?q=<b>bold</b>',
    "bell\u0007 escape\u001b[2J nul\u0000 end",
  ];
  for (const line of hostile) await bob.send(line);
  await lineWith(a.page, "end").waitFor();
  const texts = await a.page.locator(".line[data-from='bob'] .text").allInnerTexts();
  assert.equal(texts[0], hostile[0]);
  assert.equal(texts[1], hostile[1]);
  assert.equal(texts[2], hostile[2]);
  assert.equal(texts[3], hostile[3]);
  assert.equal(texts[4], "bell escape[2J nul end"); // the server removed the controls
  // No element came from the text but the one http link; no script ran.
  const messages = a.page.locator(".line[data-from='bob'] .text");
  assert.equal(await messages.locator("script, img, b").count(), 0);
  const links = messages.locator("a");
  assert.equal(await links.count(), 1);
  // The address ends where markup would start.
  assert.equal(await links.getAttribute("href"), "https://example.org/?q=");
  assert.equal(await links.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await a.page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
  assert.deepEqual(dialogs, []);
  // The server's security headers came with the page.
  const response = await a.page.request.get(`http://127.0.0.1:${t.http}/`);
  assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'/);
  assert.deepEqual(a.errors, []);
});

browserTest(
  "after a server restart the page comes back in its rooms by itself",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "parley-web-restart-" });
    try {
      let t = await startTestServer(ACCOUNTS, {}, dir);
      const http = t.server.port("http")!;
      const a = await openPage(browser, http);
      await logIn(a.page, "alice", ACCOUNTS.alice);
      await joinLobby(a.page);
      await typeLine(a.page, "/start late night talk");
      await a.page.locator(".topbar .title", { hasText: "#late night talk" }).waitFor();
      await t.server.shutdown("the server is shutting down");
      await a.page.locator(".status-banner", { hasText: "Not connected" }).waitFor();
      // Typed while down: queued, sent when back.
      await typeLine(a.page, "sent while down");
      await lineWith(a.page, "kept to send when the connection is back").waitFor();
      t = await startTestServer({}, { httpPort: http }, dir);
      try {
        await lineWith(a.page, "connection is back: logged in as alice").waitFor({
          timeout: 20_000,
        });
        const entries = await a.page.locator(".conversation.kind-room").allInnerTexts();
        assert.deepEqual(entries.map((e) => e.trim()), ["#lobby", "#late night talk"]);
        await using bob = await LineClient.connectJson(t.port);
        await bob.command("login bob pw-bob");
        const rooms = await bob.command("rooms");
        const names = (rooms.data as { name: string }[]).map((r) => r.name).sort();
        assert.deepEqual(names, ["late night talk", "lobby"]);
        await bob.command("join late night talk");
        await typeLine(a.page, "after the restart");
        await bob.nextEvent((e) => e.type === "message" && e.text === "after the restart");
        assert.ok(
          a.errors.every((e) => /WebSocket|ERR_CONNECTION_REFUSED/.test(e)),
          a.errors.join(),
        );
      } finally {
        await t.server.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

browserTest(
  "at phone width the side list folds away and every room can be reached",
  async (browser) => {
    await using t = await server();
    const { page, errors } = await openPage(browser, t.http, { width: 375, height: 700 });
    await logIn(page, "alice", ACCOUNTS.alice);
    await joinLobby(page);
    await typeLine(page, "/start den");
    await page.locator(".topbar .title", { hasText: "#den" }).waitFor();
    const sidebar = page.locator("#sidebar");
    assert.equal(await sidebar.isVisible(), false);
    const toggle = page.getByRole("button", { name: /^Conversations/ });
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await sidebar.locator(".conversation[data-key='room:lobby']").click();
    await page.locator(".topbar .title", { hasText: "#lobby" }).waitFor();
    assert.equal(await sidebar.isVisible(), false);
    await toggle.click();
    await sidebar.locator(".conversation[data-key='room:den']").click();
    await page.locator(".topbar .title", { hasText: "#den" }).waitFor();
    // The members fold behind a button too.
    await page.getByRole("button", { name: /^Members/ }).click();
    await page.locator("#members .member", { hasText: "alice" }).waitFor();
    // Nothing is wider than the screen.
    const width = await page.evaluate("document.documentElement.scrollWidth") as number;
    assert.ok(width <= 375, `page is ${width}px wide`);
    assert.deepEqual(errors, []);
  },
);
