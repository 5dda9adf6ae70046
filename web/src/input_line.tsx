/**
 * The input line: Enter sends (one line is one command: the protocol has no multi-line
 * messages, so there is no Shift+Enter), Up and Down walk the lines sent before, Tab completes a
 * name or, after `/`, a command (and moves the focus as usual when there is nothing to complete).
 *
 * @module
 */

import { useEffect, useRef } from "preact/hooks";
import { commandWords } from "./commands.ts";
import { complete, type CompletionCycle, cycleNext } from "./completion.ts";
import { InputHistory } from "./history.ts";

export function InputLine(
  { label, names, disabled, onSend, focusKey }: {
    label: string;
    names: () => string[];
    disabled?: boolean;
    /** Returns false when the line was refused (it stays in the box). */
    onSend: (line: string) => boolean;
    /** Focus returns to the box when this changes (another conversation shown). */
    focusKey: string;
  },
) {
  const input = useRef<HTMLInputElement>(null);
  const history = useRef(new InputHistory());
  const cycle = useRef<CompletionCycle | undefined>(undefined);
  useEffect(() => {
    if (!matchMedia("(max-width: 700px)").matches) input.current?.focus();
  }, [focusKey]);
  const set = (text: string, cursor = text.length) => {
    const el = input.current!;
    el.value = text;
    el.setSelectionRange(cursor, cursor);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const el = input.current!;
    if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
      const next = cycle.current && cycleNext(cycle.current, el.value);
      if (next) {
        event.preventDefault();
        set(next.text, next.cursor);
        return;
      }
      const found = complete(
        el.value,
        el.selectionStart ?? el.value.length,
        names(),
        commandWords(),
      );
      if (found) {
        event.preventDefault();
        cycle.current = found.cycle;
        set(found.completed.text, found.completed.cursor);
      }
      return;
    }
    if (event.key === "ArrowUp" && !event.shiftKey) {
      const line = history.current.up(el.value);
      if (line !== undefined) {
        event.preventDefault();
        set(line);
      }
      return;
    }
    if (event.key === "ArrowDown" && !event.shiftKey) {
      const line = history.current.down();
      if (line !== undefined) {
        event.preventDefault();
        set(line);
      }
    }
  };
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const el = input.current!;
    const line = el.value;
    if (line.trim() === "") return;
    history.current.add(line);
    if (onSend(line)) el.value = "";
    cycle.current = undefined;
  };
  return (
    <form class="input-line" onSubmit={onSubmit}>
      <input
        ref={input}
        id="message-input"
        type="text"
        autocomplete="off"
        enterkeyhint="send"
        aria-label={label}
        placeholder={label}
        disabled={disabled}
        onKeyDown={onKeyDown}
        onInput={() => history.current.reset()}
      />
      <button type="submit" class="primary" disabled={disabled}>Send</button>
    </form>
  );
}
