/**
 * The web page's files, served from one folder: GET and HEAD only, no path outside the folder
 * (`..`, encoded or not, and links that lead out are refused), a known content type per file.
 *
 * @module
 */

import type { Response } from "./http_request.ts";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  webmanifest: "application/manifest+json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  map: "application/json",
};

/** A slash, backslash or control character: never part of a file name served. */
// deno-lint-ignore no-control-regex
const UNSAFE_IN_SEGMENT = /[\/\\\x00-\x1f\x7f]/;

/** The largest file served, in bytes (the web page's files are small). */
const MAX_FILE_BYTES = 16 << 20;

/**
 * The path's segments after percent-decoding, or null when any is unsafe (`..`, `.`, an empty
 * segment in the middle, a slash, backslash or control character hidden by encoding, bad escapes).
 *
 * @example
 * ```ts
 * safeSegments("/css/app.css"); // ["css", "app.css"]
 * safeSegments("/%2e%2e/users.txt"); // null
 * ```
 */
export function safeSegments(path: string): string[] | null {
  if (!path.startsWith("/")) return null;
  const raw = path.slice(1).split("/");
  if (raw.at(-1) === "") raw[raw.length - 1] = "index.html";
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (
      segment === "" || segment === "." || segment === ".." || UNSAFE_IN_SEGMENT.test(segment)
    ) return null;
    segments.push(segment);
  }
  return segments;
}

/**
 * The response for a GET or HEAD of `path` from the folder `root`.
 *
 * @example
 * ```ts
 * const response = await staticFile("web/public", "/index.html");
 * ```
 */
export async function staticFile(root: string, path: string): Promise<Response> {
  const segments = safeSegments(path);
  if (segments === null) return { status: 400, body: "bad path\n" };
  const notFound: Response = { status: 404, body: `not found: ${path.slice(0, 200)}\n` };
  let rootReal: string;
  let fileReal: string;
  try {
    rootReal = await Deno.realPath(root);
    fileReal = await Deno.realPath(`${root}/${segments.join("/")}`);
  } catch {
    return path === "/"
      ? { status: 404, body: `the web client is not built here (no ${root}/index.html)\n` }
      : notFound;
  }
  // A link inside the folder must not lead out of it.
  if (!fileReal.startsWith(rootReal + "/")) return notFound;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(fileReal);
  } catch {
    return notFound;
  }
  if (!info.isFile || info.size > MAX_FILE_BYTES) return notFound;
  const extension = /\.([a-z0-9]+)$/i.exec(fileReal)?.[1]?.toLowerCase() ?? "";
  return {
    status: 200,
    headers: {
      "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream",
      "cache-control": "no-cache",
    },
    body: await Deno.readFile(fileReal),
  };
}
