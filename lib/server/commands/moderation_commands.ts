/**
 * Commands that act on other users: kick, ban, unban, mute, unmute (administrators; room
 * leaders may kick from and mute in their own rooms), and report (anyone).
 *
 * @module
 */

import { type CommandError, fail, isError } from "../command_table.ts";
import { looksLikeDuration, parseDuration } from "../duration.ts";
import { untilText } from "../moderation.ts";
import type { Room } from "../room.ts";
import { sanitizeText } from "../../shared/sanitize.ts";
import type { User } from "../user.ts";
import type { Command, UserContext } from "./context.ts";
import { counted } from "../name_list.ts";

/** The longest reason kept with a moderation action or report. */
const MAX_REASON = 200;

/** What follows a ban's or mute's target: `[--force] [duration] [reason...]`. */
interface ActionWords {
  force: boolean;
  ms: number | null;
  reason: string;
}

/** Reads `[--force] [duration] [reason...]` from the words after the target. */
function actionWords(words: string[], allowForce: boolean): ActionWords | CommandError {
  let rest = words;
  let force = false;
  if (rest[0] === "--force") {
    if (!allowForce) return fail("BAD_FORMAT", "--force is for ban only");
    force = true;
    rest = rest.slice(1);
  }
  let ms: number | null = null;
  if (rest[0] !== undefined && looksLikeDuration(rest[0])) {
    const parsed = parseDuration(rest[0]);
    if (isError(parsed)) return parsed;
    ms = parsed;
    rest = rest.slice(1);
  }
  const reason = sanitizeText(rest.join(" "));
  if (reason.length > MAX_REASON) {
    return fail("BAD_FORMAT", `a reason is at most ${MAX_REASON} characters`);
  }
  return { force, ms, reason };
}

function wordsOf(text: string | undefined): string[] {
  return text?.trim() ? text.trim().split(/\s+/) : [];
}

/** ` (reason)` or nothing. */
function because(reason: string): string {
  return reason ? ` (${reason})` : "";
}

/** The rooms `user` leads, their current room first. */
function roomsLedBy(user: User): Room[] {
  const led = [...user.rooms].filter((room) => room.leader === user);
  return led.sort((a, b) => Number(b === user.current) - Number(a === user.current));
}

/** Refusal for someone who is neither an administrator nor a room leader (says nothing more). */
function notAModerator(command: string): CommandError {
  return fail("FORBIDDEN", `${command} is for administrators, and for room leaders in their rooms`);
}

const kick: Command = {
  name: "kick",
  usage: "<user> [reason...]",
  summary: "administrators: end a user's session; room leaders: put a user out of your room",
  access: "user",
  run({ chat, session, user }, [name, reasonText]) {
    const admin = chat.directory.isAdmin(user.name);
    const led = roomsLedBy(user);
    if (!admin && led.length === 0) return notAModerator("kick");
    const reason = sanitizeText(reasonText ?? "").slice(0, MAX_REASON);
    const account = chat.directory.account(name!);
    if (isError(account)) return account;
    if (account.name.toLowerCase() === user.key) {
      return fail("FORBIDDEN", "you cannot kick yourself");
    }
    const target = chat.directory.present(account.name);
    if (!admin) {
      const room = target && led.find((r) => r.members.has(target));
      if (!target || !room) return fail("NOT_IN_ROOM", `${account.name} is not in a room you lead`);
      chat.kickFromRoom(
        target,
        room,
        `${target.name} was kicked out of ${room.name} by ${user.name}${because(reason)}`,
      );
      chat.moderation.record(
        user.name,
        "kick",
        account.name,
        `from ${room.name}${because(reason)}`,
      );
      session.reply("kick", `kicked ${account.name} out of ${room.name}${because(reason)}`, {
        user: account.name,
        room: room.name,
        reason,
      });
      return;
    }
    if (!target) return fail("USER_OFFLINE", `${account.name} is not online`);
    chat.expel(
      target,
      "kicked",
      `you were kicked by ${user.name}${because(reason)}`,
      `${target.name} was kicked by ${user.name}${because(reason)}`,
    );
    chat.moderation.record(user.name, "kick", account.name, reason);
    session.reply("kick", `kicked ${account.name}${because(reason)}`, {
      user: account.name,
      room: null,
      reason,
    });
  },
};

const ban: Command = {
  name: "ban",
  usage: "<user|address|cidr> [duration] [reason...]",
  summary: "keep an account or addresses out (durations: 30s, 10m, 2h, 7d; none: until lifted)",
  formatHint: "a range wider than /8 (IPv6 /32) needs --force before the duration",
  access: "admin",
  run({ chat, session, user }, [target, duration, reasonText]) {
    const words = actionWords(wordsOf([duration, reasonText].filter(Boolean).join(" ")), true);
    if (isError(words)) return words;
    const made = chat.moderation.ban(
      user,
      session.connection.address,
      target!,
      words.ms,
      words.reason,
      words.force,
    );
    if (isError(made)) return made;
    const ended = chat.enforceBan(made);
    session.reply(
      "ban",
      `banned ${made.target} ${untilText(made.until)}${because(made.reason)}` +
        (ended ? `; ${counted(ended, "session")} ended` : ""),
      {
        kind: made.kind,
        target: made.target,
        until: made.until?.toISOString() ?? null,
        reason: made.reason,
        ended,
      },
    );
  },
};

const unban: Command = {
  name: "unban",
  usage: "<user|address|cidr>",
  summary: "lift a ban",
  access: "admin",
  run({ chat, session, user }, [target]) {
    const lifted = chat.moderation.unban(user, target!);
    if (isError(lifted)) return lifted;
    session.reply("unban", `${lifted.target} is no longer banned`, lifted);
  },
};

/** Reads `mute`'s and `unmute`'s optional room: a `#number`, or the name of an open room. */
function roomWord(
  context: UserContext,
  words: string[],
): { room: Room | null; rest: string[] } | CommandError {
  const first = words[0];
  if (first === undefined || first.startsWith("--") || looksLikeDuration(first)) {
    return { room: null, rest: words };
  }
  const room = context.chat.rooms.find(first);
  if (!isError(room)) return { room, rest: words.slice(1) };
  // A mistyped room must not turn into a server-wide, permanent mute: a `#` word, or a word
  // followed by a duration, was meant as a room.
  const second = words[1];
  if (first.startsWith("#") || (second !== undefined && looksLikeDuration(second))) {
    return fail("NO_SUCH_ROOM", `no such room: ${first.slice(0, 64)}`);
  }
  return { room: null, rest: words };
}

/**
 * Where a mute applies for this issuer: administrators anywhere (no room: server-wide); room
 * leaders only in a room they lead (by default their current one, if they lead it).
 */
function muteRoom(context: UserContext, room: Room | null): { room: string } | CommandError {
  const { chat, user } = context;
  if (chat.directory.isAdmin(user.name)) return { room: room?.name ?? "" };
  const led = roomsLedBy(user);
  if (led.length === 0) return notAModerator("mute");
  const chosen = room ?? (user.current && led.includes(user.current) ? user.current : null);
  if (!chosen || chosen.leader !== user) {
    return fail("FORBIDDEN", "room leaders mute in a room they lead: name it, e.g. mute bob #3");
  }
  return { room: chosen.name };
}

const mute: Command = {
  name: "mute",
  usage: "<user> [room] [duration] [reason...]",
  summary: "stop a user speaking (server-wide, or in one room); they can still read",
  access: "user",
  run(context, [name, ...rest]) {
    const { chat, session, user } = context;
    const found = roomWord(context, rest);
    if (isError(found)) return found;
    const { room, rest: words } = found;
    const where = muteRoom(context, room);
    if (isError(where)) return where;
    const parsed = actionWords(words, false);
    if (isError(parsed)) return parsed;
    const made = chat.moderation.mute(user, name!, where.room, parsed.ms, parsed.reason);
    if (isError(made)) return made;
    const place = made.room ? ` in ${made.room}` : "";
    chat.directory.present(made.user)?.session?.notice(
      "muted",
      `you were muted${place} by ${user.name} ${untilText(made.until)}${because(made.reason)}; ` +
        "you can still read",
      made.room || undefined,
    );
    session.reply(
      "mute",
      `muted ${made.user}${place} ${untilText(made.until)}${because(made.reason)}`,
      {
        user: made.user,
        room: made.room || null,
        until: made.until?.toISOString() ?? null,
        reason: made.reason,
      },
    );
  },
};

const unmute: Command = {
  name: "unmute",
  usage: "<user> [room]",
  summary: "let a muted user speak again",
  access: "user",
  run(context, [name, roomRef]) {
    const { chat, session, user } = context;
    const found = roomWord(context, roomRef === undefined ? [] : [roomRef]);
    if (isError(found)) return found;
    const { room, rest } = found;
    if (rest.length) return fail("NO_SUCH_ROOM", `no such room: ${rest[0]!.slice(0, 64)}`);
    const where = muteRoom(context, room);
    if (isError(where)) return where;
    const lifted = chat.moderation.unmute(user, name!, where.room);
    if (isError(lifted)) return lifted;
    const place = where.room ? ` in ${where.room}` : "";
    chat.directory.present(lifted.user)?.session?.notice("muted", `you may speak again${place}`);
    session.reply("unmute", `${lifted.user} may speak again${place}`, {
      user: lifted.user,
      room: where.room || null,
    });
  },
};

const report: Command = {
  name: "report",
  usage: "<user> <reason...>",
  summary: "tell the administrators about a user (report close <id>: administrators close one)",
  access: "user",
  run({ chat, session, user }, [name, reason]) {
    if (name === "close" && /^\d{1,9}$/.test(reason!) && chat.directory.isAdmin(user.name)) {
      const closed = chat.moderation.closeReport(user, Number(reason));
      if (closed) return closed;
      session.reply("report", `report #${reason} closed`, { id: Number(reason), closed: true });
      return;
    }
    const made = chat.moderation.report(user, name!, reason!);
    if (isError(made) && made.code === "NO_SUCH_USER" && name === "close") {
      // No user called "close": an administrator meant to close a report.
      if (chat.directory.isAdmin(user.name)) {
        return fail(
          "BAD_FORMAT",
          "report close <number>: the number from reports, e.g. report close 3",
        );
      }
    }
    if (isError(made)) return made;
    for (const admin of chat.directory.adminsOnline()) {
      admin.session?.notice(
        "report",
        `report #${made.id}: ${user.name} reports ${made.reported}: ${made.reason} (reports lists them)`,
      );
    }
    session.reply(
      "report",
      `thank you: report #${made.id} about ${made.reported} is with the administrators`,
      { id: made.id, user: made.reported, lines: made.lines.length },
    );
  },
};

/** The moderation commands. */
export const MODERATION_COMMANDS: Command[] = [kick, ban, unban, mute, unmute, report];
