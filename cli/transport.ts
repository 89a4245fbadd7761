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

/** Receive buffer asked for (bytes). */
const RECEIVE_BUFFER = 4 << 20;

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
  #sockets = new Map<4 | 6, Promise<dgram.Socket>>();
  #waiters = new Map<string, Waiter>();
  /** Unmatched or unverified datagrams, by "address port". */
  readonly ignored = new Map<string, number>();
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
    const socket = await this.#socket(family);
    await new Promise<void>((resolve, reject) => {
      socket.send(
        packet,
        port,
        address,
        (error) => error ? reject(error) : resolve(),
      );
    });
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
    for (const pending of this.#sockets.values()) {
      const socket = await pending;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    this.#sockets.clear();
  }

  #socket(family: 4 | 6): Promise<dgram.Socket> {
    let pending = this.#sockets.get(family);
    if (pending === undefined) {
      pending = open(
        family,
        (datagram) => this.#receive(datagram),
        this.#source,
      );
      this.#sockets.set(family, pending);
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
 * retry. The kernel caps the size at net.core.rmem_max; best effort (Deno
 * 2.9 reports success but keeps the default, so --concurrency's default
 * stays below what the default buffer holds).
 */
function enlargeReceiveBuffer(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(RECEIVE_BUFFER);
  } catch {
    // Not supported here: retries still cover a dropped ack.
  }
}

async function open(
  family: 4 | 6,
  onMessage: (datagram: Datagram) => void,
  source?: string,
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
      // Errors after bind (ICMP unreachable on some systems) must not crash.
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}
