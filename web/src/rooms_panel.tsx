/**
 * Joining and opening rooms: the open rooms (from `rooms`) to join, and a name to join, create (a
 * one-word room you lead, leaving your others) or start (a topic you lead, keeping your others).
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { RoomInfo } from "./model.ts";

export function RoomsPanel(
  { rooms, onCommand, onRefresh, onClose }: {
    rooms: RoomInfo[];
    onCommand: (line: string) => void;
    onRefresh: () => void;
    onClose: () => void;
  },
) {
  const [name, setName] = useState("");
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    onRefresh();
    field.current?.focus();
  }, []);
  const trimmed = name.trim();
  const oneWord = /^\S+$/.test(trimmed);
  const act = (command: string) => {
    if (!trimmed) return;
    onCommand(`${command} ${trimmed}`);
    onClose();
  };
  return (
    <section
      class="panel rooms-panel"
      aria-labelledby="rooms-heading"
      onKeyDown={(e) => e.key === "Escape" && onClose()}
    >
      <h2 id="rooms-heading">Rooms</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act("join");
        }}
      >
        <label for="room-name">Room name, number, or a topic</label>
        <input
          id="room-name"
          ref={field}
          value={name}
          maxLength={64}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <div class="buttons">
          <button type="submit" class="primary" disabled={!trimmed}>Join</button>
          <button type="button" disabled={!oneWord} onClick={() => act("create")}>
            Create (leave my rooms)
          </button>
          <button type="button" disabled={!trimmed} onClick={() => act("start")}>
            Start a topic
          </button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
      <h3>Open rooms</h3>
      <ul class="room-list">
        {rooms.map((room) => (
          <li key={room.id}>
            <button
              type="button"
              class="link-button"
              onClick={() => {
                onCommand(`join ${room.name}`);
                onClose();
              }}
            >
              #{room.id} {room.name}
            </button>{" "}
            <span class="room-meta">
              {room.members} member{room.members === 1 ? "" : "s"}
              {room.leader ? `, led by ${room.leader}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
