/**
 * Temporary directories for tests, removed with everything in them when the test is done.
 *
 * @module
 */

/** A temporary directory; disposing removes it. */
export interface TempDir extends AsyncDisposable {
  dir: string;
}

/**
 * Makes a fresh temporary directory named with `prefix`.
 *
 * @example
 * ```ts
 * await using tmp = await tempDir("parley-restart-");
 * await Deno.writeTextFile(`${tmp.dir}/notes.txt`, "hi");
 * ```
 */
export async function tempDir(prefix = "parley-test-"): Promise<TempDir> {
  const dir = await Deno.makeTempDir({ prefix });
  return {
    dir,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * Runs `fn` with a fresh temporary directory and removes it afterwards.
 *
 * @example
 * ```ts
 * await withTempDir((dir) => Store.open(dir).close());
 * ```
 */
export async function withTempDir(
  fn: (dir: string) => Promise<void> | void,
  prefix = "parley-test-",
): Promise<void> {
  await using tmp = await tempDir(prefix);
  await fn(tmp.dir);
}
