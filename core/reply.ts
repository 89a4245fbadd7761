/**
 * Replies: the server's ack, refusal and clock answer, and the client's
 * check of them.
 *
 * @module
 */

import {
  core,
  expectEcho,
  loadMessage,
  messageByte,
  messageBytes,
  messageTime,
  sealMessage,
  setMacAddress,
  tagVerifies,
  writeKeyId,
  writeMessage,
} from "./_wasm.ts";
import {
  ACK_FLAG_OUTPUT_BUSY,
  ACK_FLAG_OUTPUT_FOLLOWS,
  ACK_FLAG_REPEAT,
  BOOT_ID_LEN,
  INFO_LEN,
  KeyStatus,
  MAX_KEYS,
  MAX_MSG_LEN,
  NONCE_LEN,
  OFF_BOOT,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEYS,
  OFF_NONCE,
  RefusalReason,
  TYPE_ACK,
  TYPE_CLOCK,
  TYPE_REFUSAL,
  Verdict,
} from "./constants.ts";
import type { MacKey } from "./key.ts";
import type {
  ProbeInfo,
  Reply,
  RequestInfo,
  ServerInfo,
  VerifyOptions,
} from "./types.ts";
import {
  checkBootId,
  checkBytes,
  checkKeyId,
  checkMacKey,
  checkMs,
  checkNonce,
  checkString,
  isMember,
  keyBytes,
} from "./_validate.ts";
import { ALL_KEYS, encodeInfo, parseInfo } from "./info.ts";

/** Throw unless `request` is a well-formed RequestInfo. */
function checkRequestInfo(request: RequestInfo, withTime = true): void {
  if (typeof request !== "object" || request === null) {
    throw new TypeError("request must be a RequestInfo object");
  }
  keyBytes(request.keys, MAX_KEYS, "request.keys");
  checkKeyId(request.keyId ?? 0, "request.keyId");
  checkBootId(request.bootId, "request.bootId");
  if (withTime) checkMs(request.timestamp, "request.timestamp");
  checkNonce(request.nonce, "request.nonce");
}

function checkOptions(options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
}

/**
 * Put the MAC's address A for `keyId` in place: the server's address in
 * password mode (required), zeros with a server key.
 */
function macAddress(keyId: number, serverAddress: unknown): void {
  const address = serverAddress === undefined
    ? undefined
    : checkString(serverAddress, "serverAddress");
  setMacAddress(keyId, address);
}

/**
 * Build the ack for an accepted request: its boot id, time, key id and
 * nonce echoed, one status per requested key, tagged with the ack label;
 * with `repeat`, the re-ack of a retry (flag REPEAT: nothing ran now).
 *
 * @param key the MAC key the request named.
 * @param options the server's address (required in password mode), the
 * request (from verifyRequest), one {@link KeyStatus} per requested key,
 * in order, and `repeat`.
 * @returns the ack, exactly as long as the request.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} when the statuses do not match the keys one to one
 * or one is not a KeyStatus.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createAck, KeyStatus, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const request = {
 *   keys: "sb", bootId: new Uint8Array(8).fill(1), timestamp: 1000,
 *   nonce: new Uint8Array(12), ackWanted: true,
 * };
 * const ack = createAck(key, {
 *   serverAddress: "192.0.2.7",
 *   request,
 *   statuses: [KeyStatus.EXECUTED, KeyStatus.REFUSED_BY_RULE],
 * });
 * assert.equal(ack.length, 58);
 * assert.deepEqual([...ack.subarray(40, 42)], [0, 1]);
 * ```
 */
export function createAck(
  key: MacKey,
  options: {
    serverAddress?: string;
    request: RequestInfo;
    statuses: KeyStatus[];
    repeat?: boolean;
    output?: "follows" | "busy";
  },
): Uint8Array {
  checkMacKey(key);
  checkOptions(options);
  const { request, statuses } = options;
  checkRequestInfo(request);
  if (!Array.isArray(statuses)) {
    throw new TypeError("statuses must be an array of KeyStatus");
  }
  if (statuses.length !== request.keys.length) {
    throw new RangeError(
      `${statuses.length} statuses for ${request.keys.length} keys: give one per key`,
    );
  }
  statuses.forEach((s, i) => {
    if (!isMember(KeyStatus, s)) {
      throw new RangeError(`statuses[${i}] (${s}) is not a KeyStatus`);
    }
  });
  const repeat = options.repeat ?? false;
  if (typeof repeat !== "boolean") {
    throw new TypeError("repeat must be a boolean");
  }
  const flags = (repeat ? ACK_FLAG_REPEAT : 0) | ackOutputFlag(options.output);
  if (repeat && options.output === "follows") {
    throw new RangeError("a re-ack (repeat) never says output follows");
  }
  const keyId = request.keyId ?? 0;
  macAddress(keyId, options.serverAddress);
  writeMessage(OFF_BOOT, request.bootId);
  writeKeyId(keyId);
  writeMessage(OFF_NONCE, request.nonce);
  writeMessage(OFF_KEYS, statuses);
  const len = core.encodeAck(statuses.length, flags, request.timestamp);
  if (len < 0) throw new RangeError(`core refused the ack (${len})`);
  return sealMessage(key, len);
}

/** The ack flag for `output`: OUTPUT_FOLLOWS, OUTPUT_BUSY or none. */
function ackOutputFlag(output: unknown): number {
  if (output === undefined) return 0;
  if (output === "follows") return ACK_FLAG_OUTPUT_FOLLOWS;
  if (output === "busy") return ACK_FLAG_OUTPUT_BUSY;
  throw new RangeError(`output must be "follows" or "busy", not ${output}`);
}

/**
 * Build the refusal of an authenticated request that did not and never will
 * act: the reason, the server's current boot id and clock, the request's
 * key id and nonce, tagged with the refusal label.
 *
 * @param key the MAC key the request named.
 * @param options the server's address (required in password mode), the
 * request's key id (default 0) and nonce, the reason, the server's boot id
 * and protocol clock (ms).
 * @returns the refusal, 56 bytes (never more than the request).
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a reason that is not a RefusalReason, a bad time
 * or boot id.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRefusal, MacKey, RefusalReason } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const refusal = createRefusal(key, {
 *   serverAddress: "2001:db8::7",
 *   nonce: new Uint8Array(12),
 *   reason: RefusalReason.BOOT,
 *   bootId: new Uint8Array(8).fill(2),
 *   serverTime: 900000,
 * });
 * assert.equal(refusal.length, 56);
 * assert.equal(refusal[6], RefusalReason.BOOT);
 * ```
 */
export function createRefusal(
  key: MacKey,
  options: {
    serverAddress?: string;
    keyId?: number;
    nonce: Uint8Array;
    reason: RefusalReason;
    bootId: Uint8Array;
    serverTime: number;
  },
): Uint8Array {
  checkMacKey(key);
  checkOptions(options);
  const { reason } = options;
  if (!isMember(RefusalReason, reason)) {
    throw new RangeError(`reason (${reason}) is not a RefusalReason`);
  }
  return sealFixed(
    key,
    options,
    () => core.encodeRefusal(reason, options.serverTime),
  );
}

/**
 * Build the clock answer to an authenticated probe: the server's boot id
 * and protocol clock, the probe's key id and nonce, and for an info probe
 * the server's facts, tagged with the clock label.
 *
 * @param key the MAC key the probe named.
 * @param options the server's address (required in password mode), the
 * probe's key id (default 0) and nonce, the server's boot id and protocol
 * clock (ms), and `info`, the facts, to answer an info probe.
 * @returns the clock answer: the probe's length, 56 bytes (80 with info).
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a bad time, boot id, key id, nonce or info.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createClockAnswer, createProbe, MacKey, verifyReply } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const serverAddress = "192.0.2.7";
 * const nonce = crypto.getRandomValues(new Uint8Array(12));
 * createProbe(key, { serverAddress, nonce }); // sent by the client
 * const bootId = new Uint8Array(8).fill(3);
 * const answer = createClockAnswer(key, {
 *   serverAddress, nonce, bootId, serverTime: 1700000000000,
 * });
 * const reply = verifyReply(key, answer, {
 *   serverAddress,
 *   request: { probe: true, nonce },
 * });
 * assert.ok(reply?.type === "clock");
 * assert.equal(reply.serverTime, 1700000000000);
 * ```
 *
 * @example An info probe's answer carries the server's facts
 * ```ts
 * import assert from "node:assert";
 * import { createClockAnswer, MacKey, verifyReply } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const keyId = 0x8f3a01c2;
 * const nonce = crypto.getRandomValues(new Uint8Array(12));
 * const info = {
 *   version: "0.2.0",
 *   capabilities: { noAck: false, legacy: false, output: false, safeReboot: false },
 *   sysrq: 176,
 *   toleranceSeconds: 60,
 *   ruleKeys: "bsu",
 * };
 * const answer = createClockAnswer(key, {
 *   keyId, nonce, bootId: new Uint8Array(8).fill(3), serverTime: 5000, info,
 * });
 * assert.equal(answer.length, 80);
 * const reply = verifyReply(key, answer, {
 *   request: { probe: true, keyId, nonce, info: true },
 * });
 * assert.ok(reply?.type === "clock");
 * assert.deepEqual(reply.info, info);
 * ```
 */
export function createClockAnswer(
  key: MacKey,
  options: {
    serverAddress?: string;
    keyId?: number;
    nonce: Uint8Array;
    bootId: Uint8Array;
    serverTime: number;
    info?: ServerInfo;
  },
): Uint8Array {
  checkMacKey(key);
  checkOptions(options);
  const body = options.info === undefined ? null : encodeInfo(options.info);
  return sealFixed(key, options, () => {
    if (body !== null) writeMessage(OFF_KEYS, body);
    return core.encodeClock(options.serverTime, body === null ? 0 : INFO_LEN);
  });
}

/** Seal a refusal or clock answer the `encode` core call frames. */
function sealFixed(
  key: MacKey,
  options: {
    serverAddress?: string;
    keyId?: number;
    nonce: Uint8Array;
    bootId: Uint8Array;
    serverTime: number;
  },
  encode: () => number,
): Uint8Array {
  const nonce = checkNonce(options.nonce, "nonce");
  const bootId = checkBootId(options.bootId, "bootId");
  checkMs(options.serverTime, "serverTime");
  const keyId = checkKeyId(options.keyId ?? 0);
  macAddress(keyId, options.serverAddress);
  writeMessage(OFF_BOOT, bootId);
  writeKeyId(keyId);
  writeMessage(OFF_NONCE, nonce);
  const len = encode();
  if (len < 0) throw new RangeError(`core refused the reply (${len})`);
  return sealMessage(key, len);
}

const REASONS: Partial<Record<Verdict, RefusalReason>> = {
  [Verdict.REFUSED_STALE]: RefusalReason.STALE,
  [Verdict.REFUSED_FUTURE]: RefusalReason.FUTURE,
  [Verdict.REFUSED_REPLAY]: RefusalReason.REPLAY,
  [Verdict.REFUSED_BOOT]: RefusalReason.BOOT,
};

/**
 * What a server sends for `verdict` (verifyRequest's helper): the clock
 * answer to a probe; when the request asked, the ack, the re-ack (the
 * stored statuses, flag REPEAT) or the refusal; else null.
 */
export function serverReply(
  key: MacKey,
  verdict: Verdict,
  options: VerifyOptions,
  sent: RequestInfo | ProbeInfo,
): Uint8Array | null {
  const { serverAddress, now, state } = options;
  const { bootId } = state;
  const keyId = sent.keyId ?? 0;
  if ("probe" in sent) {
    const nonce = sent.nonce;
    return createClockAnswer(key, {
      serverAddress,
      keyId,
      nonce,
      bootId,
      serverTime: now,
      info: sent.info ? options.info ?? defaultInfo(options) : undefined,
    });
  }
  if (!sent.ackWanted) return null;
  const reason = REASONS[verdict];
  if (reason !== undefined) {
    return createRefusal(key, {
      serverAddress,
      keyId,
      nonce: sent.nonce,
      reason,
      bootId,
      serverTime: now,
    });
  }
  if (verdict !== Verdict.ACCEPTED && verdict !== Verdict.REPEATED) return null;
  const repeat = verdict === Verdict.REPEATED;
  // Output only for a request that ran now and asked for it; never a re-ack.
  const output = !repeat && sent.outputWanted
    ? options.output?.(sent)
    : undefined;
  return createAck(key, {
    serverAddress,
    request: sent,
    statuses: state.lastStatuses ?? [],
    repeat,
    output,
  });
}

/** The facts a verifier answers with when it was given none. */
function defaultInfo(options: VerifyOptions): ServerInfo {
  return {
    version: "0.0.0",
    capabilities: {
      noAck: false,
      legacy: false,
      output: false,
      safeReboot: false,
    },
    sysrq: 0,
    toleranceSeconds: Math.min(Math.floor(options.toleranceMs / 1000), 0xffff),
    ruleKeys: ALL_KEYS,
  };
}

/**
 * Check what was sent and put what its reply must echo in place; returns
 * the key id, the count a reply must carry (keys, or 0 or INFO_LEN for a
 * probe) and whether it was a probe.
 */
function checkSent(
  sent: RequestInfo | ProbeInfo,
): { keyId: number; count: number; probe: boolean } {
  if (typeof sent !== "object" || sent === null) {
    throw new TypeError("request must be a RequestInfo or ProbeInfo object");
  }
  if ("probe" in sent && sent.probe === true) {
    checkNonce(sent.nonce, "request.nonce");
    const keyId = checkKeyId(sent.keyId ?? 0, "request.keyId");
    const info = sent.info ?? false;
    if (typeof info !== "boolean") {
      throw new TypeError("request.info must be a boolean");
    }
    expectEcho(new Uint8Array(BOOT_ID_LEN), 0, keyId, sent.nonce);
    return { keyId, count: info ? INFO_LEN : 0, probe: true };
  }
  const request = sent as RequestInfo;
  checkRequestInfo(request);
  const keyId = request.keyId ?? 0;
  expectEcho(request.bootId, request.timestamp, keyId, request.nonce);
  return { keyId, count: request.keys.length, probe: false };
}

/**
 * Check a reply to what the client sent: a clock answer to a probe, an ack
 * or refusal to a request. Its tag (the reply's label, the same key and
 * address A), its key id and nonce, and for an ack its boot id, time and
 * key count must match; a refusal's or clock answer's boot id is the
 * server's current one (never all zero); a clock answer is as long as the
 * probe, and an info probe's carries the server's facts.
 *
 * @param key the MAC key the request or probe was made with.
 * @param packet the UDP payload received.
 * @param options the address the request or probe was sent to (required
 * in password mode), and what was sent: a RequestInfo, or
 * `{ probe: true, nonce, keyId?, info? }`.
 * @returns the reply, or null when it is not a valid reply to it.
 * @throws {TypeError} on a wrong type, a server address that is not IP, or
 * none in password mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import {
 *   createAck, createRefusal, KeyStatus, MacKey, RefusalReason, verifyReply,
 * } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const bootId = new Uint8Array(8).fill(1);
 * const request = {
 *   keys: "s", bootId, timestamp: 1000, nonce: new Uint8Array(12), ackWanted: true,
 * };
 * const serverAddress = "192.0.2.7";
 * const statuses = [KeyStatus.EXECUTED];
 * const ack = createAck(key, { serverAddress, request, statuses });
 * assert.equal(verifyReply(key, ack, { serverAddress, request })?.type, "ack");
 * // A retry's re-ack says the keys ran once, for an earlier copy.
 * const reAck = createAck(key, { serverAddress, request, statuses, repeat: true });
 * const again = verifyReply(key, reAck, { serverAddress, request });
 * assert.equal(again?.type === "ack" && again.repeat, true);
 * // A refusal carries the server's boot id and clock to re-stamp from.
 * const refusal = createRefusal(key, {
 *   serverAddress, nonce: request.nonce, reason: RefusalReason.BOOT,
 *   bootId: new Uint8Array(8).fill(9), serverTime: 5000,
 * });
 * const r = verifyReply(key, refusal, { serverAddress, request });
 * assert.equal(r?.type === "refusal" && r.serverTime, 5000);
 * ack[40] ^= 1; // tampered
 * assert.equal(verifyReply(key, ack, { serverAddress, request }), null);
 * ```
 */
export function verifyReply(
  key: MacKey,
  packet: Uint8Array,
  options: { serverAddress?: string; request: RequestInfo | ProbeInfo },
): Reply | null {
  checkMacKey(key);
  checkBytes(packet, "packet");
  checkOptions(options);
  const { keyId, count, probe } = checkSent(options.request);
  macAddress(keyId, options.serverAddress);
  if (packet.length > MAX_MSG_LEN) return null;
  const len = loadMessage(packet);
  // Every check but the tag in the core, in one call; the tag here.
  const type = core.checkReply(len, count, probe ? 1 : 0);
  if (type === 0 || !tagVerifies(key, len)) return null;
  const nonce = messageBytes(OFF_NONCE, NONCE_LEN);
  const bootId = messageBytes(OFF_BOOT, BOOT_ID_LEN);
  if (type === TYPE_ACK) {
    const flags = messageByte(OFF_FLAGS);
    const statuses = Array.from(
      { length: messageByte(OFF_COUNT) },
      (_, i) => messageByte(OFF_KEYS + i),
    );
    return {
      type: "ack",
      bootId,
      timestamp: messageTime(),
      nonce,
      statuses: statuses as KeyStatus[],
      repeat: (flags & ACK_FLAG_REPEAT) !== 0,
      ...ackOutput(flags),
    };
  }
  const serverTime = messageTime();
  if (type === TYPE_REFUSAL) {
    const reason = messageByte(OFF_FLAGS) as RefusalReason;
    return { type: "refusal", reason, bootId, serverTime, nonce };
  }
  if (type !== TYPE_CLOCK) return null;
  if (count === 0) return { type: "clock", bootId, serverTime, nonce };
  const info = parseInfo(messageBytes(OFF_KEYS, INFO_LEN));
  return { type: "clock", bootId, serverTime, nonce, info };
}

/** An ack's output field, from its flags (the core checked them). */
function ackOutput(flags: number): { output?: "follows" | "busy" } {
  if (flags & ACK_FLAG_OUTPUT_FOLLOWS) return { output: "follows" };
  if (flags & ACK_FLAG_OUTPUT_BUSY) return { output: "busy" };
  return {};
}
