/**
 * Packets and guest state for the end-to-end scenarios: probes and requests
 * built with mod.ts (keeping the boot id, time and nonce so replies can be
 * checked), reply checks, and the target's counters from /proc/net/xt_SYSRQ.
 * Requests are stamped as the real client stamps them: from the guest's
 * protocol clock and boot id, learnt by a probe ({@link Sender.probe}).
 *
 * @module
 */

import assert from "node:assert";
import {
  createProbe,
  createRequest,
  deriveKey,
  type KeyStatus,
  type MacKey,
  type RefusalReason,
  type Reply,
  type RequestInfo,
  verifyReply,
} from "../../mod.ts";
import { NONCE_LEN } from "../../core/constants.ts";
import type { Vm } from "./vm.ts";
import type { Target } from "./guest_network.ts";

/** A request and what its replies must echo. */
export interface Sent {
  packet: Uint8Array;
  info: RequestInfo;
  serverAddress: string;
}

/** The guest's boot id and protocol clock, as a clock answer told them. */
export interface GuestClock {
  bootId: Uint8Array;
  serverTime: number;
  /** performance.now() when the answer arrived. */
  at: number;
}

/**
 * Builds probes and requests for one guest address with one key: the
 * password's (key id 0, the MAC covers the address) or a server key (its
 * id; the MAC covers no address).
 */
export class Sender {
  /**
   * The last timestamp stamped (stamps strictly increase), shared with the
   * Senders that follow this one's clock (see {@link follow}).
   */
  #stamps = { last: 0 };
  /** What the last probe learnt; requests are stamped from it. */
  clock?: GuestClock;

  constructor(
    readonly key: MacKey,
    readonly serverAddress: string,
    readonly keyId = 0,
  ) {}

  static async forPassword(password: string, serverAddress: string) {
    return new Sender(await deriveKey(password), serverAddress);
  }

  /** A probe and its nonce. */
  probePacket(): { packet: Uint8Array; nonce: Uint8Array } {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
    const packet = createProbe(this.key, {
      serverAddress: this.serverAddress,
      nonce,
      keyId: this.keyId,
    });
    return { packet, nonce };
  }

  /**
   * Asks the guest for its boot id and clock (as the client does before its
   * first request), and stamps requests from them from now on. Needed after
   * every module load or password write (a new boot id).
   */
  async probe(vm: Vm, target: Target = "v4"): Promise<GuestClock> {
    const { packet, nonce } = this.probePacket();
    const replies = await vm.exchange([packet], { target, want: 1 });
    const at = performance.now();
    for (const r of replies) {
      const clock = verifyReply(this.key, r, {
        serverAddress: this.serverAddress,
        request: { probe: true, nonce, keyId: this.keyId },
      });
      if (clock?.type === "clock") {
        this.clock = { bootId: clock.bootId, serverTime: clock.serverTime, at };
        this.#stamps = { last: 0 };
        return this.clock;
      }
    }
    throw new Error(`no verified clock answer (${replies.length} replies)`);
  }

  /**
   * Stamps from `leader`'s clock estimate and stamp sequence from now on:
   * Senders with other keys for one guest share its floor, and two clock
   * estimates a few ms apart would make one Sender's request land below the
   * floor another's set.
   */
  follow(leader: Sender): this {
    this.clock = leader.#clock();
    this.#stamps = leader.#stamps;
    return this;
  }

  /** The guest's protocol clock now, as estimated from the last probe. */
  now(): number {
    const clock = this.#clock();
    return clock.serverTime + Math.floor(performance.now() - clock.at);
  }

  #clock(): GuestClock {
    if (this.clock === undefined) {
      throw new Error("probe the guest first (Sender.probe)");
    }
    return this.clock;
  }

  /**
   * A request with a fresh nonce, for the probed boot id (or `bootId`),
   * stamped from the guest's clock, strictly after this Sender's last stamp
   * (two requests in one millisecond would collide), unless `timestamp`
   * is given (which leaves the stamping alone).
   */
  request(
    keys: string,
    options: {
      timestamp?: number;
      ackWanted?: boolean;
      bootId?: Uint8Array;
    } = {},
  ): Sent {
    let timestamp = options.timestamp;
    if (timestamp === undefined) {
      this.#stamps.last = Math.max(this.now(), this.#stamps.last + 1);
      timestamp = this.#stamps.last;
    }
    const info: RequestInfo = {
      keys,
      bootId: options.bootId ?? this.#clock().bootId,
      timestamp,
      nonce: crypto.getRandomValues(new Uint8Array(NONCE_LEN)),
      ackWanted: options.ackWanted ?? true,
      keyId: this.keyId,
    };
    const packet = createRequest(this.key, {
      ...info,
      serverAddress: this.serverAddress,
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
  "wrong_boot",
  "refused_boot",
  "repeated",
  "probe_answered",
  "unknown_key",
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

/** The console line our target logs for an accepted v2 request. */
export function acceptedLine(keys: string): RegExp {
  return new RegExp(`v2 request from \\S+ accepted, keys "${escape(keys)}"`);
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

/**
 * Flood packet number `i` for `sender`'s guest: junk of three kinds in
 * turn — random bytes, well-formed requests with a wrong tag (each costs
 * the target a hash), and stale forgeries (refused on time, a hash only
 * while the refusal budget lasts).
 */
export function floodJunk(sender: Sender, i: number): Uint8Array {
  switch (i % 3) {
    case 0:
      return randomBytes(Math.floor(Math.random() * 100));
    case 1: {
      const p = sender.request("s", { timestamp: sender.now() }).packet;
      p[p.length - 1] ^= 1;
      return p;
    }
    default: {
      const p = sender.request("s", { timestamp: 1_000_000 }).packet;
      p[p.length - 1] ^= 1;
      return p;
    }
  }
}
