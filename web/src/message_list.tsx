/**
 * The lines of a conversation: sender, time, message. Everything another user wrote is rendered
 * as text nodes (Preact escapes it); only http(s) addresses become links, with
 * `rel="noopener noreferrer"`. A name is coloured by its hash; one's own lines, mentions, server
 * notices and the page's own messages are styled apart; runs of enter/leave notices are condensed.
 *
 * @module
 */

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { clockTime } from "../../lib/shared/protocol.ts";
import { nameClass } from "./colour.ts";
import { condense, summarise } from "./condense.ts";
import { linkify, visibleText } from "./links.ts";
import type { Conversation, Line } from "./model.ts";

/**
 * A message's text with its links. The server's own replies (`multiline`: a `who` list, `help`)
 * keep their line breaks; anyone else's text is one line, its controls made visible.
 */
export function MessageText({ text, multiline = false }: { text: string; multiline?: boolean }) {
  const lines = multiline ? text.split("\n") : [text];
  return (
    <span class="text">
      {lines.flatMap((part, n) => [
        ...(n > 0 ? ["\n"] : []),
        ...linkify(visibleText(part)).map((piece, i) =>
          "href" in piece
            ? (
              <a key={`${n}.${i}`} href={piece.href} target="_blank" rel="noopener noreferrer">
                {piece.text}
              </a>
            )
            : piece.text
        ),
      ])}
    </span>
  );
}

function label(line: Line): string {
  switch (line.kind) {
    case "private":
      return line.offline ? " (offline)" : "";
    case "broadcast":
      return " (shout)";
    default:
      return "";
  }
}

function LineView(
  { line, onName }: { line: Line; onName: (name: string, anchor: HTMLElement) => void },
) {
  const classes = ["line", `kind-${line.kind}`];
  if (line.own) classes.push("own");
  if (line.mention) classes.push("mention");
  if (line.queued) classes.push("queued");
  if (line.noticeKind) classes.push(`notice-${line.noticeKind}`);
  const person = line.from !== "*" && line.from !== "!";
  const tag = label(line);
  return (
    <li class={classes.join(" ")} data-from={line.from}>
      {person
        ? (
          <button
            type="button"
            tabIndex={-1}
            class={`nick ${nameClass(line.from)}`}
            aria-haspopup="menu"
            onClick={(e) => onName(line.from, e.currentTarget as HTMLElement)}
          >
            {line.from}
          </button>
        )
        : (
          <span class={`nick ${line.from === "!" ? "nick-client" : "nick-server"}`}>
            {line.from}
          </span>
        )}
      {tag && <span class="label">{tag}</span>}{" "}
      <time dateTime={line.time.toISOString()}>{clockTime(line.time)}</time>{" "}
      <MessageText text={line.text} multiline={line.from === "*"} />
      {line.queued && <span class="label">(waiting to be sent)</span>}
    </li>
  );
}

function RunView(
  { run, onName }: { run: Line[]; onName: (name: string, anchor: HTMLElement) => void },
) {
  const [open, setOpen] = useState(false);
  const last = run.at(-1)!;
  return (
    <li class="line kind-notice condensed">
      <span class="nick nick-server">*</span>{" "}
      <time dateTime={last.time.toISOString()}>{clockTime(last.time)}</time>{" "}
      <span class="text">{summarise(run)}</span>{" "}
      <button
        type="button"
        class="link-button"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {open ? "hide" : `show ${run.length}`}
      </button>
      {open && (
        <ul class="run">
          {run.map((line) => <LineView key={line.id} line={line} onName={onName} />)}
        </ul>
      )}
    </li>
  );
}

export function MessageList(
  { conversation, isBlocked, onName }: {
    conversation: Conversation;
    isBlocked: (name: string) => boolean;
    onName: (name: string, anchor: HTMLElement) => void;
  },
) {
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lines = conversation.lines.filter((line) =>
    line.kind === "notice" || line.kind === "reply" || line.kind === "error" ||
    line.kind === "local" || line.own || !isBlocked(line.from)
  );
  const lastId = lines.at(-1)?.id;
  useLayoutEffect(() => {
    const el = list.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lastId, conversation.key]);
  useEffect(() => {
    atBottom.current = true;
  }, [conversation.key]);
  const onScroll = () => {
    const el = list.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  return (
    <div class="messages" ref={list} onScroll={onScroll} tabIndex={0} aria-label="Messages">
      <ol
        class="lines"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={`Messages in ${conversation.name}`}
      >
        {condense(lines).map((item) =>
          "line" in item
            ? <LineView key={item.line.id} line={item.line} onName={onName} />
            : <RunView key={item.run[0]!.id} run={item.run} onName={onName} />
        )}
      </ol>
    </div>
  );
}
