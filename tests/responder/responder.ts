/**
 * A loopback test responder: a small UDP server built on mod.ts that speaks
 * protocol v2 as the kernel target does: it keeps a server state (a random
 * boot id, the floor, the last accepted request) and a password's key or a
 * set of server keys (a {@link KeySet}), judges every probe and request
 * with the server's ladder ({@link verifyRequest}) and sends the reply it
 * builds (a clock answer, with the server's facts for an info probe, an
 * ack, a re-ack, a refusal, or nothing). It is a test double for the
 * client's tests; the product's server is the kernel module.
 *
 * Tests can make it misbehave on purpose: refuse keys, run its clock off,
 * stay silent, drop the first datagrams or the first replies, reload (a new
 * boot id), or send forged and mismatched replies, to prove the client
 * believes only replies that verify and never runs the keys twice.
 *
 * @module
 */

import dgram from "node:dgram";
import {
  createAck,
  createServerState,
  KeySet,
  KeyStatus,
  type MacKey,
  type RequestInfo,
  type ServerInfo,
  type ServerState,
  Verdict,
  verifyRequest,
} from "../../mod.ts";
import { type OutputBehaviour, outputMessages } from "./output.ts";

/** Deno's read buffer per datagram, halved, asked for as a receive buffer. */
const RECEIVE_BUFFER = 512;

/** What the responder sends back besides (or instead of) the true reply. */
export type Forgery =
  /** An ack MAC'd with another key (a wrong password). */
  | "wrong-key"
  /** An ack with a nonce the request did not carry. */
  | "wrong-nonce"
  /** An ack echoing another timestamp. */
  | "wrong-timestamp"
  /** An ack echoing another boot id than the request's. */
  | "wrong-boot"
  /**
   * An ack MAC'd for another server address (with a server key, whose MAC
   * has no address: MAC'd as a password-mode ack to another address).
   */
  | "wrong-address"
  /** An ack echoing another key id than the request's (sealed correctly). */
  | "wrong-key-id"
  /** An ack whose tag has one bit flipped. */
  | "bad-tag"
  /** Random bytes of an ack's length. */
  | "garbage";

/** Every forgery the responder can send, for tests that try them all. */
export const FORGERIES: readonly Forgery[] = [
  "wrong-key",
  "wrong-nonce",
  "wrong-timestamp",
  "wrong-boot",
  "wrong-address",
  "wrong-key-id",
  "bad-tag",
  "garbage",
];

/** How a responder behaves. Every field is optional. */
export interface Behaviour {
  /** The address the server sees itself as (default: the bound address). */
  serverAddress?: string;
  /** Server protocol clock minus the real clock (ms). */
  clockOffsetMs?: number;
  /** Past window (default 60 s, as the module). */
  toleranceMs?: number;
  /** Answer probes only, as a rule with --sysrq-no-ack. */
  noAck?: boolean;
  /** Drop the first N replies to requests (an ack lost on the way back). */
  dropReplies?: number;
  /** Keys refused by the "rule" and by the "sysctl mask". */
  refuseByRule?: string;
  refuseBySysctl?: string;
  /** Send no reply at all, not even to probes (the server is down). */
  silent?: boolean;
  /** Drop the first N datagrams unjudged (lost on the way): retries. */
  dropFirst?: number;
  /** Send these forged acks before the true reply to a request. */
  forgeries?: Forgery[];
  /** Send only the forged acks, never the true reply to a request. */
  onlyForgeries?: boolean;
  /** The facts an info probe's answer carries (default: see VerifyOptions). */
  info?: ServerInfo;
  /**
   * Send output for accepted requests that ask for it, as the module does
   * (tests/responder/output.ts); absent: output off (no ack flag).
   */
  output?: OutputBehaviour;
}

/** One datagram as the responder saw it. */
export interface Seen {
  packet: Uint8Array;
  /** null: dropped unjudged (`dropFirst`), as if lost on the way. */
  verdict: Verdict | null;
  request?: RequestInfo;
  from: { address: string; port: number };
  /** Whether a reply was sent (not dropped, silenced or forged only). */
  replied: boolean;
  /** Output messages sent after it (forged ones included). */
  outputSent?: number;
}

/** A running responder. */
export interface Responder {
  address: string;
  port: number;
  /** Every datagram received, in order. */
  seen: Seen[];
  /** The server state (boot id, floor, last accepted request). */
  state: ServerState;
  /**
   * The keys it holds: change them at run time (add, remove, a new
   * password) as the kernel's parameters do; the state stays (a password
   * change makes a new one in the kernel: call reload() too).
   */
  keys: KeySet;
  /** How many times keys ran: one per ACCEPTED request. */
  runs(): number;
  /** A module reload: a new state, with a new boot id. */
  reload(): void;
  close(): Promise<void>;
}

/** The requests among what a responder saw (probes left out). */
export function requestsSeen(responder: Responder): Seen[] {
  return responder.seen.filter((s) => s.verdict !== Verdict.PROBE_ANSWERED);
}

/**
 * Options for {@link startResponder}: the password's key (`key`), server
 * keys (`keys`), or both (the key is then set as `keys`' password).
 */
export interface ResponderOptions extends Behaviour {
  /** The password's key (key id 0). */
  key?: MacKey;
  /** Server keys (and a password's key, if it holds one). */
  keys?: KeySet;
  /** Another key, for "wrong-key" forgeries. */
  otherKey?: MacKey;
  /** Address to bind (default 127.0.0.1); port 0 picks a free one. */
  address?: string;
  port?: number;
}

/**
 * Start one responder on loopback.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { KeySet, keyIdOf, MacKey, serverKey } from "../../mod.ts";
 * import { startResponder } from "./responder.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const responder = await startResponder({ key });
 * assert.ok(responder.port > 0);
 * await responder.close();
 * // A server holding its own key, derived from an admin secret.
 * const adminSecret = crypto.getRandomValues(new Uint8Array(32));
 * const id = await keyIdOf(adminSecret);
 * const keys = new KeySet({
 *   serverKeys: [[id, await serverKey(adminSecret, "web1")]],
 * });
 * const web1 = await startResponder({ keys });
 * assert.deepEqual(web1.keys.ids(), [id]);
 * await web1.close();
 * ```
 */
export async function startResponder(
  options: ResponderOptions,
): Promise<Responder> {
  const keys = keySetOf(options);
  const address = options.address ?? "127.0.0.1";
  const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, address, () => {
      socket.off("error", reject);
      // Deno's node:dgram allocates a zeroed read buffer for every
      // datagram, of twice this size on Linux (64 KiB unless told, as
      // cli/transport.ts notes): 1 KiB holds any request. Asking for 2 KiB
      // cut 10,000 responders' CPU per run of cli/bench_fleet.ts by about a
      // third (2.5-3.2 s to 1.7-1.9 s). Under Node it would shrink the
      // kernel's buffer.
      if ("Deno" in globalThis) socket.setRecvBufferSize(RECEIVE_BUFFER);
      resolve();
    });
  });
  const seen: Seen[] = [];
  /** Output messages not yet sent (cleared on close). */
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const responder: Responder = {
    address,
    port: socket.address().port,
    seen,
    state: createServerState(),
    keys,
    runs: () => seen.filter((s) => s.verdict === Verdict.ACCEPTED).length,
    reload: () => responder.state = createServerState(),
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
  let repliesToDrop = options.dropReplies ?? 0;
  socket.on("message", (message, from) => {
    const packet = new Uint8Array(message);
    const replies = judge(options, responder, packet, from);
    const entry = seen.at(-1)!;
    const isRequest = entry.request !== undefined;
    const output = outputFor(options, responder, packet, entry);
    if (isRequest && replies.length > 0 && repliesToDrop > 0) {
      repliesToDrop--;
    } else {
      entry.replied = replies.length > 0;
      for (const reply of replies) socket.send(reply, from.port, from.address);
    }
    // After the ack (even one lost on the way), as the module sends it.
    sendPaced(socket, output, from, options.output?.gapMs ?? 1, timers);
  });
  return responder;
}

/** The responder's key set: `keys`, with `key` as its password's key. */
function keySetOf(options: ResponderOptions): KeySet {
  if (options.keys === undefined && options.key === undefined) {
    throw new TypeError("a responder needs a key (password) or keys");
  }
  const keys = options.keys ?? new KeySet();
  if (options.key !== undefined) keys.password = options.key;
  return keys;
}

/** Judge one datagram; returns the replies to send, in order. */
function judge(
  options: ResponderOptions,
  responder: Responder,
  packet: Uint8Array,
  from: { address: string; port: number },
): Uint8Array[] {
  const { seen, state } = responder;
  if (seen.length < (options.dropFirst ?? 0)) {
    seen.push({ packet, verdict: null, from: { ...from }, replied: false });
    return [];
  }
  const serverAddress = options.serverAddress ?? responder.address;
  const now = Date.now() + (options.clockOffsetMs ?? 0);
  // A test double: the refusal budget refills per packet instead of per second.
  state.refusalTokens = 5;
  const { verdict, request, reply } = verifyRequest(responder.keys, packet, {
    serverAddress,
    now,
    toleranceMs: options.toleranceMs ?? 60_000,
    state,
    statuses: (keys) => statuses(options, keys),
    info: options.info,
    output: () =>
      options.output === undefined
        ? undefined
        : options.output.busy
        ? "busy"
        : "follows",
  });
  seen.push({ packet, verdict, request, from: { ...from }, replied: false });
  if (options.silent || reply === undefined) return [];
  // A probe's clock answer goes out on every rule; the rest only with acks.
  if (request === undefined) return [reply];
  if (options.noAck) return [];
  const key = responder.keys.find(request.keyId ?? 0)!;
  const forged = (options.forgeries ?? []).map((kind) =>
    forge(kind, options, key, serverAddress, request, reply)
  );
  return options.onlyForgeries ? forged : [...forged, reply];
}

/** The output messages due for what was just judged (none for most). */
function outputFor(
  options: ResponderOptions,
  responder: Responder,
  packet: Uint8Array,
  entry: Seen,
): Uint8Array[] {
  const behaviour = options.output;
  if (behaviour === undefined || behaviour.busy) return [];
  if (entry.verdict !== Verdict.ACCEPTED || !entry.request?.outputWanted) {
    return [];
  }
  if (options.silent || options.noAck) return [];
  // Sealed under the key the request named, as its ack was.
  const key = responder.keys.find(entry.request.keyId ?? 0)!;
  const messages = outputMessages(
    key,
    packet,
    options.serverAddress ?? responder.address,
    behaviour,
    options.otherKey,
  );
  entry.outputSent = messages.length;
  return messages;
}

/** Send `messages` one by one, `gapMs` apart, as the module paces them. */
function sendPaced(
  socket: dgram.Socket,
  messages: Uint8Array[],
  to: { address: string; port: number },
  gapMs: number,
  timers: Set<ReturnType<typeof setTimeout>>,
): void {
  messages.forEach((message, i) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        socket.send(message, to.port, to.address);
      } catch {
        // The responder was closed meanwhile: the rest is lost, as on a wire.
      }
    }, gapMs * (i + 1));
    timers.add(timer);
  });
}

function statuses(options: Behaviour, keys: string): KeyStatus[] {
  return [...keys].map((key) => {
    if (options.refuseByRule?.includes(key)) return KeyStatus.REFUSED_BY_RULE;
    if (options.refuseBySysctl?.includes(key)) {
      return KeyStatus.REFUSED_BY_SYSCTL;
    }
    return KeyStatus.EXECUTED;
  });
}

function forge(
  kind: Forgery,
  options: ResponderOptions,
  key: MacKey,
  serverAddress: string,
  request: RequestInfo,
  truth: Uint8Array,
): Uint8Array {
  const statuses = [...request.keys].map(() => KeyStatus.EXECUTED);
  const ack = (key: MacKey, address: string, info: RequestInfo) =>
    createAck(key, { serverAddress: address, request: info, statuses });
  switch (kind) {
    case "wrong-key":
      if (options.otherKey === undefined) {
        throw new Error("wrong-key needs otherKey");
      }
      return ack(options.otherKey, serverAddress, request);
    case "wrong-nonce": {
      const nonce = request.nonce.slice();
      nonce[0] ^= 0xff;
      return ack(key, serverAddress, { ...request, nonce });
    }
    case "wrong-timestamp":
      return ack(key, serverAddress, {
        ...request,
        timestamp: request.timestamp + 1,
      });
    case "wrong-boot": {
      const bootId = request.bootId.slice();
      bootId[0] ^= 0xff;
      return ack(key, serverAddress, { ...request, bootId });
    }
    case "wrong-address":
      // A server key's MAC has no address: seal one that has (key id 0).
      return ack(
        key,
        serverAddress === "192.0.2.1" ? "192.0.2.2" : "192.0.2.1",
        { ...request, keyId: 0 },
      );
    case "wrong-key-id":
      return ack(key, serverAddress, {
        ...request,
        keyId: request.keyId === 0xffffffff ? 0x80000000 : 0xffffffff,
      });
    case "bad-tag": {
      const packet = ack(key, serverAddress, request);
      packet[packet.length - 1] ^= 1;
      return packet;
    }
    case "garbage":
      return crypto.getRandomValues(new Uint8Array(truth.length));
  }
}

/**
 * Runs `fn` with a responder started with `options` and the host text the
 * client takes for it (`127.0.0.1:PORT`, `[::1]:PORT`), and closes the
 * responder after, whatever `fn` does.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey } from "../../mod.ts";
 * import { usingResponder } from "./responder.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * let seen = "";
 * await usingResponder({ key }, async (responder, host) => {
 *   assert.equal(host, `127.0.0.1:${responder.port}`);
 *   seen = host;
 * });
 * assert.match(seen, /^127\.0\.0\.1:\d+$/);
 * ```
 */
export async function usingResponder(
  options: ResponderOptions,
  fn: (responder: Responder, host: string) => Promise<void>,
): Promise<void> {
  const responder = await startResponder(options);
  try {
    const host = responder.address.includes(":")
      ? `[${responder.address}]:${responder.port}`
      : `${responder.address}:${responder.port}`;
    await fn(responder, host);
  } finally {
    await responder.close();
  }
}

/**
 * Start `count` responders on loopback (one socket each): the fleet for
 * scale tests. `options` is shared, or made per responder (`i` from 0):
 * each server its own keys, as a fleet in server-key mode.
 */
export async function startFleet(
  count: number,
  options: ResponderOptions | ((i: number) => ResponderOptions),
): Promise<Responder[]> {
  const fleet: Responder[] = [];
  const optionsOf = typeof options === "function" ? options : () => options;
  try {
    for (let i = 0; i < count; i++) {
      fleet.push(await startResponder(optionsOf(i)));
    }
  } catch (error) {
    await Promise.all(fleet.map((r) => r.close()));
    throw error;
  }
  return fleet;
}
