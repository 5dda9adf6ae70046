/**
 * Crash tests: a Deno script runs as a child process and prints one line per write it has made
 * durable; the test kills it with SIGKILL mid-stream and checks what the files still hold.
 *
 * @module
 */

/** The lines a killed child printed before the kill, and how it ended. */
export interface KilledChild {
  lines: string[];
  status: Deno.CommandStatus;
}

/**
 * Runs `script` (`deno run --allow-all --no-check`), reads its stdout until `count` lines arrived
 * or `timeoutMs` passed, then kills it with SIGKILL while its stdout is still open, so that the
 * child never sees a broken pipe first.
 *
 * @example
 * ```ts
 * const { lines, status } = await killAfterLines(`${dir}/child.ts`, 40);
 * assert.equal(status.signal, "SIGKILL");
 * ```
 */
export async function killAfterLines(
  script: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KilledChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-check", script],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const lines: string[] = [];
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    while (lines.length < count) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === "timeout" || next.done) break;
      buffer += next.value;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts);
    }
  } finally {
    clearTimeout(timer);
    child.kill("SIGKILL");
    await reader.cancel();
  }
  return { lines, status: await child.status };
}
