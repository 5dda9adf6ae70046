/**
 * The epoll transport (Linux; `--io epoll`, which needs `--allow-ffi`): the TCP transport's work
 * done with the kernel's own socket calls through Deno's FFI, as a C server does it. One
 * `epoll_wait` tells which sockets are readable; they are read into one shared buffer and written
 * with `send(2)` at once, so a connection holds no pending read, no promise and no buffer of its own
 * while it is idle, and a write costs a system call, not a runtime operation.
 *
 * @module
 */

import { isIP } from "node:net";
import type { Chat } from "../chat.ts";
import { type Connection, writeAll } from "../connection.ts";
import { WriteScheduler } from "../send_queue.ts";
import type { Session } from "../session.ts";
import { LineInput, telnetEcho } from "./line_connection.ts";
import { admit, nextAcceptBackoff, peerOf, type Transport } from "./transport.ts";

/** Bytes read from a socket at once, into a buffer all connections share. */
const READ_BUFFER = 64 * 1024;
const READ_BUFFER_SIZE = BigInt(READ_BUFFER);
/**
 * An `epoll_wait` that took this long (ms) found the server idle: its pass's output is written at
 * once. Shorter means the events were waiting already — the server is busy — and writes go in
 * paced rounds. Well above the call's own round trip through Deno's thread pool (~0.05 ms).
 */
const IDLE_BEFORE_PASS_MS = 1;
/** Events taken from one `epoll_wait`; reads per readable socket per pass; accepts per pass. */
const MAX_EVENTS = 1024;
const READS_PER_EVENT = 4;
const ACCEPTS_PER_EVENT = 256;
const LISTEN_BACKLOG = 4096;

// Linux's values (the same on x86_64 and aarch64).
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_KEEPALIVE = 9;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
const MSG_NOSIGNAL = 0x4000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_MOD = 3;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLLERR = 0x8;
const EPOLLHUP = 0x10;
const EINTR = 4;
const EAGAIN = 11;
const ECONNABORTED = 103;
const ECONNRESET = 104;
const EPIPE = 32;
const EADDRINUSE = 98;
const EADDRNOTAVAIL = 99;
const EACCES = 13;
/** `struct epoll_event` is packed on x86_64 (12 bytes); elsewhere its u64 is 8-aligned. */
const EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
const EVENT_DATA = Deno.build.arch === "x86_64" ? 4 : 8;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  // Blocks on one of Deno's threads; the event loop runs on meanwhile.
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
  // errno is read by copying it into a buffer of ours: a pointer view would need FFI permission
  // for any library, not just the C library's file that `deno task server` grants.
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** The error numbers a caller may tell apart, as Deno's own error classes. */
const ERRORS: Record<number, [new (message: string) => Error, string]> = {
  [EADDRINUSE]: [Deno.errors.AddrInUse, "address in use"],
  [EADDRNOTAVAIL]: [Deno.errors.AddrNotAvailable, "address not available"],
  [EACCES]: [Deno.errors.PermissionDenied, "permission denied"],
  [ECONNRESET]: [Deno.errors.ConnectionReset, "connection reset"],
  [EPIPE]: [Deno.errors.BrokenPipe, "broken pipe"],
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Where the C library is, by absolute path: `deno task server` grants `--allow-ffi` for
 * these files only (docs/security.md), so the driver must open one of them by that path.
 */
export const LIBC_PATHS: readonly string[] = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
  "/usr/lib64/libc.so.6",
  "/lib64/libc.so.6",
  "/usr/lib/libc.so.6",
];

/** The first of {@link LIBC_PATHS} that exists, if any. */
function findLibc(): string | undefined {
  for (const path of LIBC_PATHS) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here (or not readable: the same to us)
    }
  }
  return undefined;
}

function libcPath(): string {
  const path = findLibc();
  if (path === undefined) {
    throw new Error(`--io epoll needs the C library at one of ${LIBC_PATHS.join(", ")}`);
  }
  return path;
}

/**
 * Why the epoll driver cannot serve `host` here, or null if it can: what `--io auto` decides by.
 * It asks for no permission (a server without `--allow-ffi` falls back to Deno's sockets).
 *
 * @example
 * ```ts
 * const why = epollUnavailable("::");
 * console.log(why ?? "epoll"); // e.g. "no FFI permission for /lib/x86_64-linux-gnu/libc.so.6"
 * ```
 */
export function epollUnavailable(host: string): string | null {
  if (Deno.build.os !== "linux") return `epoll is Linux's (this is ${Deno.build.os})`;
  // What the listener takes: an IP address (IPv6 perhaps in brackets), or localhost.
  if (host !== "localhost" && isIP(host.replace(/^\[|\]$/g, "")) === 0) {
    return `--host "${host}" is not an IP address`;
  }
  const libc = findLibc();
  if (libc === undefined) return `no C library at ${LIBC_PATHS.join(", ")}`;
  const ffi = Deno.permissions.querySync({ name: "ffi", path: libc });
  return ffi.state === "granted" ? null : `no FFI permission for ${libc}`;
}

/** libc, opened once per listener and closed with it. */
class System {
  readonly lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly c: Libc;
  readonly #errnoAt: Deno.PointerObject;
  readonly #errno = new Int32Array(1);

  constructor() {
    this.lib = Deno.dlopen(libcPath(), SYMBOLS);
    this.c = this.lib.symbols;
    // errno is thread-local; every synchronous call runs on this (the JavaScript) thread.
    this.#errnoAt = this.c.__errno_location()!;
  }

  /** The error number of the last failed synchronous call. */
  get errno(): number {
    this.c.memcpy(this.#errno, this.#errnoAt, 4n);
    return this.#errno[0]!;
  }

  /** An Error for the last failed call, named and worded like Deno's own ("os error N"). */
  error(what: string, errno = this.errno): Error {
    const known = ERRORS[errno];
    const message = `${what}: ${known?.[1] ?? "failed"} (os error ${errno})`;
    return known ? new known[0](message) : new Error(message);
  }

  /**
   * Closes a file descriptor; false (errno says why) if the kernel reported an error. For a socket
   * that is only EBADF (closed twice: a bug) or EINTR (closed all the same).
   */
  closeFd(fd: number): boolean {
    return this.c.close(fd) === 0;
  }

  /** Sets a socket option; false (errno says why) when the kernel refused it. */
  setOption(fd: number, level: number, option: number, value: number): boolean {
    return this.c.setsockopt(fd, level, option, new Int32Array([value]), 4) === 0;
  }

  /** The `struct sockaddr` of `host:port`, or null if host is not an IP address. */
  sockaddr(host: string, port: number): Uint8Array | null {
    const text = encoder.encode(host.replace(/^\[|\]$/g, "") + "\0");
    const v6 = host.includes(":");
    const addr = new Uint8Array(v6 ? 28 : 16);
    const view = new DataView(addr.buffer);
    view.setUint16(0, v6 ? AF_INET6 : AF_INET, true);
    view.setUint16(2, port, false);
    if (this.c.inet_pton(v6 ? AF_INET6 : AF_INET, text, addr.subarray(v6 ? 8 : 4)) !== 1) {
      return null;
    }
    return addr;
  }

  /** `{hostname, port}` of a `struct sockaddr`. */
  address(addr: Uint8Array): Deno.NetAddr {
    const view = new DataView(addr.buffer, addr.byteOffset);
    const family = view.getUint16(0, true);
    const port = view.getUint16(2, false);
    const text = new Uint8Array(64);
    const v6 = family === AF_INET6;
    if (
      this.c.inet_ntop(v6 ? AF_INET6 : AF_INET, addr.subarray(v6 ? 8 : 4), text, text.length) ===
        null
    ) {
      throw this.error("inet_ntop");
    }
    const hostname = decoder.decode(text.subarray(0, text.indexOf(0)));
    return { transport: "tcp", hostname, port };
  }
}

/**
 * A listening socket for {@link EpollTransport}.
 *
 * @example
 * ```ts
 * const listener = EpollListener.open("127.0.0.1", 0);
 * listener.addr.port; // the port picked
 * listener.close();
 * ```
 */
export class EpollListener {
  readonly sys: System;
  readonly fd: number;
  readonly addr: Deno.NetAddr;
  #closed = false;
  /** Set by the event loop serving it: what closing must wake. */
  onClose: (() => void) | null = null;

  private constructor(sys: System, fd: number, addr: Deno.NetAddr) {
    this.sys = sys;
    this.fd = fd;
    this.addr = addr;
  }

  /** Listens on `host:port` (an IPv4 or IPv6 address; `::` takes IPv4 as well). */
  static open(host: string, port: number): EpollListener {
    if (Deno.build.os !== "linux") {
      throw new Error(
        `--io epoll works on Linux only (this is ${Deno.build.os}); use --io runtime`,
      );
    }
    const sys = new System();
    try {
      const addr = sys.sockaddr(host === "localhost" ? "127.0.0.1" : host, port);
      if (addr === null) throw new TypeError(`--io epoll listens on an IP address, not "${host}"`);
      const v6 = addr.length === 28;
      const fd = sys.c.socket(
        v6 ? AF_INET6 : AF_INET,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
      );
      if (fd < 0) throw sys.error("socket");
      if (
        !sys.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) ||
        (v6 && !sys.setOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0))
      ) {
        const error = sys.error(`socket options for ${host}:${port}`);
        sys.c.close(fd);
        throw error;
      }
      if (sys.c.bind(fd, addr, addr.length) !== 0 || sys.c.listen(fd, LISTEN_BACKLOG) !== 0) {
        const error = sys.error(`listen on ${host}:${port}`);
        sys.c.close(fd);
        throw error;
      }
      const bound = new Uint8Array(28);
      if (sys.c.getsockname(fd, bound, new Uint32Array([bound.length])) !== 0) {
        const error = sys.error(`getsockname for ${host}:${port}`);
        sys.c.close(fd);
        throw error;
      }
      return new EpollListener(sys, fd, sys.address(bound));
    } catch (error) {
      sys.lib.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops accepting; connections already open are served until they end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closed = this.sys.closeFd(this.fd);
    const error = closed ? undefined : this.sys.error("close the listener");
    if (this.onClose) this.onClose();
    else this.sys.lib.close();
    if (error) throw error;
  }
}

/** One accepted socket as the chat's {@link Connection}. */
class EpollConnection implements Connection {
  readonly kind = "tcp";
  readonly presentation = "text";
  readonly fixedPresentation = false;
  session!: Session;
  input!: LineInput;
  #closed = false;
  #ended = false;
  #readPaused = false;
  #interest = EPOLLIN;
  #blocked: { bytes: Uint8Array; resolve: (n: number) => void; reject: (e: Error) => void } | null =
    null;

  constructor(
    readonly loop: EventLoop,
    readonly fd: number,
    readonly peer: string,
    readonly address: string,
  ) {}

  get scheduler(): WriteScheduler {
    return this.loop.scheduler;
  }

  send(bytes: Uint8Array): Promise<void> {
    return writeAll(this, bytes);
  }

  echo(visible: boolean): Uint8Array {
    return telnetEcho(visible);
  }

  /** Writes what the kernel takes now, or waits until the socket is writable. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("connection closed"));
    const n = this.#send(bytes);
    if (n >= 0) return Promise.resolve(n);
    if (n === -EAGAIN) {
      // The kernel's buffer is full: finish when the socket is writable again.
      return new Promise((resolve, reject) => {
        this.#blocked = { bytes, resolve, reject };
        this.#want(this.#interest | EPOLLOUT);
      });
    }
    return Promise.reject(this.loop.sys.error("write", -n));
  }

  /** Bytes sent, or minus the error number. */
  #send(bytes: Uint8Array): number {
    const sys = this.loop.sys;
    while (true) {
      const n = Number(sys.c.send(this.fd, bytes, BigInt(bytes.length), MSG_NOSIGNAL));
      if (n >= 0) return n;
      const errno = sys.errno;
      if (errno !== EINTR) return -errno;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing also takes it out of the epoll set.
    if (!this.loop.sys.closeFd(this.fd)) this.loop.failed("close", this.peer);
    this.loop.forget(this);
    const blocked = this.#blocked;
    this.#blocked = null;
    blocked?.reject(new Deno.errors.BadResource("connection closed"));
    this.#end("closed");
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Handles what epoll reported for this socket. */
  ready(events: number): void {
    if (this.#closed) return;
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) !== 0 && this.#blocked !== null) {
      const blocked = this.#blocked;
      const n = this.#send(blocked.bytes);
      if (n !== -EAGAIN) {
        this.#blocked = null;
        this.#want(this.#interest & ~EPOLLOUT);
        if (n >= 0) blocked.resolve(n);
        else blocked.reject(this.loop.sys.error("write", -n));
      }
    }
    // A hang-up or error is reported even while reading is paused: read to find out which.
    if (
      !this.#ended &&
      ((events & EPOLLIN) !== 0 && !this.#readPaused || (events & (EPOLLERR | EPOLLHUP)) !== 0)
    ) this.#read();
  }

  #read(): void {
    const sys = this.loop.sys;
    const buffer = this.loop.readBuffer;
    for (let i = 0; i < READS_PER_EVENT && !this.#ended; i++) {
      const n = Number(sys.c.recv(this.fd, buffer, READ_BUFFER_SIZE, 0));
      if (n > 0) {
        this.input.push(buffer.subarray(0, n));
        if (this.session.closed) return;
        if (this.session.backlogged) {
          this.#pauseReading();
          return;
        }
        if (n < buffer.length) return;
        continue;
      }
      if (n === 0) return this.#end("connection closed by peer");
      const errno = sys.errno;
      if (errno === EAGAIN) return;
      if (errno === EINTR) continue;
      return this.#end(
        errno === ECONNRESET ? "connection reset" : `read failed (os error ${errno})`,
      );
    }
  }

  /** Back-pressure: read no more until the lines already received have been handled. */
  #pauseReading(): void {
    this.#readPaused = true;
    this.#want(this.#interest & ~EPOLLIN);
    void this.session.belowBound().then(() => {
      if (this.#closed || this.#ended) return;
      this.#readPaused = false;
      this.#want(this.#interest | EPOLLIN);
    });
  }

  #want(interest: number): void {
    if (interest === this.#interest || this.#closed) return;
    this.#interest = interest;
    if (!this.loop.control(EPOLL_CTL_MOD, this.fd, interest)) {
      // The socket is no longer watchable (it should not happen): end the connection cleanly.
      this.#end(`epoll_ctl failed (os error ${this.loop.sys.errno})`);
    }
  }

  /** The other side is gone (or the session closed the connection): tell the chat once. */
  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#want(this.#interest & ~EPOLLIN);
    this.loop.chat.connectionClosed(this.session, reason);
    void this.session.queue.drained().then(() => this.close());
  }
}

/** The poll loop of one listener and its connections. */
class EventLoop {
  readonly sys: System;
  readonly readBuffer = new Uint8Array(READ_BUFFER);
  /** This driver's own write pacing, apart from the runtime transports'. */
  readonly scheduler = new WriteScheduler();
  readonly #epoll: number;
  readonly #wake: number;
  readonly #connections = new Map<number, EpollConnection>();
  readonly #event = new Uint8Array(EVENT_SIZE);
  readonly #eventView = new DataView(this.#event.buffer);
  #acceptBackoff = 0;
  #acceptTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly chat: Chat, readonly listener: EpollListener) {
    this.sys = listener.sys;
    this.#epoll = this.sys.c.epoll_create1(SOCK_CLOEXEC);
    this.#wake = this.sys.c.eventfd(0, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (this.#epoll < 0 || this.#wake < 0) throw this.sys.error("epoll");
    if (
      !this.control(EPOLL_CTL_ADD, this.#wake, EPOLLIN) ||
      !this.control(EPOLL_CTL_ADD, listener.fd, EPOLLIN)
    ) throw this.sys.error("epoll_ctl");
    listener.onClose = () => this.#poke();
  }

  /**
   * Adds, changes or removes a socket in the epoll set; false (errno says why) when the kernel
   * refused. Removing a socket already closed fails harmlessly (closing took it out).
   */
  control(op: number, fd: number, events: number): boolean {
    this.#eventView.setUint32(0, events, true);
    this.#eventView.setInt32(EVENT_DATA, fd, true);
    return this.sys.c.epoll_ctl(this.#epoll, op, fd, this.#event) === 0;
  }

  /** Called as a connection's socket closes, before its number can be reused. */
  forget(connection: EpollConnection): void {
    this.#connections.delete(connection.fd);
    if (this.listener.closed && this.#connections.size === 0) this.#poke();
  }

  /** Logs a libc call that failed where nothing else is to be done, with errno and context. */
  failed(call: string, peer?: string): void {
    this.chat.log("error", { ...(peer ? { peer } : {}), error: String(this.sys.error(call)) });
  }

  /** Wakes `epoll_wait` (the eventfd is in the set), so the loop sees the listener closed. */
  #poke(): void {
    if (this.sys.c.write(this.#wake, new BigUint64Array([1n]), 8n) !== 8n) {
      throw this.sys.error("wake the epoll loop");
    }
  }

  async run(): Promise<void> {
    const events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
    const view = new DataView(events.buffer);
    let failures = 0;
    while (!(this.listener.closed && this.#connections.size === 0)) {
      const asked = performance.now();
      const n = await this.sys.c.epoll_wait(this.#epoll, events, MAX_EVENTS, -1);
      const waited = performance.now() - asked >= IDLE_BEFORE_PASS_MS;
      if (n < 0) {
        // Only EINTR is expected; anything else would repeat, so give up after a few.
        if (++failures > 100) throw new Error("epoll_wait keeps failing");
        continue;
      }
      failures = 0;
      for (let i = 0; i < n; i++) {
        const flags = view.getUint32(i * EVENT_SIZE, true);
        const fd = view.getInt32(i * EVENT_SIZE + EVENT_DATA, true);
        // A closed listener's number may already belong to a new connection.
        const connection = this.#connections.get(fd);
        if (connection !== undefined) connection.ready(flags);
        else if (fd === this.#wake) this.#drainWake();
        else if (fd === this.listener.fd && !this.listener.closed) this.#acceptAll();
      }
      // Adaptive writes: a server that waited for this pass's events has time to spare, and its
      // lines leave now, one write per reader per pass; a busy one writes in paced rounds.
      this.scheduler.flush(waited);
    }
    clearTimeout(this.#acceptTimer);
    if (!this.sys.closeFd(this.#wake)) this.failed("close the eventfd");
    if (!this.sys.closeFd(this.#epoll)) this.failed("close the epoll set");
    this.sys.lib.close();
  }

  #drainWake(): void {
    const read = this.sys.c.read(this.#wake, new BigUint64Array(1), 8n);
    // EAGAIN: another pass has drained it already.
    if (read !== 8n && this.sys.errno !== EAGAIN) throw this.sys.error("read the eventfd");
  }

  #acceptAll(): void {
    const sys = this.sys;
    const addr = new Uint8Array(28);
    const length = new Uint32Array(1);
    for (let i = 0; i < ACCEPTS_PER_EVENT; i++) {
      length[0] = addr.length;
      const fd = sys.c.accept4(this.listener.fd, addr, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const errno = sys.errno;
        if (errno === EAGAIN) return;
        if (errno === EINTR || errno === ECONNABORTED) continue;
        // Out of file descriptors (EMFILE) or memory: serve who is here, accept again shortly.
        this.#acceptBackoff = nextAcceptBackoff(this.#acceptBackoff);
        this.chat.log("accept failed", {
          error: String(sys.error("accept", errno)),
          retryMs: this.#acceptBackoff,
        });
        if (!this.control(EPOLL_CTL_DEL, this.listener.fd, 0)) {
          this.failed("epoll_ctl (pause accepts)");
        }
        this.#acceptTimer = setTimeout(() => {
          if (this.listener.closed) return;
          if (!this.control(EPOLL_CTL_ADD, this.listener.fd, EPOLLIN)) {
            this.failed("epoll_ctl (resume accepts)");
          }
        }, this.#acceptBackoff);
        return;
      }
      this.#acceptBackoff = 0;
      this.#open(fd, sys.address(addr));
    }
  }

  #open(fd: number, remote: Deno.NetAddr): void {
    const { peer, address } = peerOf(remote);
    const connection = new EpollConnection(this, fd, peer, address);
    const admitted = admit(this.chat, connection);
    if ("refusal" in admitted) {
      const line = admitted.refusal;
      // A new socket takes a short line whole; if the peer is gone already, it goes unsaid.
      this.sys.c.send(fd, line, BigInt(line.length), MSG_NOSIGNAL);
      if (!this.sys.closeFd(fd)) this.failed("close", peer);
      return;
    }
    // These fail only if the peer is gone already: reading finds out and ends the connection.
    if (
      !this.sys.setOption(fd, IPPROTO_TCP, TCP_NODELAY, 1) ||
      !this.sys.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
    ) this.failed("setsockopt", peer);
    connection.session = admitted.session;
    connection.input = new LineInput(this.chat.config.maxLine, connection.session);
    this.#connections.set(fd, connection);
    if (!this.control(EPOLL_CTL_ADD, fd, EPOLLIN)) {
      // Never read, it would hang: end it now, saying why.
      this.chat.log("error", { peer, error: String(this.sys.error("epoll_ctl")) });
      connection.close();
    }
  }
}

/**
 * The TCP transport driven by epoll: the same line protocol as the TCP transport.
 *
 * @example
 * ```ts
 * import type { Chat } from "../chat.ts";
 *
 * declare const chat: Chat;
 *
 * const epoll = EpollTransport.listen("127.0.0.1", 0);
 * const serving = epoll.serve(chat);
 * // later: epoll.close(); await serving;
 * ```
 */
export class EpollTransport implements Transport {
  readonly kind = "tcp";

  private constructor(readonly listener: EpollListener) {}

  /** Listens on `host:port` (an IP address; port 0 picks a free one). */
  static listen(host: string, port: number): EpollTransport {
    return new EpollTransport(EpollListener.open(host, port));
  }

  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  /** Serves until the listener is closed and every connection has ended. */
  async serve(chat: Chat): Promise<void> {
    await new EventLoop(chat, this.listener).run();
  }

  close(): void {
    this.listener.close();
  }
}
