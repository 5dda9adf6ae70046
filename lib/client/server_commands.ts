/**
 * The server's command names, as its `help` lists them (the client asks once connected), so the
 * client reads a typed line as the server will: a command, or a chat line to show as the user's
 * own message. Used for Tab completion too. Until `help` has answered, the names of today's
 * server are assumed.
 *
 * @module
 */

/** Today's commands that take arguments, and those that take none (a command only alone). */
const KNOWN_WITH_ARGUMENTS = [
  "login register passwd rename mode help status ping info create start enter join switch cd",
  "leave say tell msg message offline shout broadcast block unblock group history search report",
  "kick mute unmute ban unban announce close modlog rooms",
].join(" ").split(" ");
const KNOWN_WITHOUT_ARGUMENTS =
  "logout quit exit who whoelse wholasthr blocks groups grouplist users bans mutes reports"
    .split(" ");

/**
 * @example
 * ```ts
 * const commands = new ServerCommands();
 * commands.isCommand("who"); // true
 * commands.isCommand("who is here?"); // false: `who` takes no arguments
 * commands.isCommand("/anything"); // true
 * commands.isCommand("hello all"); // false
 * ```
 */
export class ServerCommands {
  /** Lower-cased name or alias → whether it takes arguments. */
  #takesArguments = new Map<string, boolean>();
  #names: string[] = [];

  constructor() {
    this.#set([
      ...KNOWN_WITH_ARGUMENTS.map((name) => ({ names: [name], usage: `${name} <x>` })),
      ...KNOWN_WITHOUT_ARGUMENTS.map((name) => ({ names: [name], usage: name })),
    ]);
  }

  /** Every name and alias, for completion. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** Learns the commands from the data of a `help` reply: `[{name, aliases, usage}]`. */
  learn(data: unknown): void {
    if (!Array.isArray(data)) return;
    const specs: { names: string[]; usage: string }[] = [];
    for (const entry of data) {
      if (typeof entry?.name !== "string") return;
      const aliases = Array.isArray(entry.aliases)
        ? entry.aliases.filter((alias: unknown) => typeof alias === "string")
        : [];
      specs.push({ names: [entry.name, ...aliases], usage: String(entry.usage ?? "") });
    }
    if (specs.length > 0) this.#set(specs);
  }

  /** Whether the server will take this line as a command rather than a chat line. */
  isCommand(line: string): boolean {
    const trimmed = line.trim();
    if (trimmed.startsWith("//")) return false;
    if (trimmed.startsWith("/")) return true;
    const [first, ...rest] = trimmed.split(/\s+/);
    const takes = this.#takesArguments.get((first ?? "").toLowerCase());
    return takes === true || (takes === false && rest.length === 0);
  }

  #set(specs: { names: string[]; usage: string }[]): void {
    this.#takesArguments.clear();
    for (const { names, usage } of specs) {
      // The usage line starts with the name; anything after it is an argument.
      const takes = /\s/.test(usage.trim());
      for (const name of names) this.#takesArguments.set(name.toLowerCase(), takes);
    }
    this.#names = [...this.#takesArguments.keys()].sort();
  }
}
