/**
 * Commands about private groups (seed 003): `group create|add|remove|leave|delete|msg`,
 * `groups` (alias `grouplist`); `message group <name> <text...>` is handled by `tell`.
 *
 * @module
 */

import { fail, isError, type Outcome } from "../command_table.ts";
import type { Group } from "../group_store.ts";
import { groupLabel } from "../groups.ts";
import type { Command, UserContext } from "./context.ts";
import { counted, listText } from "../name_list.ts";

/** `alice/team: alice, bob, carol` */
function groupLine(group: Group): string {
  return `${groupLabel(group)}: ${group.members.join(", ")}`;
}

function groupData(group: Group) {
  return { group: groupLabel(group), owner: group.owner, name: group.name, members: group.members };
}

/** Sends a group message and replies with where it went (shared with `message group`). */
export function sendToGroup(context: UserContext, ref: string, message: string): Outcome {
  const sent = context.chat.groups.send(context.user, ref, message, context.now);
  if (isError(sent)) return sent;
  const full = sent.full.length ? `; not delivered to ${sent.full.join(", ")} (mailbox full)` : "";
  context.session.reply(
    "group",
    `to group ${sent.group}: ${sent.text}` +
      (sent.offline ? ` (${sent.offline} offline; kept for them)` : "") + full,
    sent,
  );
}

const USAGE =
  "group create <name> <member...> | add|remove <name> <user> | leave|delete <name> | " +
  "msg <name> <message...>";

const group: Command = {
  name: "group",
  usage: "<action> <group> [more...]",
  summary: "private groups: create, add, remove, leave, delete, msg (a message to its members)",
  formatHint: USAGE,
  access: "user",
  run(context, [action, ref, more]) {
    const { chat, session, user } = context;
    const words = more?.trim().split(/\s+/) ?? [];
    const reply = (verb: string, result: Group | ReturnType<typeof fail>) => {
      if (isError(result)) return result;
      session.reply("group", `${verb} ${groupLine(result)}`, groupData(result));
    };
    switch (action!.toLowerCase()) {
      case "create":
        if (words.length === 0) return fail("BAD_FORMAT", "usage: group create <name> <member...>");
        return reply("created", chat.groups.create(user, ref!, words, context.now));
      case "add":
      case "remove": {
        if (words.length !== 1) return fail("BAD_FORMAT", `usage: group ${action} <group> <user>`);
        const result = action!.toLowerCase() === "add"
          ? chat.groups.add(user, ref!, words[0]!)
          : chat.groups.remove(user, ref!, words[0]!);
        return reply(
          action!.toLowerCase() === "add" ? `added ${words[0]} to` : `removed ${words[0]} from`,
          result,
        );
      }
      case "leave":
      case "delete": {
        if (more !== undefined) return fail("BAD_FORMAT", `usage: group ${action} <group>`);
        const result = action!.toLowerCase() === "leave"
          ? chat.groups.leave(user, ref!)
          : chat.groups.delete(user, ref!);
        if (isError(result)) return result;
        session.reply(
          "group",
          `${action!.toLowerCase() === "leave" ? "you left" : "deleted"} group ${
            groupLabel(result)
          }`,
          groupData(result),
        );
        return;
      }
      case "msg":
      case "message":
        if (more === undefined) return fail("BAD_FORMAT", "usage: group msg <group> <message...>");
        return sendToGroup(context, ref!, more);
      default:
        return fail("BAD_FORMAT", `usage: ${USAGE}`);
    }
  },
};

const groups: Command = {
  name: "groups",
  aliases: ["grouplist"],
  usage: "",
  summary: "your private groups and their members",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }) {
    const list = chat.groups.list(user);
    session.reply(
      "groups",
      list.length
        ? listText(`you are in ${counted(list.length, "group")}`, list.map(groupLine))
        : "you are in no group; group create <name> <member...> makes one",
      list.map(groupData),
    );
  },
};

/** The group commands. */
export const GROUP_COMMANDS: Command[] = [group, groups];
