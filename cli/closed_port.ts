/**
 * Under Deno, the one way the client learns that nothing listens on a
 * host's UDP port. Linux reports an ICMP port unreachable only to a
 * connected socket (or one with IP_RECVERR), and Deno 2.9 has neither:
 * its node:dgram `connect()` only remembers the address (every datagram
 * still leaves by `sendto`, seen with strace) and Deno.listenDatagram has
 * no connect. So one copy of a probe goes from a socket of our own,
 * connected through libc (Deno's FFI, with --allow-ffi), and the socket's
 * pending error (SO_ERROR) says whether the ICMP came back. Node needs none
 * of this: its connected dgram sockets report ECONNREFUSED themselves.
 *
 * Linux only (the constants below are Linux's on x86 and ARM); elsewhere,
 * or without --allow-ffi, a closed port reads as silence.
 *
 * @module
 */

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_ERROR = 4;
const ECONNREFUSED = 111;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  close: { parameters: ["i32"], result: "i32" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | null | undefined;

/** libc through FFI, or null where it cannot be had (asked once). */
function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.build.os !== "linux") return libc;
  // querySync never prompts: without --allow-ffi, do without.
  if (deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return libc;
  }
  try {
    libc = deno.dlopen("libc.so.6", SYMBOLS).symbols;
  } catch {
    // Not glibc (musl names it otherwise): do without.
  }
  return libc;
}

/** A connected socket that sent one datagram; ask it whether ICMP came back. */
export interface ClosedPortCheck {
  /** True once the kernel reported ICMP port unreachable (then stays true). */
  refused(): boolean;
  close(): void;
}

/**
 * Send `packet` to `address` `port` from a new connected socket (bound to
 * `source` if given). Null where this cannot be done (see the module
 * comment), and for a scoped IPv6 address (`fe80::1%eth0`).
 */
export function sendConnected(
  packet: Uint8Array,
  address: string,
  port: number,
  family: 4 | 6,
  source?: string,
): ClosedPortCheck | null {
  const c = openLibc();
  if (c === null || address.includes("%") || source?.includes("%")) {
    return null;
  }
  const to = sockaddr(c, family, address, port);
  const from = source === undefined ? null : sockaddr(c, family, source, 0);
  if (to === null || (source !== undefined && from === null)) return null;
  const af = family === 4 ? AF_INET : AF_INET6;
  const fd = c.socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return null;
  const ok = (from === null || c.bind(fd, from, from.length) === 0) &&
    c.connect(fd, to, to.length) === 0 &&
    c.send(fd, packet, BigInt(packet.length), 0) === BigInt(packet.length);
  if (!ok) {
    c.close(fd);
    return null;
  }
  let refused = false;
  let open = true;
  return {
    refused() {
      if (refused || !open) return refused;
      const error = new Int32Array(1);
      const length = new Uint32Array([4]);
      if (c.getsockopt(fd, SOL_SOCKET, SO_ERROR, error, length) === 0) {
        refused = error[0] === ECONNREFUSED;
      }
      return refused;
    },
    close() {
      if (open) c.close(fd);
      open = false;
    },
  };
}

/** A sockaddr_in / sockaddr_in6 for `address` (parsed by inet_pton). */
function sockaddr(
  c: Libc,
  family: 4 | 6,
  address: string,
  port: number,
): Uint8Array | null {
  const raw = new Uint8Array(16);
  const text = new TextEncoder().encode(address + "\0");
  if (c.inet_pton(family === 4 ? AF_INET : AF_INET6, text, raw) !== 1) {
    return null;
  }
  const size = family === 4 ? 16 : 28;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  // sa_family is in the machine's byte order, the port in network order.
  view.setUint16(0, family === 4 ? AF_INET : AF_INET6, LITTLE_ENDIAN);
  view.setUint16(2, port, false);
  if (family === 4) bytes.set(raw.subarray(0, 4), 4);
  else bytes.set(raw, 8); // after sin6_flowinfo; sin6_scope_id stays 0
  return bytes;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
