/**
 * The client in a real terminal: tmux runs it in a pane, `send-keys` types, `capture-pane` reads
 * the screen. Skipped, with a message, when tmux is not installed (scripts/install_tools.sh installs
 * it from Debian's packages).
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { makeUsersDir, serverArgs, ServerProcess } from "../helpers/server.ts";

async function run(cmd: string, args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .output();
}

async function tmuxAvailable(): Promise<boolean> {
  try {
    return (await run("tmux", ["-V"])).success;
  } catch {
    return false;
  }
}

const HAVE_TMUX = await tmuxAvailable();
if (!HAVE_TMUX) {
  console.log(
    "skipping the real-terminal client tests: tmux is not installed " +
      "(scripts/install_tools.sh installs it)",
  );
}

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;
const WAIT_MS = 10_000;

/** The shell command that runs the client against `port`. */
const clientCommand = (port: number) => `${Deno.execPath()} run -A ${CLIENT} --port ${port}`;
const last = (lines: string[]) => lines.at(-1) ?? "";

/** A tmux server of our own (its own socket), with one pane running a command. */
class Tmux implements AsyncDisposable {
  readonly socket = `parley-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

  async start(command: string): Promise<void> {
    await this.#tmux([
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      "100",
      "-y",
      "30",
      "-e",
      "TERM=xterm-256color",
      "-e",
      "NO_COLOR=",
      command,
    ]);
  }

  async #tmux(args: string[]): Promise<string> {
    const out = await run("tmux", ["-L", this.socket, "-f", "/dev/null", ...args]);
    if (!out.success) {
      throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  }

  /** Types text literally (no key names). */
  async type(text: string): Promise<void> {
    await this.#tmux(["send-keys", "-t", "t", "-l", text]);
  }

  /** Presses named keys (Enter, BSpace, C-c, Up…). */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux(["send-keys", "-t", "t", ...keys]);
  }

  /** The screen as text lines (trailing blanks trimmed). */
  async screen(): Promise<string[]> {
    const text = await this.#tmux(["capture-pane", "-p", "-t", "t"]);
    const lines = text.split("\n").map((line) => line.trimEnd());
    while (lines.length && lines.at(-1) === "") lines.pop();
    return lines;
  }

  /** Polls the screen until it satisfies `check`, or fails after the deadline with the screen. */
  async waitScreen(check: (lines: string[]) => boolean, what: string): Promise<string[]> {
    const deadline = Date.now() + WAIT_MS;
    let lines: string[] = [];
    for (let i = 0; Date.now() < deadline && i < 1000; i++) {
      lines = await this.screen();
      if (check(lines)) return lines;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    throw new Error(`screen never showed ${what}; it shows:\n${lines.join("\n")}`);
  }

  /** Pastes text as a terminal does (bracketed, when the program asked for it). */
  async paste(text: string): Promise<void> {
    await this.#tmux(["set-buffer", "-b", "p", text]);
    await this.#tmux(["paste-buffer", "-p", "-b", "p", "-t", "t"]);
  }

  /** Copies everything the pane's program writes into a file, escape sequences and all. */
  async record(file: string): Promise<void> {
    await this.#tmux(["pipe-pane", "-t", "t", "-o", `cat >> ${file}`]);
  }

  /** Logs in as alice (password alicepw) and joins lobby. */
  async aliceInLobby(): Promise<void> {
    await this.startLogin("alice");
    await this.type("alicepw");
    await this.press("Enter");
    await this.type("join lobby");
    await this.press("Enter");
    await this.waitScreen((s) => last(s) === "lobby>", "the lobby prompt");
  }

  /** Once the client is connected, types `login <user>` and waits for the password prompt. */
  async startLogin(user: string): Promise<void> {
    await this.waitScreen((s) => s.some((l) => l.includes("connected to")), "the connection");
    await this.type(`login ${user}`);
    await this.press("Enter");
    await this.waitScreen((s) => last(s) === `password for ${user}:`, "the password prompt");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await run("tmux", ["-L", this.socket, "kill-server"]);
  }
}

/** Polls the file `stty -a` writes when the client is gone; returns it once it holds a mode. */
async function readTerminalMode(sttyFile: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  let mode = "";
  for (let i = 0; i < 500 && Date.now() < deadline && !mode.includes("icanon"); i++) {
    mode = await Deno.readTextFile(sttyFile).catch(() => "");
    if (!mode.includes("icanon")) await new Promise((resolve) => setTimeout(resolve, 40));
  }
  return mode;
}

/** A server subprocess with alice, bob and carol, in a temp dir. */
interface Env {
  dir: string;
  server: ServerProcess;
}

/**
 * A test in a real terminal, skipped without tmux: `fn` gets a fresh server and a tmux of its own,
 * both removed afterwards.
 */
function terminalTest(name: string, fn: (env: Env, tmux: Tmux) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !HAVE_TMUX,
    async fn() {
      await using users = await makeUsersDir(
        { alice: "alicepw", bob: "bobpw", carol: "carolpw" },
        "parley-tty-test-",
      );
      await using server = await ServerProcess.start(serverArgs(users.dir));
      await using tmux = new Tmux();
      await fn({ dir: users.dir, server }, tmux);
    },
  });
}

terminalTest(
  "in a terminal the password shows only stars, and backspace removes one",
  async (env, tmux) => {
    await tmux.start(clientCommand(env.server.port));
    await tmux.startLogin("alice");

    await tmux.type("alicX");
    await tmux.waitScreen((s) => last(s) === "password for alice: *****", "five stars");
    await tmux.press("BSpace");
    await tmux.waitScreen((s) => last(s) === "password for alice: ****", "four stars");
    await tmux.type("epw");
    const typed = await tmux.waitScreen(
      (s) => last(s) === "password for alice: *******",
      "seven stars",
    );
    // Nothing typed after the prompt is on the screen: not "alicX", not "epw".
    for (const secret of ["alicX", "licX", "epw", "alicepw"]) {
      assert.ok(!typed.join("\n").includes(secret), typed.join("\n"));
    }
    await tmux.press("Enter");
    const after = await tmux.waitScreen(
      (s) => s.some((l) => /^\* \d\d:\d\d:\d\d welcome, alice/.test(l)),
      "the welcome",
    );
    assert.ok(!after.join("\n").includes("alicepw"), after.join("\n"));
    assert.ok(after.includes("password for alice: *******"), after.join("\n"));
  },
);

terminalTest(
  "in a terminal arriving messages do not garble the line being typed",
  async (env, tmux) => {
    await tmux.start(clientCommand(env.server.port));
    await tmux.startLogin("alice");
    await tmux.type("alicepw");
    await tmux.press("Enter");
    await tmux.type("join lobby");
    await tmux.press("Enter");
    await tmux.waitScreen((s) => last(s) === "lobby>", "the lobby prompt");

    await using bob = await LineClient.connect(env.server.port);
    await bob.send("login bob bobpw");
    await bob.send("join lobby");
    await bob.expect("you joined lobby");
    await tmux.waitScreen((s) => s.some((l) => l.includes("bob entered lobby")), "bob entering");

    await tmux.type("half a thought");
    await tmux.waitScreen((s) => last(s) === "lobby> half a thought", "the typed text");
    for (const n of [1, 2, 3]) await bob.send(`interruption ${n}`);
    const screen = await tmux.waitScreen(
      (s) => s.some((l) => l.includes("interruption 3")),
      "the messages",
    );
    // The messages are whole lines above the input, which is intact at the bottom.
    const shown = screen.filter((l) => l.includes("interruption"));
    assert.equal(shown.length, 3, screen.join("\n"));
    for (const line of shown) assert.match(line, /^bob@lobby \d\d:\d\d:\d\d interruption \d$/);
    assert.equal(last(screen), "lobby> half a thought", screen.join("\n"));

    await tmux.type(" finished");
    await tmux.press("Enter");
    assert.match(await bob.expect("half a thought"), /alice@lobby \S+ half a thought finished$/);

    // While a password is typed, arriving messages wait until it is done.
    await tmux.type("register dave");
    await tmux.press("Enter");
    await tmux.waitScreen((s) => last(s) === "password for dave:", "the register prompt");
    await tmux.type("ab");
    await tmux.waitScreen((s) => last(s) === "password for dave: **", "two stars");
    await bob.send("while you type");
    await bob.send("tell alice sync"); // alice's client has the message once this reply comes
    await bob.expect("sync");
    const during = await tmux.screen();
    assert.ok(!during.some((l) => l.includes("while you type")), during.join("\n"));
    assert.equal(last(during), "password for dave: **");
    await tmux.type("cdef");
    await tmux.press("Enter");
    await tmux.waitScreen((s) => s.some((l) => l.includes("while you type")), "the held message");
    await bob.close();
  },
);

terminalTest(
  "in a terminal Ctrl-C cancels the login, sends nothing, and the terminal is restored",
  async (env, tmux) => {
    const sttyFile = `${env.dir}/stty.txt`;
    // A shell runs the client, then records the terminal mode it was given back.
    await tmux.start(
      `sh -c '${clientCommand(env.server.port)}; ` +
        `echo "exit $?" > ${sttyFile}.code; stty -a > ${sttyFile}; sleep 30'`,
    );
    await tmux.startLogin("alice");
    await tmux.type("secr");
    await tmux.press("C-c");
    await tmux.waitScreen(
      (s) => s.some((l) => l.includes("login cancelled; nothing was sent")),
      "the cancel message",
    );
    // Still connected and usable: the server did not see a login.
    await tmux.type("who");
    await tmux.press("Enter");
    await tmux.waitScreen(
      (s) => s.some((l) => /error: .*log ?in/i.test(l) || /users? online/.test(l)),
      "the answer to who",
    );
    const screen = await tmux.screen();
    assert.ok(!screen.some((l) => l.includes("secr")), screen.join("\n"));
    assert.ok(!screen.some((l) => l.includes("welcome, alice")), screen.join("\n"));

    await tmux.press("C-c"); // at the input line: leave
    const mode = await readTerminalMode(sttyFile);
    assert.equal((await Deno.readTextFile(`${sttyFile}.code`)).trim(), "exit 130");
    // Canonical mode and echo are back on: the terminal is as it was before.
    assert.match(mode, /(^|\s)icanon(\s|$)/);
    assert.match(mode, /(^|\s)echo(\s|$)/);
    assert.match(mode, /(^|\s)isig(\s|$)/);
  },
);

terminalTest(
  "in a terminal SIGTERM during the password prompt gives the terminal back",
  async (env, tmux) => {
    const pidFile = `${env.dir}/client.pid`;
    const sttyFile = `${env.dir}/stty.txt`;
    // The inner shell writes its pid and becomes the client, so that pid is the client's.
    await tmux.start(
      `sh -c 'sh -c "echo \\$\\$ > ${pidFile}; exec ${clientCommand(env.server.port)}"; ` +
        `echo "exit $?" > ${sttyFile}.code; stty -a > ${sttyFile}; sleep 30'`,
    );
    await tmux.startLogin("alice");
    await tmux.type("ali");
    await tmux.waitScreen((s) => last(s) === "password for alice: ***", "three stars");
    const pid = Number((await Deno.readTextFile(pidFile)).trim());
    assert.ok(pid > 0);
    Deno.kill(pid, "SIGTERM");
    const mode = await readTerminalMode(sttyFile);
    assert.equal((await Deno.readTextFile(`${sttyFile}.code`)).trim(), "exit 143");
    assert.match(mode, /(^|\s)icanon(\s|$)/);
    assert.match(mode, /(^|\s)echo(\s|$)/);
  },
);

/** bob, logged in over a plain connection, in the lobby. */
async function bobInLobby(port: number): Promise<LineClient> {
  const bob = await LineClient.connect(port);
  await bob.send("login bob bobpw");
  await bob.send("join lobby");
  await bob.expect("you joined lobby");
  return bob;
}

terminalTest(
  "in a terminal the cursor moves, Up recalls sent lines, Tab completes, own lines show whole",
  async (env, tmux) => {
    await tmux.start(clientCommand(env.server.port));
    await tmux.aliceInLobby();
    await using bob = await bobInLobby(env.server.port);
    await tmux.type("helo");
    await tmux.press("Left");
    await tmux.type("l");
    await tmux.press("End");
    await tmux.type(" world");
    await tmux.press("C-a");
    await tmux.type("oh ");
    await tmux.waitScreen((s) => last(s) === "lobby> oh hello world", "the edited line");
    await tmux.press("Enter");
    assert.match(await bob.expect("oh hello world"), /alice@lobby \S+ oh hello world$/);
    // shown like everyone's line, and the input is empty again
    await tmux.waitScreen(
      (s) =>
        s.some((l) => /^alice@lobby \d\d:\d\d:\d\d oh hello world$/.test(l)) &&
        last(s) === "lobby>",
      "the own line",
    );
    await tmux.press("Up");
    await tmux.waitScreen((s) => last(s) === "lobby> oh hello world", "the recalled line");
    await tmux.press("C-u");
    await tmux.type("hi b");
    await tmux.press("Tab");
    await tmux.waitScreen((s) => last(s) === "lobby> hi bob", "bob's name completed");
    await tmux.press("C-w", "C-w");
    await tmux.type("joi");
    await tmux.press("Tab");
    await tmux.waitScreen((s) => last(s) === "lobby> join", "the command completed");
  },
);

terminalTest(
  "in a terminal the status line shows the rooms with unread counts, and Alt-1 switches",
  async (env, tmux) => {
    await tmux.start(clientCommand(env.server.port));
    await tmux.aliceInLobby();
    await tmux.type("start den");
    await tmux.press("Enter");
    await tmux.waitScreen((s) => last(s) === "den>", "the den prompt");
    const status = (s: string[]) => s.at(-2) ?? "";
    await tmux.waitScreen(
      (s) => status(s) === "alice │ connected │ 1:lobby [2:den]",
      "the status line",
    );
    await using bob = await bobInLobby(env.server.port);
    await bob.send("hello alice");
    await tmux.waitScreen((s) => status(s).endsWith("1:lobby(1!) [2:den]"), "the unread mention");
    await tmux.press("M-1");
    await tmux.waitScreen(
      (s) => last(s) === "lobby>" && status(s).endsWith("[1:lobby] 2:den"),
      "lobby current",
    );
    await tmux.type("back in the lobby");
    await tmux.press("Enter");
    await bob.expect("back in the lobby");
  },
);

terminalTest(
  "in a terminal a paste of many lines is sent only once confirmed",
  async (env, tmux) => {
    await tmux.start(clientCommand(env.server.port));
    await tmux.aliceInLobby();
    await using bob = await bobInLobby(env.server.port);
    await tmux.paste("p1\np2\np3\np4\np5\np6\n");
    await tmux.waitScreen(
      (s) => last(s).startsWith("send 6 pasted lines? (y: send them"),
      "the question",
    );
    await bob.send("tell bob sync");
    await bob.expect("sync");
    assert.ok(!bob.lines.some((line) => line.includes("p1")), bob.lines.join("\n"));
    await tmux.type("y");
    await bob.expect("p6");
    await tmux.waitScreen((s) => last(s) === "lobby>", "the prompt back");
  },
);

terminalTest(
  "in a terminal a mention and a private message ring the bell",
  async (env, tmux) => {
    const log = `${env.dir}/pane.log`;
    await tmux.start(clientCommand(env.server.port));
    await tmux.record(log);
    await tmux.aliceInLobby();
    await using bob = await bobInLobby(env.server.port);
    await bob.send("nothing for you");
    await tmux.waitScreen((s) => s.some((l) => l.includes("nothing for you")), "the plain line");
    const before = await Deno.readTextFile(log);
    assert.ok(!before.includes("\x07"), "no bell for a line that does not mention alice");
    await bob.send("tell alice are you there?");
    await tmux.waitScreen((s) => s.some((l) => l.includes("are you there?")), "the tell");
    const deadline = Date.now() + WAIT_MS;
    while (!(await Deno.readTextFile(log)).includes("\x07") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    assert.ok((await Deno.readTextFile(log)).includes("\x07"), "the bell rang");
  },
);
