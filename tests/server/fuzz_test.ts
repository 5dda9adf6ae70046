/**
 * The adversarial fuzz: many connections send random and mutated lines (random bytes, huge lines,
 * broken UTF-8, telnet IAC sequences, ANSI escapes, NUL, lone CR, every command with random
 * arguments) at a real server process for a bounded time, while a pair of honest users keeps
 * chatting. The server must not exit or fail a handler, the pair must lose no line and keep a low
 * latency, nothing unsafe may reach them or the store, and the store must be consistent after.
 *
 * `PARLEY_SEED=<n>` replays a run; `PARLEY_FUZZ_MS=<ms>` runs longer than the CI default.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { Accounts } from "../../lib/server/accounts.ts";
import { COMMANDS } from "../../lib/server/commands/index.ts";
import { LineReader } from "../../lib/shared/line_reader.ts";
import { hasUnsafeCharacters } from "../../lib/shared/sanitize.ts";
import { Store, STORE_FILE } from "../../lib/server/store.ts";
import { LineClient } from "../helpers/line_client.ts";
import { Random } from "../helpers/random.ts";
import { makeUsersDir, serverArgs, ServerProcess, TEST_ITERATIONS } from "../helpers/server.ts";
import { ms, WatcherPair } from "../helpers/watchers.ts";

const FUZZ_MS = Number(Deno.env.get("PARLEY_FUZZ_MS") ?? 8000);
const WORKERS = 16;
/** The latency the honest pair must stay under (99th percentile) while the fuzz runs. */
const P99_BOUND_MS = 250;

const IAC = 0xff;
const ALNUM = [..."abcdefghijklmnopqrstuvwxyz0123456789"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every command name and alias the server knows. */
const COMMAND_WORDS = COMMANDS.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])]);

/** Strings that have broken servers before: escapes, format strings, odd Unicode, odd names. */
const NASTY = [
  "\x1b[2J\x1b[H",
  "\x1b]0;owned\x07",
  "\x1b]52;c;aGk=\x07",
  "\x1b[31mred\x1b[0m",
  "\x1bP1;2|x\x1b\\",
  "\u009b31m",
  "\u202eevil\u202c",
  "\u2028\u2029",
  "\u2066iso\u2069",
  "\x00",
  "\x07\x07",
  "\x08\x08\x08",
  "\x7f",
  "\t",
  "%s%n%x",
  "${7*7}",
  "' OR 1=1 --",
  "__proto__",
  "constructor",
  "guest",
  "server",
  "*",
  "lobby",
  "#1",
  "1",
  "0",
  "-1",
  "99999999999",
  "世界",
  "🎉🎉",
  "e\u0301\u0301\u0301",
  "\ufeff",
  "\ud800",
  "watcha",
  "watchb",
];

interface FuzzStats {
  inputs: number;
  bytes: number;
  connections: number;
  refused: number;
  serverErrors: string[];
  /** Accounts whose registration the server acknowledged: name → password. */
  registered: Map<string, string>;
  /**
   * Accounts registered on a connection that then sent `passwd` or `rename`: a random argument, or
   * the next line after a prompt, may be the password, and the answer may go unread.
   */
  changed: Set<string>;
}

/** One random hostile input, line ending(s) included. */
function fuzzInput(random: Random, id: number, users: string[]): Uint8Array {
  const word = () => {
    const roll = random.int(10);
    if (roll < 3) return random.pick(NASTY);
    if (roll < 5) return random.pick(users);
    if (roll < 6) return "x".repeat(random.between(100, 5000));
    if (roll < 7) return decoder.decode(random.bytes(random.between(1, 12)));
    let plain = "";
    for (let i = random.between(1, 10); i > 0; i--) plain += random.pick(ALNUM);
    return plain;
  };
  const line = (text: string) => encoder.encode(text + random.pick(["\n", "\r\n", "\r", "\n\n"]));
  switch (random.int(12)) {
    case 0: { // random bytes, newlines where they fall
      return random.bytes(random.between(1, 300));
    }
    case 1: { // a huge line, over the limit (sometimes)
      return line("H".repeat(random.chance(0.2) ? random.between(5000, 60000) : 4000));
    }
    case 2: { // broken UTF-8: stray continuations, truncated and overlong sequences, surrogates
      const bad = [
        [0x80],
        [0xbf, 0xbf],
        [0xc0, 0xaf],
        [0xe2, 0x82],
        [0xed, 0xa0, 0x80],
        [
          0xf4,
          0x90,
          0x80,
          0x80,
        ],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xc3],
      ];
      const parts: number[] = [...encoder.encode(random.pick(COMMAND_WORDS) + " ")];
      for (let i = random.between(1, 6); i > 0; i--) {
        parts.push(...random.pick(bad), ...encoder.encode(word()));
      }
      parts.push(0x0a);
      return new Uint8Array(parts);
    }
    case 3: { // telnet: IAC IAC, negotiations, subnegotiation (sometimes never ended)
      const parts: number[] = [...encoder.encode("say lobby a")];
      for (let i = random.between(1, 5); i > 0; i--) {
        const pick = random.int(5);
        if (pick === 0) parts.push(IAC, IAC);
        else if (pick === 1) parts.push(IAC, random.between(0xfb, 0xfe), random.int(256));
        else if (pick === 2) parts.push(IAC, 0xfa, ...random.bytes(random.int(20)), IAC, 0xf0);
        else if (pick === 3) parts.push(IAC, random.between(0xf1, 0xf9));
        else parts.push(IAC, 0xfa, 0x18, 0x00); // SB without SE: swallows what follows
        parts.push(...encoder.encode(word()));
      }
      parts.push(0x0a);
      return new Uint8Array(parts);
    }
    case 4: { // controls and escapes in a chat line
      return line(`${word()} ${random.pick(NASTY)}${word()}\x00${random.pick(NASTY)}`);
    }
    case 5: { // lone CR, CR CR LF, NUL-only lines, empty lines
      return encoder.encode(
        random.pick(["\r", "\r\r\n", "\x00\n", "\n", "   \n", "/\n", "//\n", "// \x1b\n"]),
      );
    }
    case 6: // presentation switches, sometimes bad
      return line(`mode ${random.pick(["json", "text", "JSON", "xml", "", word()])}`);
    case 7: { // a registration that may succeed
      const name = `f${id}r${random.int(100000)}`;
      return line(`register ${name} ${random.pick(["pw", "p w", word()])}`);
    }
    default: { // every command, any alias, any case, with 0-5 random arguments
      let command = random.pick(COMMAND_WORDS);
      if (random.chance(0.2)) command = command.toUpperCase();
      if (random.chance(0.3)) command = "/" + command;
      const args: string[] = [];
      for (let i = random.int(6); i > 0; i--) args.push(word());
      return line([command, ...args].join(random.pick([" ", "  ", "\t"])));
    }
  }
}

/** Reads a fuzz connection until it closes: spots SERVER_ERROR and acknowledged registrations. */
async function drain(conn: Deno.TcpConn, stats: FuzzStats, passwords: Map<string, string>) {
  const buffer = new Uint8Array(65536);
  const reader = new LineReader(1 << 20); // longer lines never come from a sane server
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      for (const item of reader.push(buffer.subarray(0, n))) {
        if (!("line" in item)) continue;
        const line = decoder.decode(item.line);
        if (line.includes("SERVER_ERROR") || line.includes("the server failed")) {
          stats.serverErrors.push(line.slice(0, 300));
        }
        const registered = /registered (f\d+r\d+); log in/.exec(line)?.[1];
        if (registered !== undefined && passwords.has(registered)) {
          stats.registered.set(registered, passwords.get(registered)!);
        }
      }
    }
  } catch {
    // reset, or closed by us
  }
}

/** One fuzzing connection after another until the deadline. */
async function fuzzWorker(
  id: number,
  port: number,
  random: Random,
  deadline: number,
  stats: FuzzStats,
  users: string[],
): Promise<void> {
  while (performance.now() < deadline) {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      stats.refused++;
      continue;
    }
    stats.connections++;
    // Registrations we try, so an acknowledged one can be checked after the run.
    const passwords = new Map<string, string>();
    const reading = drain(conn, stats, passwords);
    const watchdog = setTimeout(() => close(conn), Math.max(0, deadline - performance.now()));
    try {
      const opening = random.int(10);
      if (opening < 5) {
        const mode = random.chance(0.5) ? "mode json\n" : "";
        await write(conn, encoder.encode(`${mode}login ${random.pick(users)} pw\n`));
      } else if (opening < 7) await write(conn, encoder.encode("login guest\n"));
      for (let i = random.between(10, 150); i > 0 && performance.now() < deadline; i--) {
        const input = fuzzInput(random, id, users);
        const text = decoder.decode(input);
        const reg = /^register (f\d+r\d+) (\S+)\r?\n/.exec(text);
        if (reg) passwords.set(reg[1]!, reg[2]!);
        if (/(^|[\s/])(passwd|rename)\b/i.test(text)) {
          for (const name of passwords.keys()) stats.changed.add(name);
        }
        stats.inputs++;
        stats.bytes += input.length;
        if (random.chance(0.1) && input.length > 2) {
          // split across writes, to cross the server's read boundaries
          const cut = random.between(1, input.length - 1);
          await write(conn, input.subarray(0, cut));
          await write(conn, input.subarray(cut));
        } else await write(conn, input);
      }
      if (random.chance(0.6)) {
        // Leave politely and read every answer: end a subnegotiation, answer a password prompt.
        await write(conn, new Uint8Array([IAC, 0xf0, ...encoder.encode("\nx\nquit\n")]));
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([reading, new Promise((resolve) => timer = setTimeout(resolve, 2000))]);
        clearTimeout(timer);
      } else if (random.chance(0.5)) await write(conn, encoder.encode("half a line, then gone"));
    } catch {
      // the server closed us (quit, logout, takeover, a limit): that is allowed
    }
    clearTimeout(watchdog);
    close(conn);
    await reading;
  }
}

async function write(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

Deno.test("a fuzz of hostile input from many connections neither stops the server nor disturbs honest users", async () => {
  const random = Random.fromEnv();
  const fuzzUsers = Array.from({ length: WORKERS }, (_, i) => `fuzz${i}`);
  await using users = await makeUsersDir({
    watcha: "watch-secret-a",
    watchb: "watch-secret-b",
    reader: "reader-secret",
    ...Object.fromEntries(fuzzUsers.map((name) => [name, "pw"])),
  }, "parley-fuzz-");
  const usersFile = users.usersFile;
  const dataDir = join(users.dir, "data");
  const server = await ServerProcess.start(serverArgs(
    users.dir,
    "--rate",
    "0", // no fake lag: the fuzz should push as much as the server takes
    "--max-per-address",
    "200",
    "--max-unauthenticated",
    "200",
    "--login-fail-delay",
    "0",
    "--lockout-failures",
    "1000000", // random passwd attempts must not lock the fuzz users out of the fuzz
    "--failed-logins-per-address",
    "1000000",
    "--registrations-per-address",
    "1000000",
  ));
  const stats: FuzzStats = {
    inputs: 0,
    bytes: 0,
    connections: 0,
    refused: 0,
    serverErrors: [],
    registered: new Map(),
    changed: new Set(),
  };
  let report;
  try {
    await using pair = await WatcherPair.start(
      server.port,
      ["watcha", "watch-secret-a"],
      ["watchb", "watch-secret-b"],
      "watchroom",
    );
    // A text-mode user in the lobby, where the fuzz speaks: what reaches a terminal must be clean.
    await using reader = await LineClient.connect(server.port);
    reader.keepRaw = true;
    await reader.send("login reader reader-secret");
    await reader.expect("welcome, reader");
    await reader.send("join lobby");
    await reader.expect("you joined lobby");

    const deadline = performance.now() + FUZZ_MS;
    const workers = fuzzUsers.map((_, i) =>
      fuzzWorker(i, server.port, new Random(random.seed + i + 1), deadline, stats, [
        ...fuzzUsers,
        "watcha",
        "reader",
      ])
    );
    report = await pair.chat(FUZZ_MS);
    await Promise.all(workers);

    const rawBytes = new Uint8Array(reader.raw);
    const unsafeAtReader = rawBytes.filter((b) =>
      (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) || b === 0x7f || b === IAC
    ).length;
    const readerText = decoder.decode(rawBytes);
    console.log(
      `fuzz (seed ${random.seed}): ${stats.inputs} bad inputs tried ` +
        `(${(stats.bytes / 1e6).toFixed(1)} MB over ${stats.connections} connections, ` +
        `${stats.refused} refused), ${stats.serverErrors.length} crashes, ` +
        `${report.lost} lost messages; watchers sent ${report.sent}, ` +
        `latency p50 ${ms(report.p50)} ms, p99 ${ms(report.p99)} ms, max ${ms(report.max)} ms ` +
        `(bound ${P99_BOUND_MS} ms); ${report.others} fuzz events reached them, ` +
        `${reader.lines.length} lobby lines reached the text reader; ` +
        `${stats.registered.size} registrations acknowledged, ` +
        `${
          [...stats.registered.keys()].filter((name) => !stats.changed.has(name)).length
        } of ` +
        `them checked in the stored file (the rest had a passwd or rename after them)`,
    );
    assert.ok(stats.inputs > 1000, `the fuzz ran (${stats.inputs} inputs)`);
    assert.deepEqual(stats.serverErrors, [], "no handler failed");
    assert.equal(report.lost, 0, "the watchers lost no message");
    assert.equal(report.outOfOrder, 0, "the watchers' messages stayed in order");
    assert.ok(report.p99 < P99_BOUND_MS, `p99 latency ${ms(report.p99)} ms`);
    assert.deepEqual(report.unsafe, [], "nothing unsafe reached the watchers");
    assert.equal(unsafeAtReader, 0, "no control bytes reached the text-mode reader");
    assert.ok(!/[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(readerText));
    assert.ok(!reader.closed, "the text-mode reader is still connected");
    // Still serving: a fresh connection gets an answer.
    await using probe = await LineClient.connectJson(server.port);
    assert.equal((await probe.command("help who")).type, "reply");
  } finally {
    const status = await server.stop("SIGINT");
    const errors = server.stderrLines.filter((line) => /^\S+ error /.test(line));
    // What users typed reaches the operator's terminal too, through the log.
    const unsafeLog = server.stderrLines.filter(hasUnsafeCharacters).map((line) =>
      line.slice(0, 200)
    );
    try {
      assert.deepEqual(errors, [], "the server logged no error");
      assert.deepEqual(unsafeLog, [], "no control characters in the server log");
      assert.equal(status.code, 0, "the server was still running and stopped cleanly");
    } finally {
      await checkStore(usersFile, dataDir, stats);
    }
  }
});

/** The files the fuzz left: every acknowledged account, nothing invalid or unsafe stored. */
async function checkStore(usersFile: string, dataDir: string, stats: FuzzStats): Promise<void> {
  const problems: string[] = [];
  const accounts = await Accounts.load(usersFile, {
    iterations: TEST_ITERATIONS,
    log: (msg) => problems.push(msg),
  });
  for (const [name, password] of stats.registered) {
    if (stats.changed.has(name)) continue;
    assert.ok(await accounts.verify(name, password), `acknowledged account ${name} is stored`);
  }
  const store = Store.open(dataDir, { log: (msg) => problems.push(msg) });
  store.close();
  assert.deepEqual(problems, [], "users.txt and the store load without complaint");
  const db = new DatabaseSync(join(dataDir, STORE_FILE), { readOnly: true });
  try {
    assert.equal(db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    const texts = [
      ...db.prepare("SELECT text FROM offline").all(),
      ...db.prepare("SELECT text FROM info").all(),
    ].map((row) => String(row.text));
    assert.deepEqual(texts.filter(hasUnsafeCharacters), [], "no stored text is unsafe");
    for (const row of db.prepare("SELECT user, target FROM blocks").all()) {
      assert.ok(accounts.has(String(row.user)) && accounts.has(String(row.target)));
    }
    console.log(
      `store after the fuzz: ${accounts.size} accounts, ${texts.length} stored texts, ` +
        `integrity ok`,
    );
  } finally {
    db.close();
  }
}
