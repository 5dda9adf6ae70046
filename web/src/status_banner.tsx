/**
 * The connection's state in plain words, announced politely to screen readers: connecting, lost
 * and retrying in N seconds (with a button to try now), offline, taken over.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import type { ConnectionStatus } from "./connection.ts";

/** The sentence for a status, or undefined when all is well. */
export function statusText(status: ConnectionStatus, now: number): string | undefined {
  switch (status.phase) {
    case "connecting":
      return status.failures > 0 ? "Connecting to the server again…" : "Connecting to the server…";
    case "restoring":
      return "Connected again: logging in and re-entering your rooms…";
    case "waiting": {
      const seconds = Math.max(0, Math.ceil(((status.retryAt ?? now) - now) / 1000));
      return `Not connected: ${status.reason ?? "the connection was lost"}. ` +
        `Trying again in ${seconds} s.`;
    }
    case "offline":
      return "You are offline. parley will reconnect when the network is back.";
    case "stopped":
      return `Disconnected: ${status.reason ?? "the session ended"}.`;
    default:
      return undefined;
  }
}

export function StatusBanner(
  { status, onRetry }: { status: ConnectionStatus; onRetry: () => void },
) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (status.phase !== "waiting") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [status.phase, status.retryAt]);
  const text = statusText(status, Math.max(now, Date.now() - 1000));
  const canRetry = status.phase === "waiting" || status.phase === "offline" ||
    status.phase === "stopped";
  return (
    <div
      class={`status-banner phase-${status.phase}${text ? "" : " empty"}`}
      role="status"
      aria-live="polite"
    >
      {text && <span class="status-text">{text}</span>}
      {text && status.queued > 0 && (
        <span class="status-queued">
          {` ${status.queued} line${status.queued === 1 ? "" : "s"} waiting to be sent.`}
        </span>
      )}
      {text && canRetry && (
        <button type="button" class="link-button" onClick={onRetry}>
          {status.phase === "stopped" ? "Reconnect" : "Reconnect now"}
        </button>
      )}
    </div>
  );
}
