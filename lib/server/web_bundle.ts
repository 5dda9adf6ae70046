/**
 * Builds the web client's bundle (`web/public/app.js`) from its sources (`web/src/`, with the
 * shared protocol in `lib/shared/`) with `deno bundle`, whose esbuild comes from the npm registry.
 * The server calls {@link prepareWebClient} as it starts: the bundle is built when it is missing
 * or older than any of its sources, so `deno task server` is all it takes; `deno task build`
 * builds it on purpose ({@link buildWebBundle}).
 *
 * Only the project's own web root is built: a server given another `--web-root` serves that
 * folder as it is. A failed build is logged and does not stop the server (the line protocol and
 * `/ws` still work); the page then says that the web client could not be built.
 *
 * @module
 */

import type { ServerConfig } from "./config.ts";
import type { Logger } from "./log.ts";

/** The project folder, where `web/` and `deno.json` are. */
const PROJECT = new URL("../../", import.meta.url);

/** The first line of a stand-in bundle written after a failed build (it is always rebuilt). */
export const FAILED_MARK = "/* parley: the web client could not be built */";

/** How long a build may take (the first one may download esbuild). */
const BUILD_TIMEOUT_MS = 180_000;

/** Where the web client's files are. */
export interface WebPaths {
  /** The project folder (absolute path, ending in `/`). */
  project: string;
  entry: string;
  output: string;
  /** Files and folders whose changes make the bundle stale. */
  sources: string[];
}

/** The paths of the web client in a project folder. */
export function webPaths(project = PROJECT.protocol === "file:" ? PROJECT.pathname : ""): WebPaths {
  return {
    project,
    entry: `${project}web/src/main.tsx`,
    output: `${project}web/public/app.js`,
    sources: [
      `${project}web/src`,
      `${project}lib/shared`,
      `${project}deno.json`,
      `${project}web/deno.json`,
      `${project}package.json`,
    ],
  };
}

/** What {@link prepareWebClient} or {@link buildWebBundle} did. */
export type BuildOutcome =
  | { status: "fresh" }
  | { status: "built"; ms: number; bytes: number }
  | { status: "skipped"; why: string }
  | { status: "failed"; error: string };

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/** The newest modification time among files under these paths. */
export async function newestSource(paths: readonly string[]): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      return;
    }
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) await visit(`${path}/${entry.name}`);
    } else newest = Math.max(newest, info.mtime?.getTime() ?? 0);
  };
  for (const path of paths) await visit(path);
  return newest;
}

/** Whether the bundle is missing, a stand-in from a failed build, or older than a source. */
export async function isStale(paths: WebPaths): Promise<boolean> {
  const built = await mtime(paths.output);
  if (built === undefined) return true;
  try {
    const file = await Deno.open(paths.output);
    try {
      const head = new Uint8Array(FAILED_MARK.length);
      const n = await file.read(head);
      if (n !== null && new TextDecoder().decode(head.subarray(0, n)) === FAILED_MARK) return true;
    } finally {
      file.close();
    }
  } catch {
    return true;
  }
  return await newestSource(paths.sources) > built;
}

/**
 * Builds the bundle now (to a temporary file, then renamed, so a page never loads half a file and
 * two servers building at once do not clash). On failure a stand-in `app.js` is written that puts
 * the reason on the page.
 */
export async function buildWebBundle(paths: WebPaths = webPaths()): Promise<BuildOutcome> {
  const started = performance.now();
  const temp = `${paths.output}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp.js`;
  let error: string;
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--format",
        "esm",
        "--minify",
        "--output",
        temp,
        paths.entry,
      ],
      cwd: paths.project,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
      signal: AbortSignal.timeout(BUILD_TIMEOUT_MS),
    }).output();
    if (output.success) {
      await Deno.rename(temp, paths.output);
      const bytes = (await Deno.stat(paths.output)).size;
      return { status: "built", ms: Math.round(performance.now() - started), bytes };
    }
    const text = new TextDecoder().decode(output.stderr).trim() ||
      new TextDecoder().decode(output.stdout).trim();
    error = text.split("\n").slice(-12).join("\n") || `deno bundle exited with ${output.code}`;
  } catch (caught) {
    error =
      caught instanceof Deno.errors.NotCapable || caught instanceof Deno.errors.PermissionDenied
        ? "the server may not run programs (start it with --allow-run, as deno task server does)"
        : (caught as Error).name === "TimeoutError"
        ? `deno bundle took longer than ${BUILD_TIMEOUT_MS / 1000} s`
        : String((caught as Error).message ?? caught);
  }
  await Deno.remove(temp).catch(() => {});
  await writeStandIn(paths.output, error);
  return { status: "failed", error };
}

/** An `app.js` that says on the page why the web client is missing (text only, no HTML). */
async function writeStandIn(output: string, error: string): Promise<void> {
  const message = "The web client could not be built, so this page cannot chat. " +
    "The server's log says why; `deno task build` tries again and shows the error. " +
    "Telnet and the terminal client still work. Reason: " + error.slice(0, 2000);
  const script = `${FAILED_MARK}
const app = document.getElementById("app");
if (app) {
  const p = document.createElement("p");
  p.className = "boot-message";
  p.setAttribute("role", "alert");
  p.textContent = ${JSON.stringify(message)};
  app.replaceChildren(p);
}
`;
  try {
    await Deno.writeTextFile(output, script);
  } catch {
    // the web root is not writable: the page's own loading message stays
  }
}

let building: Promise<BuildOutcome> | undefined;

/**
 * Makes sure the web client is built before the server serves it: builds when the bundle is
 * missing or stale, once at a time per process, and logs what happened. Never throws.
 */
export async function prepareWebClient(config: ServerConfig, log: Logger): Promise<BuildOutcome> {
  const paths = webPaths();
  let outcome: BuildOutcome;
  try {
    outcome = await prepare(config, paths);
  } catch (error) {
    outcome = { status: "failed", error: String((error as Error).message ?? error) };
  }
  if (outcome.status === "built") {
    log("built the web client", { file: paths.output, ms: outcome.ms, bytes: outcome.bytes });
  } else if (outcome.status === "failed") {
    log("could not build the web client; / will say so (the chat itself works)", {
      error: outcome.error,
    });
  }
  return outcome;
}

async function prepare(config: ServerConfig, paths: WebPaths): Promise<BuildOutcome> {
  if (paths.project === "") return { status: "skipped", why: "not run from source" };
  if (await mtime(paths.entry) === undefined) {
    return { status: "skipped", why: "no web client sources" };
  }
  let ours: boolean;
  try {
    const root = await Deno.realPath(config.webRoot);
    ours = root === await Deno.realPath(`${paths.project}web/public`);
  } catch {
    ours = false;
  }
  if (!ours) return { status: "skipped", why: "another web root" };
  while (building) await building;
  if (!await isStale(paths)) return { status: "fresh" };
  building = buildWebBundle(paths);
  try {
    return await building;
  } finally {
    building = undefined;
  }
}
