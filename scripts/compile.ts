/**
 * `deno task compile [--out DIR]`: builds single-file executables of the server and the client
 * with `deno compile`: DIR/parley-server and DIR/parley-client (DIR defaults to `dist`).
 *
 * `deno compile` needs the `denort` runtime binary of the running Deno version. It takes it from
 * `DENORT_BIN` when that is set, else from Deno's cache, else downloads it. When none of these
 * works (no network, no cached runtime, `DENORT_BIN` unset), this script says so in one line and
 * exits with {@link EXIT_NO_RUNTIME}, so callers can tell "cannot build here" from "build broke".
 *
 * @module
 */

import { parseArgs } from "node:util";
import { LIBC_PATHS } from "../lib/server/transports/epoll.ts";

/** Exit status when the denort runtime cannot be had. */
export const EXIT_NO_RUNTIME = 3;

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * What is built: entry point, executable name, the permissions it is compiled with, and the
 * modules loaded at run time that the entry point does not import (worker scripts).
 */
export const TARGETS = [
  {
    entry: "server.ts",
    name: "parley-server",
    permissions: [
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      // For the epoll driver only: the C library's file, as deno task server grants it.
      `--allow-ffi=${LIBC_PATHS.join(",")}`,
      // SO_REUSEPORT, so a renewed TLS certificate takes over its port without a gap.
      "--unstable-net",
    ],
    include: ["lib/server/hash_worker.ts"],
  },
  {
    entry: "client.ts",
    name: "parley-client",
    // --allow-read for --ca FILE and --history-file, --allow-write to keep the history file.
    permissions: ["--allow-net", "--allow-env", "--allow-read", "--allow-write"],
    include: [],
  },
] as const;

/** Where `deno compile` finds the runtime, or why it cannot here without a download. */
export async function findRuntime(): Promise<
  { found: true; where: string } | {
    found: false;
    why: string;
  }
> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) {
    try {
      if ((await Deno.stat(bin)).isFile) return { found: true, where: bin };
    } catch {
      // reported below
    }
    return { found: false, why: `DENORT_BIN is set to ${bin}, which is not a file` };
  }
  const cached = await cachedRuntimePath();
  if (cached) {
    try {
      await Deno.stat(cached);
      return { found: true, where: cached };
    } catch {
      // not cached
    }
  }
  return {
    found: false,
    why: `DENORT_BIN is unset and the runtime is not in Deno's cache` +
      (cached ? ` (${cached})` : ""),
  };
}

/** Where Deno caches the runtime it downloads for `deno compile`. */
async function cachedRuntimePath(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const dir = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
    if (typeof dir !== "string") return undefined;
    return `${dir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  } catch {
    return undefined;
  }
}

/** Whether `deno compile` failed for want of the runtime (rather than a broken build). */
export function isRuntimeFailure(stderr: string): boolean {
  return /denort|dl\.deno\.land|setting up base binary|error sending request|dns error/i.test(
    stderr,
  );
}

async function compile(target: typeof TARGETS[number], out: string): Promise<string | null> {
  const output = `${out}/${target.name}`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      ...target.permissions,
      ...target.include.flatMap((path) => ["--include", `${ROOT}${path}`]),
      "--output",
      output,
      `${ROOT}${target.entry}`,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.success) return null;
  // deno colours its messages even into a pipe; the words are what matter here.
  // deno-lint-ignore no-control-regex
  return new TextDecoder().decode(result.stderr).replace(/\x1b\[[0-9;]*m/g, "");
}

function noRuntime(why: string): number {
  console.error(
    `cannot build executables: deno compile needs the denort runtime of Deno ` +
      `${Deno.version.deno}, which cannot be had here (${why}); ` +
      `set DENORT_BIN to a denort binary, or run where it can be downloaded.`,
  );
  return EXIT_NO_RUNTIME;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string", default: "dist" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(
      "usage: deno task compile [--out DIR]   (builds DIR/parley-server, DIR/parley-client)",
    );
    return 0;
  }
  const out = values.out!;
  const bin = Deno.env.get("DENORT_BIN");
  const runtime = await findRuntime();
  if (bin && !runtime.found) return noRuntime(runtime.why); // no download would help
  await Deno.mkdir(out, { recursive: true });
  for (const target of TARGETS) {
    const failure = await compile(target, out);
    if (failure === null) {
      const size = (await Deno.stat(`${out}/${target.name}`)).size;
      console.log(`built ${out}/${target.name} (${(size / 1048576).toFixed(1)} MiB)`);
      continue;
    }
    if (isRuntimeFailure(failure)) {
      return noRuntime(
        runtime.found
          ? failure.trim().split("\n")[0]!
          : `${runtime.why}, and downloading it failed`,
      );
    }
    console.error(`deno compile ${target.entry} failed:\n${failure}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
