/**
 * `deno task accounts <command>`: manages users.txt (see lib/server/accounts_tool.ts). Passwords
 * are read with echo off on a terminal, or one per line from a pipe.
 *
 * @module
 */

import { runAccountsTool } from "../lib/server/accounts_tool.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Lines piped in, read as needed (a script or a test gives passwords this way). */
let piped: string[] | null = null;

async function readPassword(prompt: string): Promise<string | null> {
  Deno.stderr.writeSync(encoder.encode(prompt));
  if (!Deno.stdin.isTerminal()) {
    piped ??= (await new Response(Deno.stdin.readable).text()).split(/\r?\n/);
    Deno.stderr.writeSync(encoder.encode("\n"));
    return piped.shift() ?? null;
  }
  // Echo off: the terminal in raw mode shows nothing; Enter ends, Backspace erases, Ctrl-C cancels.
  Deno.stdin.setRaw(true);
  let password = "";
  try {
    const buffer = new Uint8Array(64);
    while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) return null;
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) return password;
        if (byte === 0x03 || byte === 0x04) return null;
        if (byte === 0x7f || byte === 0x08) password = [...password].slice(0, -1).join("");
        else if (byte >= 0x20) password += decoder.decode(new Uint8Array([byte]), { stream: true });
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
}

const status = await runAccountsTool(Deno.args, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  readPassword,
}, Deno.stdin.isTerminal());
Deno.exit(status);
