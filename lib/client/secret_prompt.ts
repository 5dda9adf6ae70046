/**
 * The questions the client asks, with disguised echo, before sending a command that carries a
 * password, and the line it then sends: `login <user>` (the password), `register <user>` (the
 * password twice, to catch a typo), `rename <newname>` (your password), `passwd` (the old password,
 * then the new one twice).
 *
 * @module
 */

import type { Credentials } from "../shared/reconnect.ts";
import type { SecretCommand } from "./typed_command.ts";

/** What the answers lead to: a line to send, or why nothing is sent. */
export type SecretOutcome =
  | { type: "send"; line: string; login?: Credentials; newPassword?: string }
  | { type: "refused"; message: string };

/**
 * @example
 * ```ts
 * const prompt = new SecretPrompt("register", "carol");
 * prompt.question; // "password for carol:"
 * prompt.answer("pw1"); // undefined: one more question
 * prompt.answer("pw2"); // { type: "refused", message: "the two passwords differ; nothing was sent" }
 * ```
 */
export class SecretPrompt {
  readonly #questions: string[];
  readonly #answers: string[] = [];

  constructor(readonly command: SecretCommand, readonly name?: string) {
    this.#questions = {
      login: [`password for ${name}:`],
      register: [`password for ${name}:`, "the same password again:"],
      rename: [`your password, to become ${name}:`],
      passwd: ["old password:", "new password:", "the new password again:"],
    }[command];
  }

  /** The question to ask now. */
  get question(): string {
    return this.#questions[this.#answers.length]!;
  }

  /** Takes an answer: the outcome once every question is answered (or one is refused). */
  answer(password: string): SecretOutcome | undefined {
    if (password === "" || /\s/.test(password)) {
      return {
        type: "refused",
        message: "a password cannot be empty or contain spaces; nothing was sent",
      };
    }
    this.#answers.push(password);
    if (this.#answers.length < this.#questions.length) return undefined;
    const [first, second, third] = this.#answers;
    switch (this.command) {
      case "login":
        return {
          type: "send",
          line: `login ${this.name} ${first}`,
          login: { user: this.name!, password: first },
        };
      case "register":
        return first === second
          ? { type: "send", line: `register ${this.name} ${first}` }
          : { type: "refused", message: "the two passwords differ; nothing was sent" };
      case "rename":
        return { type: "send", line: `rename ${this.name} ${first}` };
      case "passwd":
        return second === third
          ? { type: "send", line: `passwd ${first} ${second}`, newPassword: second }
          : { type: "refused", message: "the two new passwords differ; nothing was sent" };
    }
  }
}
