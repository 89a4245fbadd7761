/**
 * Replies: the server's ack and refusal, and the client's check of them.
 *
 * @module
 */

import {
  core,
  expectNonce,
  loadMessage,
  messageByte,
  messageBytes,
  messageTime,
  sealMessage,
  setAddress,
  tagVerifies,
  writeMessage,
} from "./_wasm.ts";
import {
  KeyStatus,
  MAX_KEYS,
  MAX_MSG_LEN,
  NONCE_LEN,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEYS,
  OFF_NONCE,
  RefusalReason,
  TYPE_ACK,
  TYPE_REFUSAL,
} from "./constants.ts";
import type { MacKey } from "./key.ts";
import type { Reply, RequestInfo } from "./types.ts";
import {
  checkBytes,
  checkMacKey,
  checkMs,
  checkNonce,
  checkString,
  isMember,
  keyBytes,
} from "./_validate.ts";

/** Throw unless `request` is a well-formed RequestInfo. */
function checkRequestInfo(request: RequestInfo, withTime = true): void {
  if (typeof request !== "object" || request === null) {
    throw new TypeError("request must be a RequestInfo object");
  }
  keyBytes(request.keys, MAX_KEYS, "request.keys");
  // A refusal does not echo the time, which may be any u64 (REFUSED_FUTURE).
  if (withTime) checkMs(request.timestamp, "request.timestamp");
  checkNonce(request.nonce, "request.nonce");
}

function checkOptions(options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
}

/**
 * Build the ack for an accepted request: its timestamp and nonce echoed,
 * one status per requested key, tagged with the ack label.
 *
 * @param key the MAC key.
 * @param options the server's address, the request (from verifyRequest)
 * and one {@link KeyStatus} per requested key, in order.
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
 * const request = { keys: "sb", timestamp: 1000, nonce: new Uint8Array(16), ackWanted: true };
 * const ack = createAck(key, {
 *   serverAddress: "192.0.2.7",
 *   request,
 *   statuses: [KeyStatus.EXECUTED, KeyStatus.REFUSED_BY_RULE],
 * });
 * assert.equal(ack.length, 50);
 * assert.deepEqual([...ack.subarray(32, 34)], [0, 1]);
 * ```
 */
export function createAck(
  key: MacKey,
  options: {
    serverAddress: string;
    request: RequestInfo;
    statuses: KeyStatus[];
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
  setAddress(checkString(options.serverAddress, "serverAddress"));
  writeMessage(OFF_NONCE, request.nonce);
  writeMessage(OFF_KEYS, statuses);
  const len = core.encodeAck(statuses.length, request.timestamp);
  if (len < 0) throw new RangeError(`core refused the ack (${len})`);
  return sealMessage(key, len);
}

/**
 * Build the refusal for an authenticated request whose time was refused:
 * the reason, the server's clock and the request's nonce, tagged with the
 * refusal label.
 *
 * @param key the MAC key.
 * @param options the server's address, the request, the reason and the
 * server's clock (ms since the epoch).
 * @returns the refusal, 48 bytes (never more than the request).
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a reason that is not a RefusalReason or a bad time.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRefusal, MacKey, RefusalReason } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const request = { keys: "s", timestamp: 1000, nonce: new Uint8Array(16), ackWanted: true };
 * const refusal = createRefusal(key, {
 *   serverAddress: "2001:db8::7",
 *   request,
 *   reason: RefusalReason.STALE,
 *   serverTime: 900000,
 * });
 * assert.equal(refusal.length, 48);
 * assert.equal(refusal[6], RefusalReason.STALE);
 * ```
 */
export function createRefusal(
  key: MacKey,
  options: {
    serverAddress: string;
    request: RequestInfo;
    reason: RefusalReason;
    serverTime: number;
  },
): Uint8Array {
  checkMacKey(key);
  checkOptions(options);
  const { request, reason } = options;
  checkRequestInfo(request, false);
  if (!isMember(RefusalReason, reason)) {
    throw new RangeError(`reason (${reason}) is not a RefusalReason`);
  }
  const serverTime = checkMs(options.serverTime, "serverTime");
  setAddress(checkString(options.serverAddress, "serverAddress"));
  writeMessage(OFF_NONCE, request.nonce);
  const len = core.encodeRefusal(reason, serverTime);
  if (len < 0) throw new RangeError(`core refused the refusal (${len})`);
  return sealMessage(key, len);
}

/**
 * Check a reply to `request`: its tag (ack or refusal label, same address),
 * its nonce, and for an ack its timestamp and key count.
 *
 * @param key the MAC key.
 * @param packet the UDP payload received.
 * @param options the address the request was sent to, and the request.
 * @returns the reply, or null when it is not a valid reply to this request.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createAck, KeyStatus, MacKey, verifyReply } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const request = { keys: "s", timestamp: 1000, nonce: new Uint8Array(16), ackWanted: true };
 * const serverAddress = "192.0.2.7";
 * const ack = createAck(key, { serverAddress, request, statuses: [KeyStatus.EXECUTED] });
 * const reply = verifyReply(key, ack, { serverAddress, request });
 * assert.equal(reply?.type, "ack");
 * ack[32] ^= 1; // tampered
 * assert.equal(verifyReply(key, ack, { serverAddress, request }), null);
 * ```
 */
export function verifyReply(
  key: MacKey,
  packet: Uint8Array,
  options: { serverAddress: string; request: RequestInfo },
): Reply | null {
  checkMacKey(key);
  checkBytes(packet, "packet");
  checkOptions(options);
  const { request } = options;
  checkRequestInfo(request);
  setAddress(checkString(options.serverAddress, "serverAddress"));
  if (packet.length > MAX_MSG_LEN) return null;
  const len = loadMessage(packet);
  expectNonce(request.nonce);
  // Every check but the tag in the core, in one call; the tag here.
  const type = core.checkReply(len, request.keys.length, request.timestamp);
  if (type !== TYPE_ACK && type !== TYPE_REFUSAL) return null;
  if (!tagVerifies(key, len)) return null;
  const nonce = messageBytes(OFF_NONCE, NONCE_LEN);
  if (type === TYPE_ACK) {
    const statuses = Array.from(
      { length: messageByte(OFF_COUNT) },
      (_, i) => messageByte(OFF_KEYS + i),
    );
    return {
      type: "ack",
      timestamp: messageTime(),
      nonce,
      statuses: statuses as KeyStatus[],
    };
  }
  return {
    type: "refusal",
    reason: messageByte(OFF_FLAGS) as RefusalReason,
    serverTime: messageTime(),
    nonce,
  };
}
