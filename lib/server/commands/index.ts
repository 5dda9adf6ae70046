/**
 * The server's command table, assembled from the handlers grouped by topic.
 *
 * @module
 */

import { ACCOUNT_COMMANDS } from "./account_commands.ts";
import { ADMIN_COMMANDS } from "./admin_commands.ts";
import { BLOCK_COMMANDS } from "./block_commands.ts";
import { HISTORY_COMMANDS } from "./history_commands.ts";
import type { Command } from "./context.ts";
import { GROUP_COMMANDS } from "./group_commands.ts";
import { MESSAGE_COMMANDS } from "./message_commands.ts";
import { MODERATION_COMMANDS } from "./moderation_commands.ts";
import { PRESENCE_COMMANDS } from "./presence_commands.ts";
import { ROOM_COMMANDS } from "./room_commands.ts";

export type { Command, SessionContext, UserContext } from "./context.ts";

/** Every command, in the order `help` lists them. */
export const COMMANDS: Command[] = [
  ...ACCOUNT_COMMANDS,
  ...PRESENCE_COMMANDS,
  ...ROOM_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...BLOCK_COMMANDS,
  ...GROUP_COMMANDS,
  ...MODERATION_COMMANDS,
  ...ADMIN_COMMANDS,
  ...HISTORY_COMMANDS,
];
