/**
 * Packets and guest state for the end-to-end scenarios: requests built with
 * mod.ts (keeping the timestamp and nonce so replies can be checked), reply
 * checks, and the target's counters from /proc/net/xt_SYSRQ.
 *
 * @module
 */

import assert from "node:assert";
import {
  createRequest,
  deriveKey,
  type KeyStatus,
  type MacKey,
  type RefusalReason,
  type Reply,
  type RequestInfo,
  verifyReply,
} from "../../mod.ts";
import type { Vm } from "./vm.ts";
import type { Target } from "./guest_network.ts";

/** A request and what its replies must echo. */
export interface Sent {
  packet: Uint8Array;
  info: RequestInfo;
  serverAddress: string;
}

/** Builds requests for one guest address with one key. */
export class Sender {
  /** Timestamps this process handed out last, shared by every Sender. */
  static #lastTimestamp = 0;

  constructor(readonly key: MacKey, readonly serverAddress: string) {}

  /**
   * Now in ms, strictly after the last timestamp handed out: the target
   * refuses a request not newer than the last accepted one, and two
   * requests built in the same millisecond would otherwise collide.
   */
  static now(): number {
    Sender.#lastTimestamp = Math.max(Date.now(), Sender.#lastTimestamp + 1);
    return Sender.#lastTimestamp;
  }

  static async forPassword(password: string, serverAddress: string) {
    return new Sender(await deriveKey(password), serverAddress);
  }

  /**
   * A request with a fresh nonce; timestamp now unless given. Junk built in
   * bulk should pass `timestamp: Date.now()`: each default timestamp is a
   * millisecond past the last, and thousands of them would run ahead of
   * the clock (and lock out other clients until it catches up).
   */
  request(
    keys: string,
    options: { timestamp?: number; ackWanted?: boolean } = {},
  ): Sent {
    const info: RequestInfo = {
      keys,
      timestamp: options.timestamp ?? Sender.now(),
      nonce: crypto.getRandomValues(new Uint8Array(16)),
      ackWanted: options.ackWanted ?? true,
    };
    const packet = createRequest(this.key, {
      keys,
      serverAddress: this.serverAddress,
      timestamp: info.timestamp,
      nonce: info.nonce,
      ackWanted: info.ackWanted,
    });
    return { packet, info, serverAddress: this.serverAddress };
  }

  /** The replies among `replies` that verify as answers to `sent`. */
  repliesTo(sent: Sent, replies: Uint8Array[]): Reply[] {
    return replies
      .map((r) =>
        verifyReply(this.key, r, {
          serverAddress: sent.serverAddress,
          request: sent.info,
        })
      )
      .filter((r): r is Reply => r !== null);
  }
}

/** Asserts that `replies` hold exactly one ack for `sent` with `statuses`. */
export function assertAck(
  sender: Sender,
  sent: Sent,
  replies: Uint8Array[],
  statuses: KeyStatus[],
): void {
  const mine = sender.repliesTo(sent, replies);
  assert.equal(mine.length, 1, `one verified reply, got ${mine.length}`);
  const reply = mine[0];
  assert.equal(
    reply.type,
    "ack",
    `expected an ack, got ${JSON.stringify(reply)} at host time ${Date.now()}`,
  );
  if (reply.type === "ack") assert.deepEqual(reply.statuses, statuses);
}

/** Asserts that `replies` hold at least one refusal for `sent`, all `reason`. */
export function assertRefusal(
  sender: Sender,
  sent: Sent,
  replies: Uint8Array[],
  reason: RefusalReason,
): void {
  const mine = sender.repliesTo(sent, replies);
  assert.ok(mine.length >= 1, "a verified refusal");
  for (const reply of mine) {
    assert.equal(reply.type, "refusal");
    if (reply.type === "refusal") assert.equal(reply.reason, reason);
  }
}

/** The target's counters: verdicts and events by name. */
export type Counters = Record<string, number>;

/** Reads /proc/net/xt_SYSRQ in the guest. */
export async function counters(vm: Vm): Promise<Counters> {
  const out = await vm.must("cat /proc/net/xt_SYSRQ");
  const result: Counters = {};
  for (const line of out.split("\n")) {
    const m = line.match(/^(\w+) (\d+)/);
    if (m) result[m[1]] = Number(m[2]);
  }
  return result;
}

/** Every verdict name (the counters that sum to packets judged). */
export const VERDICTS = [
  "accepted",
  "no_password",
  "truncated",
  "bad_magic",
  "bad_version",
  "bad_type",
  "bad_key_count",
  "bad_length",
  "bad_flags",
  "bad_key_char",
  "stale",
  "future",
  "replay",
  "bad_mac",
  "refused_stale",
  "refused_future",
  "refused_replay",
  "bad_format",
];

/** Counter differences `after - before`, only the ones that changed. */
export function delta(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const [name, value] of Object.entries(after)) {
    const d = value - (before[name] ?? 0);
    if (d !== 0) out[name] = d;
  }
  return out;
}

/** Packets judged between two counter readings. */
export function judged(before: Counters, after: Counters): number {
  return VERDICTS.reduce((n, v) => n + (after[v] ?? 0) - (before[v] ?? 0), 0);
}

/**
 * Polls the counters until at least `packets` more packets were judged
 * since `before` (the target's own progress, not a fixed sleep). Returns
 * the last reading.
 */
export async function settle(
  vm: Vm,
  before: Counters,
  packets: number,
  timeoutMs = 30_000,
): Promise<Counters> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const now = await counters(vm);
    if (judged(before, now) >= packets) return now;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${judged(before, now)} of ${packets} packets judged: ` +
          JSON.stringify(delta(before, now)),
      );
    }
  }
}

/** How many times `pattern` occurs in `text`. */
export function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

/** The console line our target logs for an accepted v1 request. */
export function acceptedLine(keys: string): RegExp {
  return new RegExp(`v1 request from \\S+ accepted, keys "${escape(keys)}"`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Random bytes of a given length. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  }
  return out;
}

/** The target of a sender, for Vm.exchange. */
export type { Target };
