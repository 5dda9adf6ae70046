/**
 * A load-generator process: holds many client connections to the server under test, sends room
 * messages on an open-loop schedule and measures one-way latency of every delivery.
 *
 * Driven by the coordinator over stdin/stdout (see `worker_protocol.ts`). Built to cost little per
 * delivered line: each connection reads into its own buffer in batches, lines are split at the
 * byte level, and a room message is recognised and timed from its last 17 bytes without decoding.
 * Over WebSocket the frame headers are first cut out of the buffer in place (`ws_frames.ts`), and
 * the lines the frames carry are then read the same way.
 *
 * @module
 */

import process from "node:process";
import { calibrateClock, nowUs } from "./clock.ts";
import { type Driver, driverFor } from "./drivers.ts";
import { Histogram } from "./histogram.ts";
import { findLineFeed, findTimedText, MARK, readDigits, ScanBuffer } from "./line_scan.ts";
import type {
  Account,
  CollectResult,
  ConnectRequest,
  ConnectResult,
  PollResult,
  RepairRequest,
  RepairResult,
  StepRequest,
  StepResult,
  WorkerRequest,
  WorkerResult,
} from "./worker_protocol.ts";
import { readJsonLines } from "./worker_protocol.ts";
import {
  clientFrame,
  CLOSE,
  FrameReader,
  handshakeKey,
  maskPayload,
  PING,
  PONG,
  TEXT,
  unmaskedClientFrame,
  upgradeAnswer,
  upgradeRequest,
} from "./ws_frames.ts";

const CR = 13;
const DIGITS = 16;
const MAX_READ_BUFFER = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type ClientState = "new" | "setup" | "ready" | "closed";

/** One simulated user. */
class Client {
  conn: Deno.TcpConn | undefined;
  state: ClientState = "new";
  buf: ScanBuffer;
  progress = { value: 0 };
  /** Chunks waiting for the write in flight to finish. */
  pending: Uint8Array[] = [];
  pendingBytes = 0;
  writing = false;
  closeReason = "";
  settle: ((error?: string) => void) | undefined;
  /** WebSocket: the server's `Sec-WebSocket-Accept` to expect, then the frame reader once upgraded. */
  accept = "";
  frames: FrameReader | undefined;
  readonly group: number;

  constructor(readonly account: Account, readBuffer: number, index: number) {
    this.group = index % TICK_GROUPS;
    this.buf = new ScanBuffer(readBuffer);
  }
}

let driver: Driver = driverFor("parley");
let host = "127.0.0.1";
let port = 0;
let readBufferSize = 16384;
let batchReadMs = 0;
/**
 * While clients are still joining, every client already in the room reads in batches of at least
 * this many ms: an IRC join storm sends each member one line per later joiner (N²/2 lines), which
 * read one at a time would cost the load generator far more than the server.
 */
const SETUP_BATCH_MS = 100;
let settingUp = false;
// Batch readers wake in groups: one timer per group (a shared promise renewed each period), and
// groups drift apart, so the reads do not all land in one turn and delay the timing clients.
const TICK_GROUPS = 16;
const batchTicks: Array<Promise<void> | undefined> = new Array(TICK_GROUPS);
function nextBatchTick(group: number): Promise<void> {
  return batchTicks[group] ??= new Promise((resolve) =>
    setTimeout(() => {
      batchTicks[group] = undefined;
      resolve();
    }, settingUp ? Math.max(SETUP_BATCH_MS, batchReadMs) : batchReadMs)
  );
}
const clients: Client[] = [];
const dropReasons: string[] = [];
let dropped = 0;

// Counting window: deliveries whose embedded send time is in [windowStart, windowEnd).
let windowStart = Infinity;
let windowEnd = -Infinity;
let deliveries = 0;
let stale = 0;
let lastMessageUs = 0;
let lastReadUs = 0;
const latency = new Histogram();
let collectCpu0 = 0;
let collectWall0 = 0;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function queueWrite(client: Client, data: Uint8Array): void {
  if (client.state === "closed" || !client.conn) return;
  client.pending.push(data);
  client.pendingBytes += data.length;
  if (!client.writing) void pump(client);
}

/** Writes everything queued, one write in flight, coalescing what queues up meanwhile. */
async function pump(client: Client): Promise<void> {
  const conn = client.conn;
  if (!conn) return;
  client.writing = true;
  try {
    while (client.pending.length > 0) {
      let data: Uint8Array;
      if (client.pending.length === 1) data = client.pending[0]!;
      else {
        data = new Uint8Array(client.pendingBytes);
        let off = 0;
        for (const chunk of client.pending) {
          data.set(chunk, off);
          off += chunk.length;
        }
      }
      client.pending = [];
      client.pendingBytes = 0;
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
    }
  } catch (error) {
    drop(client, `write: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    client.writing = false;
  }
}

/** Sends protocol lines: as they are, or over WebSocket one text message each. */
function sendLines(client: Client, text: string): void {
  if (!driver.websocket) return queueWrite(client, encoder.encode(text));
  for (const line of text.split("\n")) {
    if (line) queueWrite(client, clientFrame(TEXT, encoder.encode(line)));
  }
}

function drop(client: Client, reason: string): void {
  if (client.state === "closed") return;
  const wasIn = client.state === "ready";
  client.state = "closed";
  client.closeReason = reason;
  client.pending = [];
  client.pendingBytes = 0;
  try {
    client.conn?.close();
  } catch {
    // already closed
  }
  if (wasIn) {
    dropped++;
    if (dropReasons.length < 5) dropReasons.push(`${client.account.name}: ${reason}`);
  }
  client.settle?.(reason);
}

/** Handles a line that is not a timed room message. */
function controlLine(client: Client, view: Uint8Array, start: number, end: number): void {
  if (client.state === "ready") {
    // Only keep-alives need an answer; skip decoding anything else (join storms are large).
    if (view[start] !== 80 /* P */) return;
    const answer = driver.answer(decoder.decode(view.subarray(start, end)));
    if (answer) sendLines(client, answer);
    return;
  }
  const step = driver.setupLine(decoder.decode(view.subarray(start, end)), client.progress);
  if (step.kind !== "failed" && step.send) sendLines(client, step.send);
  if (step.kind === "ready") {
    client.state = "ready";
    client.settle?.();
  } else if (step.kind === "failed") {
    drop(client, step.reason);
  }
}

/**
 * WebSocket: takes the bytes just read into `view[have, end)` (after `have` bytes of lines) and
 * returns where the stream of lines now ends, or -1 while the upgrade's answer is incomplete. Says
 * the hello once upgraded, answers pings, and drops the client at a close or a protocol error.
 */
function unframe(client: Client, view: Uint8Array, have: number, end: number): number {
  let from = have;
  if (!client.frames) {
    const body = upgradeAnswer(view, end, client.accept);
    if (typeof body === "string") {
      drop(client, body);
      return -1;
    }
    if (body < 0) return -1;
    view.copyWithin(0, body, end);
    end -= body;
    from = 0;
    client.frames = new FrameReader();
    sendLines(client, driver.hello(client.account.name, client.account.password));
  }
  const frames = client.frames;
  const streamEnd = frames.deframe(view, from, end);
  if (frames.error) drop(client, frames.error);
  for (const frame of frames.controls.splice(0)) {
    if (frame.opcode === PING) queueWrite(client, clientFrame(PONG, frame.payload));
    else if (frame.opcode === CLOSE) {
      const code = frame.payload.length >= 2 ? (frame.payload[0]! << 8) | frame.payload[1]! : 1005;
      drop(
        client,
        `server closed the WebSocket (${code} ${decoder.decode(frame.payload.slice(2))})`,
      );
    }
  }
  return streamEnd;
}

async function readLoop(client: Client): Promise<void> {
  const conn = client.conn!;
  const json = driver.jsonMessages;
  // Bytes between a message's text and its line end: 0, or in JSON as on this connection's last
  // message (the fields after the text, an id and the time, rarely change length).
  let suffix = 0;
  let have = 0;
  try {
    for (;;) {
      const buf = client.buf;
      if (have === buf.bytes.length) {
        if (buf.bytes.length >= MAX_READ_BUFFER) throw new Error("line longer than 1 MiB");
        buf.grow();
      }
      const n = await conn.read(buf.bytes.subarray(have));
      if (n === null) break;
      let end = have + n;
      const view = buf.bytes;
      if (driver.websocket) {
        const streamEnd = unframe(client, view, have, end);
        if (client.state === "closed") return;
        if (streamEnd < 0) {
          have = end;
          continue;
        }
        end = streamEnd;
      }
      const now = nowUs();
      // Keep-alive frames alone (nothing added to the stream) are not traffic.
      if (end > have) lastReadUs = now;
      const measure = client.account.measure;
      let start = 0;
      for (;;) {
        const nl = findLineFeed(buf, start, end);
        if (nl < 0) break;
        let e = nl;
        if (e > start && view[e - 1] === CR) e--;
        const mark = e - suffix - DIGITS - 1;
        let sent = mark >= start && view[mark] === MARK ? readDigits(view, mark + 1, DIGITS) : -1;
        if (sent < 0 && json) {
          const quote = findTimedText(view, start, e, DIGITS);
          if (quote >= 0) {
            suffix = e - quote;
            sent = readDigits(view, quote - DIGITS, DIGITS);
          }
        }
        if (sent >= 0) {
          if (sent >= windowStart && sent < windowEnd) {
            deliveries++;
            if (measure) latency.record(now - sent);
          } else {
            stale++;
          }
          lastMessageUs = now;
        } else if (e > start || client.state !== "ready") {
          controlLine(client, view, start, e);
          if (client.state === "closed") return;
        }
        start = nl + 1;
      }
      if (start < end) view.copyWithin(0, start, end);
      have = end - start;
      // A batch reader that got less than a full buffer lets lines pile up in the kernel for a
      // while; one read then carries many (it is not timing them).
      if (
        (settingUp || (!measure && batchReadMs > 0)) && client.state === "ready" &&
        n < view.length / 2
      ) {
        await nextBatchTick(client.group);
      }
    }
    drop(client, "server closed the connection");
  } catch (error) {
    drop(client, `read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Connects one client and resolves when it is in the room (or failed / timed out). */
function setUp(client: Client, timeoutMs: number): Promise<string | undefined> {
  client.state = "setup";
  client.progress = { value: 0 };
  client.pending = [];
  client.pendingBytes = 0;
  client.writing = false;
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => drop(client, `not in the room after ${timeoutMs} ms`),
      timeoutMs,
    );
    client.settle = (error) => {
      clearTimeout(timer);
      client.settle = undefined;
      resolve(error);
    };
    Deno.connect({ hostname: host, port }).then((conn) => {
      if (client.state === "closed") {
        conn.close();
        return;
      }
      conn.setNoDelay(true);
      client.conn = conn;
      void readLoop(client);
      if (driver.websocket) {
        // The hello follows the upgrade's answer (see unframe).
        const { key, accept } = handshakeKey();
        client.accept = accept;
        client.frames = undefined;
        queueWrite(client, upgradeRequest(host, port, key));
      } else {
        sendLines(client, driver.hello(client.account.name, client.account.password));
      }
    }, (error) => drop(client, `connect: ${error instanceof Error ? error.message : error}`));
  });
}

/** Sets up clients `concurrency` at a time. */
async function setUpAll(
  list: Client[],
  concurrency: number,
  timeoutMs: number,
  totalMs = timeoutMs * 3,
): Promise<{ ready: number; failed: number; errors: string[] }> {
  const deadline = performance.now() + totalMs;
  let next = 0;
  let ready = 0;
  let failed = 0;
  const errors: string[] = [];
  const lane = async () => {
    while (next < list.length) {
      const client = list[next++]!;
      if (performance.now() > deadline) {
        failed++;
        if (errors.length < 5) {
          errors.push(`${client.account.name}: not tried, set-up took too long`);
        }
        continue;
      }
      const error = await setUp(client, timeoutMs);
      if (error === undefined) ready++;
      else {
        failed++;
        if (errors.length < 5) errors.push(`${client.account.name}: ${error}`);
      }
    }
  };
  const lanes = [];
  for (let i = 0; i < Math.max(1, Math.min(concurrency, list.length)); i++) lanes.push(lane());
  await Promise.all(lanes);
  return { ready, failed, errors };
}

async function connect(request: ConnectRequest): Promise<ConnectResult> {
  driver = driverFor(request.protocol);
  host = request.host;
  port = request.port;
  readBufferSize = request.readBuffer;
  batchReadMs = request.batchReadMs;
  const start = performance.now();
  const fresh = request.accounts.map((a, i) => new Client(a, readBufferSize, clients.length + i));
  clients.push(...fresh);
  settingUp = true;
  try {
    const outcome = await setUpAll(
      fresh,
      request.concurrency,
      request.timeoutMs,
      request.totalTimeoutMs,
    );
    return { op: "connect", id: request.id, ...outcome, ms: performance.now() - start };
  } finally {
    settingUp = false;
  }
}

/**
 * What a sender writes for one message, with the send time's digits to fill in ending at
 * `digitsEnd`; over WebSocket a frame whose payload (from `maskFrom`) is masked once they are in.
 */
function messageTemplate(
  length: number,
): { bytes: Uint8Array; digitsEnd: number; maskFrom: number } {
  const text = "m" + "x".repeat(Math.max(0, length - DIGITS - 2)) + "T" + "0".repeat(DIGITS);
  const line = encoder.encode(driver.messagePrefix + text + driver.lineEnd);
  if (!driver.websocket) {
    return { bytes: line, digitsEnd: line.length - driver.lineEnd.length, maskFrom: -1 };
  }
  const frame = unmaskedClientFrame(TEXT, line);
  return { bytes: frame, digitsEnd: frame.length, maskFrom: frame.length - line.length };
}

/** Writes `value` as 16 decimal digits ending just before `end`. */
function putDigits(bytes: Uint8Array, end: number, value: number): void {
  let v = Math.round(value);
  for (let i = end - 1; i >= end - DIGITS; i--) {
    const d = v % 10;
    bytes[i] = 48 + d;
    v = (v - d) / 10;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function step(request: StepRequest): Promise<StepResult> {
  windowStart = request.startUs;
  windowEnd = request.startUs + request.durationMs * 1000;
  deliveries = 0;
  stale = 0;
  latency.reset();
  collectCpu0 = cpuMicros();
  collectWall0 = performance.now();

  const { bytes: template, digitsEnd, maskFrom } = messageTemplate(request.messageBytes);
  const senders = new Map<number, Client>();
  for (const { sender, client } of request.mySenders) {
    const c = clients[client];
    if (c) senders.set(sender, c);
  }
  const lag = new Histogram();
  const total = Math.round(request.rate * request.durationMs / 1000);
  const interval = 1e6 / request.rate;
  // A batch per sender per tick: one write carries every message due on that sender.
  const batches = new Map<Client, number[]>();
  let sent = 0;
  let cpu0 = 0;
  let wall0 = 0;
  const giveUpAt = windowEnd + 30_000_000;
  for (let k = 0; k < total;) {
    const now = nowUs();
    if (now > giveUpAt) break;
    if (cpu0 === 0 && now >= request.startUs) {
      cpu0 = cpuMicros();
      wall0 = performance.now();
    }
    const due = Math.min(total, Math.floor((now - request.startUs) / interval) + 1);
    for (; k < due; k++) {
      const sender = senders.get(k % request.senders);
      if (!sender) continue;
      lag.record(now - (request.startUs + k * interval));
      let list = batches.get(sender);
      if (!list) batches.set(sender, list = []);
      list.push(now);
    }
    for (const [client, times] of batches) {
      if (times.length === 0) continue;
      const out = new Uint8Array(template.length * times.length);
      for (let i = 0; i < times.length; i++) {
        const base = i * template.length;
        out.set(template, base);
        putDigits(out, base + digitsEnd, times[i]!);
        if (maskFrom >= 0) maskPayload(out, base + maskFrom, base + template.length);
      }
      sent += times.length;
      times.length = 0;
      queueWrite(client, out);
    }
    if (k >= total) break;
    const wait = (request.startUs + k * interval - nowUs()) / 1000;
    await sleep(Math.max(0, Math.min(wait, 1000)));
  }
  const cpu = wall0 === 0 ? 0 : (cpuMicros() - cpu0) / ((performance.now() - wall0) * 1000);
  let backlogBytes = 0;
  for (const c of senders.values()) backlogBytes += c.pendingBytes;
  return {
    op: "step",
    id: request.id,
    sent,
    lag: lag.toSparse(),
    lagMaxUs: lag.maxUs,
    cpu,
    backlogBytes,
  };
}

function aliveCount(): number {
  let n = 0;
  for (const c of clients) if (c.state === "ready") n++;
  return n;
}

function poll(id: number): PollResult {
  return { op: "poll", id, deliveries, lastMessageUs, lastReadUs, alive: aliveCount() };
}

function collect(id: number): CollectResult {
  const wall = (performance.now() - collectWall0) * 1000;
  const result: CollectResult = {
    op: "collect",
    id,
    deliveries,
    stale,
    latency: latency.toSparse(),
    latencyMaxUs: latency.maxUs,
    cpu: wall > 0 ? (cpuMicros() - collectCpu0) / wall : 0,
    alive: aliveCount(),
    dropped,
    dropReasons: dropReasons.splice(0),
  };
  windowStart = Infinity;
  windowEnd = -Infinity;
  deliveries = 0;
  stale = 0;
  dropped = 0;
  latency.reset();
  return result;
}

async function repair(request: RepairRequest): Promise<RepairResult> {
  const dead = clients.filter((c) => c.state === "closed");
  for (const c of dead) c.buf = new ScanBuffer(readBufferSize);
  const outcome = await setUpAll(dead, 64, request.timeoutMs);
  return { op: "repair", id: request.id, repaired: outcome.ready, failed: outcome.failed };
}

function closeAll(): void {
  for (const c of clients) {
    if (c.state !== "closed") {
      c.state = "closed";
      try {
        c.conn?.close();
      } catch {
        // already closed
      }
    }
  }
}

async function handle(request: WorkerRequest): Promise<WorkerResult> {
  switch (request.op) {
    case "connect":
      return await connect(request);
    case "step":
      return await step(request);
    case "poll":
      return poll(request.id);
    case "collect":
      return collect(request.id);
    case "repair":
      return await repair(request);
    case "close":
      closeAll();
      return { op: "close", id: request.id };
  }
}

async function main(): Promise<void> {
  calibrateClock();
  const writer = Deno.stdout.writable.getWriter();
  const answer = (result: WorkerResult) =>
    writer.write(encoder.encode(JSON.stringify(result) + "\n"));
  for await (const request of readJsonLines<WorkerRequest>(Deno.stdin.readable)) {
    handle(request).then(answer, (error) =>
      answer({
        op: "error",
        id: request.id,
        message: error instanceof Error ? error.stack ?? error.message : String(error),
      }));
    if (request.op === "close") break;
  }
  closeAll();
  await writer.close().catch(() => {});
  // Pending reads end with the closed connections; exit without waiting for stray timers.
  Deno.exit(0);
}

if (import.meta.main) await main();
