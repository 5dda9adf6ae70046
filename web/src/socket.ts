/**
 * Carries out the connection state machine's effects in the browser: one WebSocket to `/ws` on
 * the page's own host, one timer, and the browser's `online`/`offline` events. Each WebSocket
 * message holds one or more JSON lines (docs/protocol.md), split here and parsed with the shared
 * protocol's parser.
 *
 * @module
 */

import { parseWireEvent } from "../../lib/shared/protocol.ts";
import type { Connection, Effect, Input } from "./connection.ts";

/** The WebSocket address for the page's own server. */
export function socketUrl(location: Location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/** Runs a {@link Connection} over a browser WebSocket. */
export class SocketDriver {
  #socket: WebSocket | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly url: string,
    readonly machine: Connection,
    /** Receives every effect that is not about the socket or the timer. */
    readonly onEffect: (effect: Effect) => void,
  ) {
    globalThis.addEventListener("online", () => this.input({ type: "online" }));
    globalThis.addEventListener("offline", () => this.input({ type: "offline" }));
  }

  /** Feeds one input to the machine and carries out what it says. */
  input(input: Input): void {
    this.run(this.machine.handle(input));
  }

  /** Carries out effects. */
  run(effects: Effect[]): void {
    for (const effect of effects) this.#do(effect);
  }

  #do(effect: Effect): void {
    switch (effect.type) {
      case "open":
        this.#open();
        return;
      case "close":
        this.#socket?.close(1000);
        return;
      case "send":
        if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(effect.line);
        return;
      case "timer":
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.input({ type: "timer" }), effect.ms);
        return;
      case "cancel-timer":
        clearTimeout(this.#timer);
        this.#timer = undefined;
        return;
      default:
        this.onEffect(effect);
    }
  }

  #open(): void {
    const old = this.#socket;
    if (old) {
      old.onopen =
        old.onmessage =
        old.onclose =
        old.onerror =
          null;
      try {
        old.close();
      } catch {
        // already closed
      }
    }
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      queueMicrotask(() => this.input({ type: "closed", code: 1006, reason: "" }));
      return;
    }
    this.#socket = socket;
    socket.onopen = () => this.input({ type: "opened" });
    socket.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== "string") return;
      for (const line of message.data.split("\n")) {
        if (line === "") continue;
        const event = parseWireEvent(line);
        if (event) this.input({ type: "event", event });
      }
    };
    socket.onclose = (close: CloseEvent) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.input({ type: "closed", code: close.code, reason: close.reason });
    };
  }
}
