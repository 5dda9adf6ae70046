/**
 * A pair of honest users who keep chatting in their own room while a test attacks the server:
 * every line carries a sequence number and its send time, so the pair can tell whether any line
 * was lost or reordered and what latency they saw.
 *
 * @module
 */

import { hasUnsafeCharacters } from "../../lib/shared/sanitize.ts";
import { LineClient } from "./line_client.ts";

/** What a pair saw while chatting. */
export interface ChatReport {
  /** Lines sent, both directions together. */
  sent: number;
  received: number;
  lost: number;
  /** Lines that arrived after a later one from the same sender. */
  outOfOrder: number;
  /** Latency from send to receipt, milliseconds. */
  p50: number;
  p99: number;
  max: number;
  /** Every latency measured, in the order received. */
  latencies: number[];
  /** Events from other users (shouts, tells, other notices) the pair received meanwhile. */
  others: number;
  /** Texts of events from others that hold characters the server should have removed. */
  unsafe: string[];
}

/** How {@link WatcherPair.chat} runs. */
export interface ChatOptions {
  /** Pause between one pair of lines and the next (default 20 ms). */
  intervalMs?: number;
  /** How long to wait for the last lines after sending stops (default 5 s). */
  settleMs?: number;
  /** Called with every event from someone else the first user receives. */
  onOther?: (event: Record<string, unknown>) => void;
}

/** The value below which `p` (0..1) of the samples fall. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface Side {
  name: string;
  client: LineClient;
  sent: number;
  received: number;
  nextSeq: number;
  outOfOrder: number;
}

/**
 * @example
 * ```ts
 * await using pair = await WatcherPair.start(port, ["wa", "pw"], ["wb", "pw"], "watch");
 * const report = await pair.chat(5000);
 * assert.equal(report.lost, 0);
 * ```
 */
export class WatcherPair implements AsyncDisposable {
  readonly #a: Side;
  readonly #b: Side;

  private constructor(a: LineClient, aName: string, b: LineClient, bName: string) {
    const side = (name: string, client: LineClient): Side => ({
      name,
      client,
      sent: 0,
      received: 0,
      nextSeq: 0,
      outOfOrder: 0,
    });
    this.#a = side(aName, a);
    this.#b = side(bName, b);
  }

  /** Logs both in (JSON mode); the first creates `room` (or joins it if `join`), the second joins. */
  static async start(
    port: number,
    [aName, aPassword]: [string, string],
    [bName, bPassword]: [string, string],
    room: string,
    join = false,
  ): Promise<WatcherPair> {
    const a = await LineClient.json(port, aName, aPassword);
    const b = await LineClient.json(port, bName, bPassword).catch(async (error) => {
      await a.close();
      throw error;
    });
    const pair = new WatcherPair(a, aName, b, bName);
    try {
      for (const [client, command] of [[a, join ? "join" : "create"], [b, "join"]] as const) {
        const reply = await client.command(`${command} ${room}`);
        if (reply.type !== "reply") throw new Error(`${command} ${room}: ${reply.text}`);
      }
    } catch (error) {
      await pair.close();
      throw error;
    }
    return pair;
  }

  /** The two clients (to send them commands outside {@link chat}). */
  get clients(): [LineClient, LineClient] {
    return [this.#a.client, this.#b.client];
  }

  /**
   * Both users send a numbered line every `intervalMs` for `ms`, then wait (up to `settleMs`) for
   * the last lines to arrive. `onOther` sees every event from someone else that the first user
   * receives.
   */
  async chat(ms: number, options: ChatOptions = {}): Promise<ChatReport> {
    const { intervalMs = 20, settleMs = 5000, onOther } = options;
    for (const side of [this.#a, this.#b]) {
      side.sent =
        side.received =
        side.nextSeq =
        side.outOfOrder =
          0;
    }
    const latencies: number[] = [];
    const unsafe: string[] = [];
    let others = 0;
    const receive = (me: Side, partner: Side) =>
      me.client.waitFor((line) => {
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line);
        } catch {
          return false;
        }
        const text = typeof event.text === "string" ? event.text : "";
        if (event.type === "message" && event.from === partner.name && text.startsWith("w ")) {
          const [, seq, sentAt] = text.split(" ");
          if (seq === "end") return true;
          latencies.push(performance.now() - Number(sentAt));
          if (Number(seq) !== partner.nextSeq) me.outOfOrder++;
          partner.nextSeq = Number(seq) + 1;
          me.received++;
        } else if (event.from !== me.name && (event.from !== "*" || event.type === "notice")) {
          others++;
          if (hasUnsafeCharacters(text)) unsafe.push(text);
          if (me === this.#a) onOther?.(event);
        }
        return false;
      }, ms + settleMs).then(() => true, () => false);
    const receiving = [receive(this.#a, this.#b), receive(this.#b, this.#a)];
    const deadline = performance.now() + ms;
    for (let seq = 0; performance.now() < deadline; seq++) {
      for (const side of [this.#a, this.#b]) {
        await side.client.send(`w ${seq} ${performance.now().toFixed(3)}`);
        side.sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    for (const side of [this.#a, this.#b]) await side.client.send("w end 0");
    await Promise.all(receiving);
    const sent = this.#a.sent + this.#b.sent;
    const received = this.#a.received + this.#b.received;
    return {
      sent,
      received,
      lost: sent - received,
      outOfOrder: this.#a.outOfOrder + this.#b.outOfOrder,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.length ? Math.max(...latencies) : 0,
      latencies,
      others,
      unsafe,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#a.client.close(), this.#b.client.close()]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `12.3` for a latency in ms, for printed figures. */
export function ms(value: number): string {
  return value.toFixed(1);
}
