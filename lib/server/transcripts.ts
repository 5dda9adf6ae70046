/**
 * Transcripts: plain-text files a person or `grep` reads, beside the history database. Each room
 * has one file per UTC day (`rooms/<room>/YYYY-MM-DD.log`: time, sender, text; entries and exits
 * too) and each user an activity log (`users/<user>.log`: logins, logouts, room changes and the
 * commands that change state — never a password and never a private message's text). A day's file
 * past `--log-max-bytes` goes on in a numbered file (`YYYY-MM-DD.1.log`); files older than
 * `--log-keep-days` are compressed (gzip), and removed after `--log-archive-days`. SIGHUP reopens
 * the files, so `logrotate` works too. Names that are not safe as file names are encoded.
 *
 * Lines are written in batches (at most every {@link TRANSCRIPT_FLUSH_MS} ms), off the
 * per-message path.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { SECRET_DIR_MODE, SECRET_FILE_MODE } from "./secret_files.ts";

/** The most a transcript line waits before it is written. */
export const TRANSCRIPT_FLUSH_MS = 100;

/** How often old files are compressed and removed. */
const MAINTAIN_EVERY_MS = 3600_000;

/** The longest encoded name used as a file or folder name. */
const MAX_NAME = 80;

/** Where transcripts go and how long they are kept. */
export interface TranscriptOptions {
  dir: string;
  maxBytes: number;
  keepDays: number;
  archiveDays: number;
  /** The clock (tests pass their own). */
  now?: () => Date;
  log?: (msg: string) => void;
}

/**
 * A name as a file name: letters, digits, `_` and `-` as they are, anything else (`.`, `/`, NUL,
 * spaces, non-ASCII) as `%XX` of its UTF-8 bytes; a long name is cut and given a hash of the
 * whole, so two long names never share a file.
 *
 * @example
 * ```ts
 * safeFileName("../etc"); // "%2E%2E%2Fetc"
 * safeFileName("my big topic"); // "my%20big%20topic"
 * ```
 */
export function safeFileName(name: string): string {
  let encoded = "";
  for (const byte of encoder.encode(name)) {
    const c = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (encoded === "") encoded = "%";
  if (encoded.length <= MAX_NAME) return encoded;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${encoded.slice(0, MAX_NAME - 17)}~${hash}`;
}

/** An open file and what has been written to it. */
interface OpenFile {
  file: Deno.FsFile;
  size: number;
}

/**
 * @example
 * ```ts
 * const transcripts = new Transcripts({ dir: "data/logs", maxBytes: 1 << 20, keepDays: 7, archiveDays: 90 });
 * transcripts.room("lobby", "alice", "hello");
 * await transcripts.close();
 * ```
 */
export class Transcripts {
  readonly #now: () => Date;
  readonly #log: (msg: string) => void;
  /** Lines waiting to be written, by the file they go to. */
  #pending = new Map<string, { lines: string[]; room?: { dir: string; day: string } }>();
  /** Open files by path: a room's current file, a user's log. */
  readonly #open = new Map<string, OpenFile>();
  /** A room folder's current file: its day and part number. */
  readonly #current = new Map<string, { day: string; part: number }>();
  /** A room's folder, by its name as said (encoding a name per line would cost every line). */
  readonly #roomDirs = new Map<string, string>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #maintainTimer: ReturnType<typeof setInterval> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(readonly options: TranscriptOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? console.error;
    Deno.mkdirSync(`${options.dir}/rooms`, { recursive: true, mode: SECRET_DIR_MODE });
    Deno.mkdirSync(`${options.dir}/users`, { recursive: true, mode: SECRET_DIR_MODE });
    this.#maintainTimer = setInterval(() => void this.maintain(), MAINTAIN_EVERY_MS);
    Deno.unrefTimer(this.#maintainTimer as unknown as number);
  }

  /** A room's line: time, sender (`*` for the server), text. */
  room(room: string, sender: string, text: string): void {
    const time = this.#now();
    let dir = this.#roomDirs.get(room);
    if (dir === undefined) {
      dir = `${this.options.dir}/rooms/${safeFileName(room.toLowerCase())}`;
      if (this.#roomDirs.size > 10_000) this.#roomDirs.clear(); // bounded
      this.#roomDirs.set(room, dir);
    }
    const day = time.toISOString().slice(0, 10);
    this.#add(`${dir}\n${day}`, `${time.toISOString()} ${sender} ${oneLine(text)}`, { dir, day });
  }

  /** A line of a user's activity log. */
  user(name: string, what: string): void {
    const time = this.#now();
    const path = `${this.options.dir}/users/${safeFileName(name.toLowerCase())}.log`;
    this.#add(path, `${time.toISOString()} ${oneLine(what)}`);
  }

  #add(key: string, line: string, room?: { dir: string; day: string }): void {
    if (this.#closed) return;
    let entry = this.#pending.get(key);
    if (entry === undefined) this.#pending.set(key, entry = { lines: [], room });
    entry.lines.push(line);
    this.#flushTimer ??= setTimeout(() => void this.flush(), TRANSCRIPT_FLUSH_MS);
  }

  /** Writes every waiting line (files are appended to, one write per file). */
  flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const pending = this.#pending;
    this.#pending = new Map();
    if (pending.size === 0) return this.#writing;
    // Writes run one batch at a time, in order.
    this.#writing = this.#writing.then(async () => {
      for (const [key, { lines, room }] of pending) {
        try {
          if (room) await this.#writeRoom(room.dir, room.day, lines);
          else await this.#append(key, lines.join("\n") + "\n");
        } catch (error) {
          this.#log(`transcript not written (${key.replace("\n", "/")}): ${String(error)}`);
        }
      }
    });
    return this.#writing;
  }

  /** Appends to a room's file of that day, going on in a numbered file past the size limit. */
  async #writeRoom(dir: string, day: string, lines: string[]): Promise<void> {
    let current = this.#current.get(dir);
    if (current === undefined || current.day !== day) {
      await Deno.mkdir(dir, { recursive: true, mode: SECRET_DIR_MODE });
      current = { day, part: await lastPart(dir, day) };
      this.#current.set(dir, current);
    }
    // One write per file, not per line: lines are gathered until the size limit starts a new part.
    let path = partPath(dir, day, current.part);
    let size = this.#open.get(path)?.size ?? await sizeOf(path);
    let chunk: string[] = [];
    for (const line of lines) {
      const bytes = byteLength(line) + 1;
      if (size > 0 && size + bytes > this.options.maxBytes) {
        if (chunk.length) await this.#append(path, chunk.join(""));
        chunk = [];
        this.#closeFile(path);
        current.part++;
        path = partPath(dir, day, current.part);
        size = 0;
      }
      chunk.push(line + "\n");
      size += bytes;
    }
    if (chunk.length) await this.#append(path, chunk.join(""));
  }

  async #append(path: string, text: string): Promise<void> {
    let open = this.#open.get(path);
    if (open === undefined) {
      const file = await Deno.open(path, { append: true, create: true, mode: SECRET_FILE_MODE });
      open = { file, size: (await file.stat()).size };
      this.#open.set(path, open);
    }
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += await open.file.write(bytes.subarray(written));
    open.size += bytes.length;
  }

  #closeFile(path: string): void {
    const open = this.#open.get(path);
    if (open === undefined) return;
    this.#open.delete(path);
    try {
      open.file.close();
    } catch {
      // already closed
    }
  }

  /** Closes every file; the next line opens it again (SIGHUP, after `logrotate` moved them). */
  async reopen(): Promise<void> {
    await this.flush();
    for (const path of [...this.#open.keys()]) this.#closeFile(path);
    this.#current.clear();
  }

  /**
   * Compresses room files older than `keepDays` (gzip, then the original is removed) and removes
   * compressed ones older than `archiveDays`; returns what it did.
   */
  async maintain(): Promise<{ compressed: number; removed: number }> {
    await this.flush();
    const today = Date.UTC(...dayParts(this.#now()));
    let compressed = 0;
    let removed = 0;
    const roomsDir = `${this.options.dir}/rooms`;
    for await (const room of Deno.readDir(roomsDir)) {
      if (!room.isDirectory) continue;
      const dir = `${roomsDir}/${room.name}`;
      for await (const entry of Deno.readDir(dir)) {
        const match = /^(\d{4})-(\d{2})-(\d{2})(?:\.\d+)?\.log(\.gz)?$/.exec(entry.name);
        if (!match) continue;
        const age = (today - Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!)) / 86_400_000;
        const path = `${dir}/${entry.name}`;
        try {
          if (match[4] && age > this.options.archiveDays) {
            await Deno.remove(path);
            removed++;
          } else if (!match[4] && age > this.options.keepDays) {
            this.#closeFile(path);
            await Deno.writeFile(`${path}.gz`, gzipSync(await Deno.readFile(path)), {
              mode: SECRET_FILE_MODE,
            });
            await Deno.remove(path);
            compressed++;
          }
        } catch (error) {
          this.#log(`transcript ${path} not archived: ${String(error)}`);
        }
      }
    }
    return { compressed, removed };
  }

  /** Writes what is waiting and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    clearInterval(this.#maintainTimer);
    for (const path of [...this.#open.keys()]) this.#closeFile(path);
  }
}

const encoder = new TextEncoder();
// deno-lint-ignore no-control-regex -- any ASCII character, controls included
const ASCII = /^[\x00-\x7f]*$/;

/** A string's length in UTF-8 bytes. */
function byteLength(text: string): number {
  // ASCII (most lines) is one byte a character; only other text needs encoding to count.
  return ASCII.test(text) ? text.length : encoder.encode(text).length;
}

function partPath(dir: string, day: string, part: number): string {
  return part === 0 ? `${dir}/${day}.log` : `${dir}/${day}.${part}.log`;
}

/** The highest part number of a day's files already there (0 for none or only the first). */
async function lastPart(dir: string, day: string): Promise<number> {
  let last = 0;
  for await (const entry of Deno.readDir(dir)) {
    const match = new RegExp(`^${day}\\.(\\d+)\\.log$`).exec(entry.name);
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

function dayParts(time: Date): [number, number, number] {
  return [time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()];
}

/** Text on one line (it is already sanitised; a line break would forge another entry). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
