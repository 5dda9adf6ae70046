/**
 * Commands about blocking: block, unblock, blocks. Blocks persist in the store across sessions
 * and restarts; the online user's copy makes the check on the fan-out path a set lookup.
 *
 * @module
 */

import { isError } from "../command_table.ts";
import type { Command } from "./context.ts";

const block: Command = {
  name: "block",
  activity: "args",
  usage: "<user>",
  summary: "stop receiving anything from a user",
  access: "user",
  run({ chat, session, user }, [name]) {
    const blocked = chat.directory.block(user, name!);
    if (isError(blocked)) return blocked;
    const { account, already } = blocked;
    session.reply(
      "block",
      already ? `you already block ${account.name}` : `blocked ${account.name}`,
      { user: account.name, blocked: true },
    );
  },
};

const unblock: Command = {
  name: "unblock",
  activity: "args",
  usage: "<user>",
  summary: "receive a blocked user's messages again",
  access: "user",
  run({ chat, session, user }, [name]) {
    const wasBlocked = chat.directory.unblock(user, name!);
    session.reply(
      "unblock",
      wasBlocked ? `unblocked ${name}` : `you had not blocked ${name}`,
      { user: name, blocked: false },
    );
  },
};

const blocks: Command = {
  name: "blocks",
  usage: "",
  summary: "the users you block",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }) {
    const names = chat.directory.blocksOf(user);
    session.reply(
      "blocks",
      names.length ? `you block: ${names.join(", ")}` : "you block nobody",
      names,
    );
  },
};

/** The block commands. */
export const BLOCK_COMMANDS: Command[] = [block, unblock, blocks];
