/**
 * Real-browser tests' helpers: headless Chromium from Debian's package (`/usr/bin/chromium`,
 * installed by `scripts/install_tools.sh`) driven by playwright-core from npm, from Deno. Where
 * Chromium is missing the tests skip, each saying so in one line.
 *
 * @module
 */

import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  try {
    Deno.statSync(CHROMIUM);
    return undefined;
  } catch {
    return `${CHROMIUM} is not installed (scripts/install_tools.sh chromium installs it, as root)`;
  }
}

/** Launches headless Chromium with a fresh profile (Playwright makes a new user-data-dir). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** The web client's address on a test server. */
export function pageUrl(httpPort: number): string {
  return `http://127.0.0.1:${httpPort}/`;
}

/** Opens a new page (its own context: its own cookies, storage and viewport). */
export async function openPage(
  browser: Browser,
  httpPort: number,
  viewport = { width: 1200, height: 800 },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(pageUrl(httpPort));
  return { context, page, errors };
}

/** Logs in through the login form and waits for the chat. */
export async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator(".chat").waitFor();
}

/** Types a line in the message box and sends it with Enter. */
export async function typeLine(page: Page, line: string): Promise<void> {
  const box = page.locator("#message-input");
  await box.fill(line);
  await box.press("Enter");
}

/** The lines shown in the conversation on screen, as their text. */
export function shownLines(page: Page): Promise<string[]> {
  return page.locator(".messages .lines > li").allInnerTexts();
}
