/**
 * UDP for the client: one socket per address family, shared by every host,
 * and replies handed to whoever waits for the nonce they echo. `node:dgram`
 * works in Deno with plain `--allow-net` and in Node, so the source, the
 * bundle and the standalone binary share this code.
 *
 * @module
 */

import type dgram from "node:dgram";
import { NONCE_LEN, OFF_NONCE } from "../core/constants.ts";
import { hex } from "../core/hex.ts";
import { mayUseNetwork } from "./runtime.ts";
import { isIP } from "./hosts.ts";
import type { ClosedPortCheck } from "./closed_port.ts";

/** Receive buffer asked for (bytes). */
const RECEIVE_BUFFER = 4 << 20;
/**
 * Deno's read buffer per datagram, asked for as a receive buffer (bytes):
 * Deno doubles it on Linux (as Linux does the kernel's), so 2 KiB.
 */
const DENO_READ_BUFFER = 1024;

const DONE = Promise.resolve();

/** A datagram that came back, and where from. */
export interface Datagram {
  packet: Uint8Array;
  address: string;
  port: number;
}

type Waiter = (datagram: Datagram) => boolean;

/** The machine itself failed us (no socket): exit status 3, not a host's fault. */
export class LocalFailure extends Error {
  override name = "LocalFailure";
}

/**
 * The client's sockets. A reply is routed by the nonce it echoes (a cheap
 * lookup, not yet trust: the waiter verifies the MAC); datagrams that match
 * no waiter are counted against their source address.
 */
export class Transport {
  /** By family (shared), or by "address port" (connected, under Node). */
  #sockets = new Map<string, Promise<dgram.Socket>>();
  #waiters = new Map<string, Waiter>();
  /** Unmatched or unverified datagrams, by "address port". */
  readonly ignored = new Map<string, number>();
  /**
   * Destinations that answered with ICMP port unreachable ("address
   * port"): nothing listens there. Only a connected socket learns of it:
   * under Node each destination gets one; under Deno, whose node:dgram
   * never connects, a destination silent after one copy gets a copy from
   * a connected socket of its own (`sendConnected`, closed_port.ts).
   */
  readonly unreachable = new Set<string>();
  /** The shared socket of each family, once open. */
  #open: { 4?: dgram.Socket; 6?: dgram.Socket } = {};
  /** Under Deno: the connected copies sent, by "address port". */
  #checks = new Map<string, ClosedPortCheck>();
  readonly #source?: string;

  /** `source`: the local address to send from (--source). */
  constructor(options: { source?: string } = {}) {
    this.#source = options.source;
  }

  /** Send one datagram (opens the family's socket on first use). */
  async send(packet: Uint8Array, address: string, port: number, family: 4 | 6) {
    if (this.#source !== undefined && isIP(this.#source) !== family) {
      throw new Error(
        `--source ${this.#source} cannot reach an IPv${family} address`,
      );
    }
    const connect = CONNECTED ? { address, port } : undefined;
    // The family's socket once open, without waiting on its promise again
    // (an await per datagram of a fleet run).
    const socket = (connect ? undefined : this.#open[family]) ??
      await this.#socket(family, connect);
    await new Promise<void>((resolve, reject) => {
      const done = (error: Error | null) => error ? reject(error) : resolve();
      if (connect) socket.send(packet, done);
      else socket.send(packet, port, address, done);
    });
  }

  /**
   * After silence: send `packet` once more from a socket connected to the
   * destination, so that an ICMP port unreachable can be seen (`isClosed`).
   * Under Deno only, and only with --allow-ffi (see closed_port.ts); Node's
   * sockets are connected already. One socket per silent destination,
   * until `release`.
   */
  async sendConnected(
    packet: Uint8Array,
    address: string,
    port: number,
    family: 4 | 6,
  ): Promise<void> {
    const id = `${address} ${port}`;
    if (CONNECTED || this.#checks.has(id)) return;
    const { sendConnected } = await import("./closed_port.ts");
    const check = sendConnected(packet, address, port, family, this.#source);
    if (check !== null) this.#checks.set(id, check);
  }

  /** Whether ICMP port unreachable came back: nothing listens there. */
  isClosed(address: string, port: number): boolean {
    const id = `${address} ${port}`;
    if (this.#checks.get(id)?.refused()) this.unreachable.add(id);
    return this.unreachable.has(id);
  }

  /** Done with a destination: close its connected socket, if it has one. */
  release(address: string, port: number): Promise<void> {
    const id = `${address} ${port}`;
    // Most destinations have none: no async call for them.
    if (!this.#checks.has(id) && !this.#sockets.has(id)) return DONE;
    return this.#release(id);
  }

  async #release(id: string): Promise<void> {
    this.#checks.get(id)?.close();
    this.#checks.delete(id);
    const pending = this.#sockets.get(id);
    if (pending === undefined) return;
    this.#sockets.delete(id);
    const socket = await pending.catch(() => null);
    await new Promise<void>((resolve) =>
      socket ? socket.close(resolve) : resolve()
    );
  }

  /**
   * Call `waiter` for replies echoing `nonce` until it returns true or the
   * returned function is called to stop waiting.
   */
  expect(nonce: Uint8Array, waiter: Waiter): () => void {
    const id = hex(nonce);
    this.#waiters.set(id, waiter);
    return () => this.#waiters.delete(id);
  }

  /** Close every socket. */
  async close(): Promise<void> {
    this.#open = {};
    for (const check of this.#checks.values()) check.close();
    this.#checks.clear();
    for (const pending of this.#sockets.values()) {
      const socket = await pending;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    this.#sockets.clear();
  }

  #socket(
    family: 4 | 6,
    connect?: { address: string; port: number },
  ): Promise<dgram.Socket> {
    const id = connect ? `${connect.address} ${connect.port}` : `${family}`;
    let pending = this.#sockets.get(id);
    if (pending === undefined) {
      pending = open(family, {
        onMessage: (datagram) => this.#receive(datagram),
        onUnreachable: () => this.unreachable.add(id),
        source: this.#source,
        connect,
      });
      this.#sockets.set(id, pending);
      if (!connect) {
        pending.then((socket) => this.#open[family] = socket, () => {});
      }
    }
    return pending;
  }

  #receive(datagram: Datagram): void {
    const { packet } = datagram;
    const id = packet.length >= OFF_NONCE + NONCE_LEN
      ? hex(packet.subarray(OFF_NONCE, OFF_NONCE + NONCE_LEN))
      : "";
    const waiter = this.#waiters.get(id);
    if (waiter?.(datagram)) return;
    const from = `${datagram.address} ${datagram.port}`;
    this.ignored.set(from, (this.ignored.get(from) ?? 0) + 1);
  }
}

/**
 * Hundreds of hosts in flight can answer faster than one event loop reads;
 * the default buffer (about 200 small datagrams) would drop acks and cost a
 * retry. The kernel caps the size at net.core.rmem_max; best effort. Not
 * under Deno: its node:dgram keeps the kernel's default buffer, and
 * allocates a read buffer of the size asked for, zeroed, for every
 * datagram it receives — 4 MiB per 56-byte reply (measured with
 * cli/bench_fleet.ts: 10,000 hosts took 17 s of CPU with it, 2.7 s
 * without). --concurrency's default stays below what the default buffer
 * holds.
 */
function enlargeReceiveBuffer(socket: dgram.Socket): void {
  if (!CONNECTED) {
    // Deno: the size asked for (doubled on Linux) is only the read buffer
    // it allocates per datagram, zeroed, 64 KiB unless told. 2 KiB holds
    // the longest reply (an output message, 1,082 bytes). 2 KiB instead
    // of 64 KiB cut the client's CPU for 10,000 hosts by about a fifth
    // (cli/bench_fleet.ts); asking for 2 KiB gave 4 KiB.
    socket.setRecvBufferSize(DENO_READ_BUFFER);
    return;
  }
  try {
    socket.setRecvBufferSize(RECEIVE_BUFFER);
  } catch {
    // Not supported here: retries still cover a dropped ack.
  }
}

/**
 * Under Node, one connected socket per destination, so that an ICMP port
 * unreachable comes back as ECONNREFUSED for that destination; under Deno,
 * whose node:dgram cannot connect, one shared socket per family (and
 * `sendConnected` for destinations that stay silent).
 */
const CONNECTED = !(globalThis as { Deno?: unknown }).Deno;

interface OpenOptions {
  onMessage: (datagram: Datagram) => void;
  onUnreachable: () => void;
  source?: string;
  connect?: { address: string; port: number };
}

async function open(
  family: 4 | 6,
  { onMessage, onUnreachable, source, connect }: OpenOptions,
): Promise<dgram.Socket> {
  // Deno's dgram throws a missing permission where no caller can catch it.
  if (!mayUseNetwork()) {
    throw new LocalFailure("no network permission (run Deno with --allow-net)");
  }
  // Loaded on first send: --dry-run and bad input never pay for it.
  const { createSocket } = await import("node:dgram");
  const socket = createSocket(family === 4 ? "udp4" : "udp6");
  socket.on("message", (message, remote) => {
    onMessage({
      packet: new Uint8Array(
        message.buffer,
        message.byteOffset,
        message.length,
      ),
      address: remote.address,
      port: remote.port,
    });
  });
  return new Promise((resolve, reject) => {
    socket.once("error", (error) => {
      const from = source === undefined ? "" : ` on ${source} (--source)`;
      reject(
        new LocalFailure(`cannot open a UDP socket${from}: ${error.message}`),
      );
    });
    socket.bind(0, source, () => {
      socket.removeAllListeners("error");
      enlargeReceiveBuffer(socket);
      // Errors after bind (ICMP unreachable) must not crash.
      socket.on("error", (error) => {
        const code = (error as { code?: string }).code;
        if (code === "ECONNREFUSED") onUnreachable();
      });
      if (connect === undefined) return resolve(socket);
      const failed = (error: Error) => reject(error);
      socket.once("error", failed);
      socket.connect(connect.port, connect.address, () => {
        socket.off("error", failed);
        resolve(socket);
      });
    });
  });
}
