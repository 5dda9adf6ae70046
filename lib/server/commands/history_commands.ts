/**
 * Commands that read what was said: history and search.
 *
 * @module
 */

import { fail, isError } from "../command_table.ts";
import { MAX_PAGE, MAX_SEARCH_WORDS } from "../history.ts";
import type { Command } from "./context.ts";
import { counted } from "../name_list.ts";

/** How many lines `history` answers with when no count is given. */
const DEFAULT_PAGE = 50;

const FORMS = "history <room|user|*> [before|after|around <id>] [N]";

const history: Command = {
  name: "history",
  usage: "<target> [range...]",
  summary: `earlier lines of a room you are in, a private conversation or shouts (*): ` +
    `${FORMS}; N is at most ${MAX_PAGE}`,
  access: "user",
  cost: 0.5,
  formatHint: FORMS,
  run({ chat, session, user }, [target, range]) {
    const words = (range ?? "").split(/\s+/).filter(Boolean);
    let kind: "latest" | "before" | "after" | "around" = "latest";
    let id: string | undefined;
    if (words[0] !== undefined && ["before", "after", "around"].includes(words[0])) {
      kind = words.shift() as typeof kind;
      id = words.shift();
      if (id === undefined) return fail("BAD_FORMAT", `usage: ${FORMS}`);
    }
    let count = DEFAULT_PAGE;
    if (words.length > 0) {
      const n = words.shift()!;
      if (!/^\d{1,9}$/.test(n) || Number(n) === 0) {
        return fail(
          "BAD_FORMAT",
          `a count is a whole number from 1 (at most ${MAX_PAGE} are sent)`,
        );
      }
      count = Math.min(Number(n), MAX_PAGE);
    }
    if (words.length > 0) return fail("BAD_FORMAT", `usage: ${FORMS}`);
    const read = chat.history.read(session, user, target!, { kind, id }, count);
    if (isError(read)) return read;
    session.reply(
      "history",
      `${counted(read.count, "line")} of ${read.target}` +
        (read.count === 0 ? ": nothing there" : read.older),
      { target: read.target, count: read.count },
    );
  },
};

const search: Command = {
  name: "search",
  usage: "<words...>",
  summary: `find lines with all these words (at most ${MAX_SEARCH_WORDS}) in your rooms, ` +
    "conversations and shouts, newest first",
  access: "user",
  cost: 1,
  run({ chat, session, user }, [query]) {
    const found = chat.history.search(session, user, query!);
    if (isError(found)) return found;
    session.reply("search", `${counted(found, "line")} found`, { count: found });
  },
};

/** The history commands. */
export const HISTORY_COMMANDS: Command[] = [history, search];
