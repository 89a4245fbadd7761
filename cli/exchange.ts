/**
 * One host's exchange: resolve it, build the request (v1 or legacy), show it
 * (`--dry-run`), send it once (`--no-ack`, `--legacy`), or send, wait for a
 * reply that verifies and resend on silence; then say how it ended.
 *
 * @module
 */

import type { Options } from "./args.ts";
import { type HostSpec, resolve, type Target } from "./hosts.ts";
import type { HostResult } from "./output.ts";
import { LocalFailure, type Transport } from "./transport.ts";
import { NONCE_LEN } from "../core/constants.ts";
import { hex } from "../core/hex.ts";
import {
  createLegacyRequest,
  createRequest,
  type MacKey,
  type Reply,
  type RequestInfo,
  verifyReply,
} from "../mod.ts";

/** Everything one host's exchange needs, shared by every host of a run. */
export interface Context {
  options: Options;
  /** The MAC key, or null with --legacy (which hashes the password). */
  key: MacKey | null;
  password: string;
  transport: Transport;
}

/** Resolve, build, send and (unless told not to) wait for the reply. */
export async function exchange(
  spec: HostSpec,
  context: Context,
): Promise<HostResult> {
  const { options } = context;
  const result: HostResult = {
    label: spec.label,
    port: spec.port,
    keys: options.keys,
    outcome: "error",
    attempts: 0,
  };
  let target: Target;
  try {
    target = await resolve(spec);
  } catch (error) {
    return { ...result, error: (error as Error).message };
  }
  result.address = target.address;
  const serverAddress = options.serverAddress ?? target.address;
  try {
    if (options.dryRun) {
      const packet = await firstPacket(context, serverAddress);
      return { ...result, outcome: "dry-run", packet: hex(packet) };
    }
    if (!options.ack) {
      const packet = await firstPacket(context, serverAddress);
      await send(context.transport, target, packet);
      return { ...result, outcome: "sent", attempts: 1 };
    }
    return await untilReply(context, target, serverAddress, result);
  } catch (error) {
    if (error instanceof LocalFailure) throw error;
    return { ...result, error: `cannot send: ${(error as Error).message}` };
  }
}

/** The packet of a first (or only) attempt. */
function firstPacket(
  context: Context,
  serverAddress: string,
): Promise<Uint8Array> | Uint8Array {
  const { options, key, password } = context;
  if (options.legacy !== undefined) {
    return legacyPacket(options, password, serverAddress);
  }
  const request = newRequest(options.keys, options.ack);
  return createRequest(key!, { ...request, serverAddress });
}

function newRequest(keys: string, ackWanted: boolean): RequestInfo {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  return { keys, timestamp: Date.now(), nonce, ackWanted };
}

function legacyPacket(
  options: Options,
  password: string,
  serverAddress: string,
): Promise<Uint8Array> {
  const salt = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(12))),
  );
  return createLegacyRequest({
    password,
    keys: options.keys,
    // The server's counter starts at its clock in seconds, as the
    // xtables-addons recipe (`date +%s`) expects.
    seqno: Math.floor(Date.now() / 1000),
    salt,
    serverAddress,
    hash: options.legacy,
  });
}

function send(
  transport: Transport,
  target: Target,
  packet: Uint8Array,
): Promise<void> {
  return transport.send(packet, target.address, target.port, target.family);
}

/**
 * Send, wait, resend: every attempt is a new request (fresh timestamp and
 * nonce), and a reply to any of them counts once its MAC and echoed fields
 * verify. Anything else that comes back is ignored and counted.
 */
async function untilReply(
  context: Context,
  target: Target,
  serverAddress: string,
  result: HostResult,
): Promise<HostResult> {
  const { options, key, transport } = context;
  let settle: (answer: { reply: Reply; at: number }) => void = () => {};
  const answered = new Promise<{ reply: Reply; at: number }>((r) => settle = r);
  const stops: (() => void)[] = [];
  let sentAt = 0;
  try {
    for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
      const request = newRequest(options.keys, true);
      const packet = createRequest(key!, { ...request, serverAddress });
      stops.push(transport.expect(request.nonce, ({ packet: reply }) => {
        const verified = verifyReply(key!, reply, { serverAddress, request });
        if (verified !== null) {
          settle({ reply: verified, at: performance.now() });
        }
        return verified !== null;
      }));
      sentAt = performance.now();
      await send(transport, target, packet);
      result.attempts = attempt;
      const answer = await within(answered, options.timeoutMs);
      if (answer !== null) {
        return interpret(result, answer.reply, answer.at - sentAt);
      }
    }
  } finally {
    for (const stop of stops) stop();
  }
  const ignored = transport.ignored.get(`${target.address} ${target.port}`);
  return {
    ...result,
    outcome: "no-reply",
    waitedMs: options.timeoutMs,
    ignored,
  };
}

/** The promise's value, or null after `ms` milliseconds. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) =>
    timer = setTimeout(() => r(null), ms)
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host's result from a verified reply that came `rttMs` after sending. */
function interpret(
  result: HostResult,
  reply: Reply,
  rttMs: number,
): HostResult {
  if (reply.type === "ack") {
    return { ...result, outcome: "acked", statuses: reply.statuses, rttMs };
  }
  // The server stamped serverTime about half a round trip ago.
  const clockOffsetMs = Date.now() - rttMs / 2 - reply.serverTime;
  return {
    ...result,
    outcome: "refused",
    rttMs,
    refusal: {
      reason: reply.reason,
      serverTime: reply.serverTime,
      clockOffsetMs,
    },
  };
}
