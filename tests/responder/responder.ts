/**
 * A loopback test responder: a small UDP server built on mod.ts that judges
 * requests with the server's ladder ({@link verifyRequest}) and answers the
 * way the kernel target does (an ack, a refusal, or silence). It is a test
 * double for the client's tests; the product's server is the kernel module.
 *
 * Tests can make it misbehave on purpose: refuse keys, run its clock off,
 * stay silent, drop the first requests, or send forged and mismatched
 * replies, to prove the client believes only replies that verify.
 *
 * @module
 */

import dgram from "node:dgram";
import {
  createAck,
  createRefusal,
  KeyStatus,
  type MacKey,
  RefusalReason,
  type RequestInfo,
  Verdict,
  verifyRequest,
} from "../../mod.ts";

/** What the responder sends back besides (or instead of) the true reply. */
export type Forgery =
  /** An ack MAC'd with another key (a wrong password). */
  | "wrong-key"
  /** An ack with a nonce the request did not carry. */
  | "wrong-nonce"
  /** An ack echoing another timestamp. */
  | "wrong-timestamp"
  /** An ack MAC'd for another server address. */
  | "wrong-address"
  /** An ack whose tag has one bit flipped. */
  | "bad-tag"
  /** Random bytes of an ack's length. */
  | "garbage";

/** Every forgery the responder can send, for tests that try them all. */
export const FORGERIES: readonly Forgery[] = [
  "wrong-key",
  "wrong-nonce",
  "wrong-timestamp",
  "wrong-address",
  "bad-tag",
  "garbage",
];

/** How a responder behaves. Every field is optional. */
export interface Behaviour {
  /** The address the server sees itself as (default: the bound address). */
  serverAddress?: string;
  /** Server clock minus real clock, to provoke time refusals (ms). */
  clockOffsetMs?: number;
  /** Tolerance of the time window (default 300 s, as the module). */
  toleranceMs?: number;
  /** Initial last-accepted timestamp (default: start time, as a module load). */
  lastAccepted?: number;
  /** Keys refused by the "rule" and by the "sysctl mask". */
  refuseByRule?: string;
  refuseBySysctl?: string;
  /** Send no reply at all (the server is down, or the MAC failed). */
  silent?: boolean;
  /** Drop the first N datagrams unjudged (lost on the way): retries. */
  dropFirst?: number;
  /** Send these forged replies before the true one. */
  forgeries?: Forgery[];
  /** Send only the forged replies, never the true one. */
  onlyForgeries?: boolean;
}

/** One request as the responder saw it. */
export interface Seen {
  packet: Uint8Array;
  /** null: dropped unjudged (`dropFirst`), as if lost on the way. */
  verdict: Verdict | null;
  request?: RequestInfo;
  from: { address: string; port: number };
}

/** A running responder. */
export interface Responder {
  address: string;
  port: number;
  /** Every datagram received, in order. */
  seen: Seen[];
  close(): Promise<void>;
}

/** Options for {@link startResponder}. */
export interface ResponderOptions extends Behaviour {
  key: MacKey;
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
 * import { MacKey } from "../../mod.ts";
 * import { startResponder } from "./responder.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const responder = await startResponder({ key });
 * assert.ok(responder.port > 0);
 * await responder.close();
 * ```
 */
export async function startResponder(
  options: ResponderOptions,
): Promise<Responder> {
  const address = options.address ?? "127.0.0.1";
  const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const seen: Seen[] = [];
  const state = {
    lastAccepted: options.lastAccepted ?? Date.now(),
    refusalTokens: 5,
  };
  socket.on("message", (message, from) => {
    const packet = new Uint8Array(message);
    const replies = judge(options, address, packet, state, seen, from);
    for (const reply of replies) socket.send(reply, from.port, from.address);
  });
  return {
    address,
    port: socket.address().port,
    seen,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Judge one datagram; returns the replies to send, in order. */
function judge(
  options: ResponderOptions,
  address: string,
  packet: Uint8Array,
  state: { lastAccepted: number; refusalTokens: number },
  seen: Seen[],
  from: { address: string; port: number },
): Uint8Array[] {
  if (seen.length < (options.dropFirst ?? 0)) {
    seen.push({ packet, verdict: null, from: { ...from } });
    return [];
  }
  const serverAddress = options.serverAddress ?? address;
  const now = Date.now() + (options.clockOffsetMs ?? 0);
  // A test double: the refusal budget refills per packet instead of per second.
  state.refusalTokens = 5;
  const { verdict, request } = verifyRequest(options.key, packet, {
    serverAddress,
    now,
    toleranceMs: options.toleranceMs ?? 300_000,
    state,
  });
  seen.push({ packet, verdict, request, from: { ...from } });
  if (options.silent) return [];
  if (request === undefined || !request.ackWanted) return [];
  const truth = verdict === Verdict.ACCEPTED
    ? createAck(options.key, {
      serverAddress,
      request,
      statuses: statuses(options, request.keys),
    })
    : createRefusal(options.key, {
      serverAddress,
      request,
      reason: REASONS[verdict]!,
      serverTime: now,
    });
  const forged = (options.forgeries ?? []).map((kind) =>
    forge(kind, options, serverAddress, request, truth)
  );
  return options.onlyForgeries ? forged : [...forged, truth];
}

const REASONS: Partial<Record<Verdict, RefusalReason>> = {
  [Verdict.REFUSED_STALE]: RefusalReason.STALE,
  [Verdict.REFUSED_FUTURE]: RefusalReason.FUTURE,
  [Verdict.REFUSED_REPLAY]: RefusalReason.REPLAY,
};

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
      return ack(options.key, serverAddress, { ...request, nonce });
    }
    case "wrong-timestamp":
      return ack(options.key, serverAddress, {
        ...request,
        timestamp: request.timestamp + 1,
      });
    case "wrong-address":
      return ack(
        options.key,
        serverAddress === "192.0.2.1" ? "192.0.2.2" : "192.0.2.1",
        request,
      );
    case "bad-tag": {
      const packet = ack(options.key, serverAddress, request);
      packet[packet.length - 1] ^= 1;
      return packet;
    }
    case "garbage":
      return crypto.getRandomValues(new Uint8Array(truth.length));
  }
}

/**
 * Start `count` responders on loopback (one socket each) sharing one key and
 * behaviour: the fleet for scale tests.
 */
export async function startFleet(
  count: number,
  options: ResponderOptions,
): Promise<Responder[]> {
  const fleet: Responder[] = [];
  try {
    for (let i = 0; i < count; i++) fleet.push(await startResponder(options));
  } catch (error) {
    await Promise.all(fleet.map((r) => r.close()));
    throw error;
  }
  return fleet;
}
