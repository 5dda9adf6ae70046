/**
 * A hook that re-renders a component whenever the web client changes.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import type { WebClient } from "./client.ts";

/** Subscribes the calling component to the client's changes; returns the client's version. */
export function useClient(client: WebClient): number {
  const [, setVersion] = useState(client.version);
  useEffect(() => client.subscribe(() => setVersion(client.version)), [client]);
  return client.version;
}
