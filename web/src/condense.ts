/**
 * Enter and leave notices condensed: when several arrive one after another (a join storm, a
 * reconnecting crowd), they are shown as one line — `alice, bob and carol entered; dave left` —
 * that can be expanded, instead of a screenful.
 *
 * @module
 */

/** The notice kinds that are condensed. */
export const CONDENSED_KINDS: ReadonlySet<string> = new Set(["enter", "leave", "lost", "back"]);

/** The fewest notices in a row that are condensed. */
export const CONDENSE_FROM = 3;

/** What {@link condense} needs of a line. */
export interface Condensable {
  noticeKind?: string;
  user?: string;
}

/** A line as it is, or a run of condensed notices. */
export type Item<L> = { line: L } | { run: L[] };

/**
 * Groups runs of at least {@link CONDENSE_FROM} enter/leave/lost/back notices.
 *
 * @example
 * ```ts
 * condense([{ noticeKind: "enter", user: "a" }, { noticeKind: "enter", user: "b" },
 *   { noticeKind: "leave", user: "c" }]).length; // 1
 * ```
 */
export function condense<L extends Condensable>(lines: readonly L[]): Item<L>[] {
  const items: Item<L>[] = [];
  let run: L[] = [];
  const flush = () => {
    if (run.length >= CONDENSE_FROM) items.push({ run });
    else for (const line of run) items.push({ line });
    run = [];
  };
  for (const line of lines) {
    if (line.noticeKind !== undefined && CONDENSED_KINDS.has(line.noticeKind) && line.user) {
      run.push(line);
    } else {
      flush();
      items.push({ line });
    }
  }
  flush();
  return items;
}

const VERBS: Record<string, string> = {
  enter: "entered",
  leave: "left",
  lost: "lost their connection",
  back: "came back",
};

/**
 * The sentence for a condensed run: each kind once, with its names in order.
 *
 * @example
 * ```ts
 * summarise([{ noticeKind: "enter", user: "a" }, { noticeKind: "enter", user: "b" },
 *   { noticeKind: "leave", user: "c" }]); // "a and b entered; c left"
 * ```
 */
export function summarise(run: readonly Condensable[]): string {
  const byKind = new Map<string, string[]>();
  for (const line of run) {
    const names = byKind.get(line.noticeKind!) ?? [];
    if (!names.includes(line.user!)) names.push(line.user!);
    byKind.set(line.noticeKind!, names);
  }
  const parts: string[] = [];
  for (const [kind, names] of byKind) parts.push(`${nameList(names)} ${VERBS[kind] ?? kind}`);
  return parts.join("; ");
}

function nameList(names: string[]): string {
  if (names.length > 6) return `${names.slice(0, 5).join(", ")} and ${names.length - 5} others`;
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
