/**
 * Runs the real terminal client (`client.ts`) as a subprocess with piped stdin and stdout, the way
 * a script would drive it, and waits for its output lines with a deadline instead of sleeping.
 *
 * @module
 */

import { Wakeup } from "./wakeup.ts";

const encoder = new TextEncoder();

/** How long a wait may take before the test fails. */
export const CLIENT_WAIT_MS = 10_000;

/**
 * @example
 * ```ts
 * await using client = ClientProcess.start(["--port", String(port)]);
 * await client.type("login alice", "secret");
 * await client.expect("welcome, alice");
 * ```
 */
export class ClientProcess implements AsyncDisposable {
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Every stderr line so far. */
  readonly errors: string[] = [];
  #cursor = 0;
  #ended = false;
  readonly #printed = new Wakeup();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pumps: Promise<void>;

  private constructor(readonly child: Deno.ChildProcess) {
    this.#writer = child.stdin.getWriter();
    this.#pumps = Promise.all([
      this.#pump(child.stdout, this.lines),
      this.#pump(child.stderr, this.errors),
    ]).then(() => {
      this.#ended = true;
      this.#printed.wake();
    });
  }

  /** Starts `client.ts` with these arguments (and `env` added to the environment). */
  static start(args: string[], env: Record<string, string> = {}): ClientProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", new URL("../../client.ts", import.meta.url).pathname, ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env,
    }).spawn();
    return new ClientProcess(child);
  }

  async #pump(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
    let partial = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      into.push(...parts.map((line) => line.replace(/\r$/, "")));
      this.#printed.wake();
    }
    if (partial) into.push(partial);
  }

  /** Types lines on the client's stdin (each followed by a newline). */
  async type(...lines: string[]): Promise<void> {
    await this.#writer.write(encoder.encode(lines.map((line) => line + "\n").join("")));
  }

  /** Ends the client's stdin (end of input). */
  async endInput(): Promise<void> {
    try {
      await this.#writer.close();
    } catch {
      // already closed
    }
  }

  /**
   * Waits for the next stdout line (after those already consumed) that matches; the lines before
   * it are consumed too.
   */
  async waitFor(match: (line: string) => boolean, ms = CLIENT_WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (true) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (match(line)) return line;
      }
      if (this.#ended) throw new Error(`client ended before a matching line; saw:\n${this.log()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${ms} ms; saw:\n${this.log()}`);
      await this.#printed.wait(left);
    }
  }

  /** Waits for a stdout line containing `text` (or matching a pattern). */
  expect(text: string | RegExp, ms = CLIENT_WAIT_MS): Promise<string> {
    return this.waitFor(
      (line) => typeof text === "string" ? line.includes(text) : text.test(line),
      ms,
    );
  }

  /** Waits for the client to exit; fails after `ms`. */
  async exited(ms = CLIENT_WAIT_MS): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`client still running; saw:\n${this.log()}`)), ms);
    });
    try {
      return await Promise.race([this.child.status, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything the client printed, for failure messages. */
  log(): string {
    const err = this.errors.length ? `\n--- stderr\n${this.errors.join("\n")}` : "";
    return this.lines.join("\n") + err;
  }

  /** Kills the client if it still runs, and waits for its streams to end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.endInput();
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.child.status;
    await this.#pumps;
  }
}
