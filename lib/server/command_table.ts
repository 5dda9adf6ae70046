/**
 * The declarative command table: every command's name, aliases, arguments, who may use it and
 * what it costs in flood control. Lines are parsed and validated here, in one place, before a
 * handler runs; handlers (grouped by topic under `lib/commands/`) get checked arguments.
 *
 * @module
 */

import type { ErrorCode } from "../shared/protocol.ts";

/**
 * Who may use a command: anyone (also before login), guests and users, users only, or
 * administrators only (the role in the account file, read at each command).
 */
export type Access = "anyone" | "guest" | "user" | "admin";

/** A user-caused error, returned (not thrown) by a handler. */
export interface CommandError {
  code: ErrorCode;
  text: string;
}

/** What a handler returns: nothing when it replied itself, or an error to send. */
export type Outcome = void | CommandError;

/** Makes a {@link CommandError}. */
export function fail(code: ErrorCode, text: string): CommandError {
  return { code, text };
}

/**
 * Whether an operation's result is a {@link CommandError} rather than what was asked for.
 *
 * @example
 * ```ts
 * isError(fail("NO_SUCH_USER", "no such user: bob")); // true
 * ```
 */
export function isError(value: unknown): value is CommandError {
  return typeof value === "object" && value !== null && "code" in value && "text" in value;
}

/** What the table knows of a command. `usage` lists the arguments: `<word>`, `[word]`, `<text...>`. */
export interface CommandShape {
  name: string;
  aliases?: string[];
  usage: string;
  summary: string;
  access: Access;
  /** Flood-control tokens (default 1); cheap queries cost less. */
  cost?: number;
  /** Said after the usage line when the arguments do not fit (the rule most often missed). */
  formatHint?: string;
  /**
   * Whether a use that succeeds goes to the user's activity log: with its arguments (`args`), or
   * by name only (`name`: the arguments hold a password or a private message).
   */
  activity?: "args" | "name";
}

/** One command: its shape and its handler, given a context of type `Context`. */
export interface CommandSpec<Context> extends CommandShape {
  run(context: Context, args: string[]): Outcome | Promise<Outcome>;
}

interface ArgShape {
  required: number;
  optional: number;
  /** Whether the last argument takes the rest of the line, spaces and all. */
  rest: boolean;
}

function argShape(usage: string): ArgShape {
  const shape: ArgShape = { required: 0, optional: 0, rest: false };
  for (const token of usage.match(/<[^>]+>|\[[^\]]+\]/g) ?? []) {
    if (token.startsWith("<")) shape.required++;
    else shape.optional++;
    if (token.includes("...")) shape.rest = true;
  }
  return shape;
}

/** A line taken apart: the command it names (if any) and its checked arguments. */
export type ParsedLine<Spec extends CommandShape> =
  | { kind: "command"; spec: Spec; args: string[] }
  | { kind: "chat"; text: string }
  | { kind: "error"; spec?: Spec; error: CommandError };

/**
 * The command table, with lookup by name or alias.
 *
 * @example
 * ```ts
 * const table = new CommandTable([{ name: "who", usage: "", summary: "list", access: "user",
 *   run: () => {} }]);
 * table.parse("who").kind; // "command"
 * table.parse("who is there?").kind; // "chat": a no-argument command only when alone
 * ```
 */
export class CommandTable<Spec extends CommandShape> {
  readonly #byName = new Map<string, Spec>();
  readonly #shapes = new Map<Spec, ArgShape>();

  constructor(readonly specs: Spec[]) {
    for (const spec of specs) {
      for (const name of [spec.name, ...(spec.aliases ?? [])]) {
        if (this.#byName.has(name)) throw new Error(`command ${name} defined twice`);
        this.#byName.set(name, spec);
      }
      this.#shapes.set(spec, argShape(spec.usage));
    }
  }

  /** A command by name or alias (case-insensitive). */
  get(name: string): Spec | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  /** `name usage`, the line shown with BAD_FORMAT and by `help`. */
  usageOf(spec: CommandShape): string {
    return spec.usage ? `${spec.name} ${spec.usage}` : spec.name;
  }

  /**
   * Reads a line: a leading `/` always means a command (`//text` is chat starting with `/`);
   * otherwise a first word naming a command makes it one, except a no-argument command followed
   * by more words, which is chat.
   */
  parse(line: string): ParsedLine<Spec> {
    let text = line;
    let slash = false;
    if (text.startsWith("//")) return { kind: "chat", text: text.slice(1) };
    if (text.startsWith("/")) {
      slash = true;
      text = text.slice(1);
    }
    const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    if (!match) {
      return slash
        ? { kind: "error", error: fail("UNKNOWN_COMMAND", "no command after /; try help") }
        : { kind: "chat", text: line };
    }
    const word = match[1]!;
    const restOfLine = match[2]!;
    const spec = this.get(word);
    if (!spec) {
      if (slash) {
        return {
          kind: "error",
          error: fail("UNKNOWN_COMMAND", `unknown command: ${word.slice(0, 40)}; try help`),
        };
      }
      return { kind: "chat", text: line };
    }
    const shape = this.#shapes.get(spec)!;
    if (!slash && restOfLine !== "" && shape.required + shape.optional === 0) {
      return { kind: "chat", text: line };
    }
    const args = splitArgs(restOfLine, shape);
    const max = shape.required + shape.optional;
    if (args.length < shape.required || (!shape.rest && args.length > max)) {
      return {
        kind: "error",
        spec,
        error: fail(
          "BAD_FORMAT",
          `usage: ${this.usageOf(spec)}` + (spec.formatHint ? ` (${spec.formatHint})` : ""),
        ),
      };
    }
    return { kind: "command", spec, args };
  }
}

/**
 * Splits arguments on white space; a word may be quoted to hold spaces (`say "my big topic" hi`).
 * A rest argument keeps the rest of the line as typed.
 */
function splitArgs(text: string, shape: ArgShape): string[] {
  const args: string[] = [];
  let rest = text.trim();
  const words = shape.required + shape.optional;
  while (rest !== "") {
    if (shape.rest && args.length === words - 1) {
      args.push(rest);
      break;
    }
    const match = /^"([^"]+)"(?:\s+|$)([\s\S]*)$/.exec(rest) ?? /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
    args.push(match[1]!);
    rest = match[2]!;
  }
  return args;
}
