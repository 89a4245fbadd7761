/**
 * Requests: build one (client) and judge one with the server's ladder.
 *
 * @module
 */

import {
  core,
  loadMessage,
  messageByte,
  messageBytes,
  messageText,
  messageTime,
  sealMessage,
  setAddress,
  tagVerifies,
  writeMessage,
} from "./_wasm.ts";
import {
  FLAG_ACK_WANTED,
  MAX_KEYS,
  NONCE_LEN,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEYS,
  OFF_NONCE,
  Verdict,
} from "./constants.ts";
import type { MacKey } from "./key.ts";
import type {
  RequestInfo,
  RequestOptions,
  VerifyOptions,
  VerifyResult,
} from "./types.ts";
import {
  checkBytes,
  checkInteger,
  checkMacKey,
  checkMs,
  checkNonce,
  checkString,
  keyBytes,
} from "./_validate.ts";

/**
 * Build a request packet: header, timestamp, nonce, keys, and the 16-byte
 * tag over them (with the request label and the server's address).
 *
 * @param key the MAC key from {@link deriveKey}.
 * @param options keys, server address, and optional timestamp, nonce and
 * ackWanted.
 * @returns the UDP payload, 48 + keys.length bytes.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on 0 or more than 16 keys, a non-printable key, a
 * bad timestamp or a nonce that is not 16 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRequest, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const packet = createRequest(key, { keys: "sub", serverAddress: "192.0.2.7" });
 * assert.equal(packet.length, 51);
 * assert.equal(new TextDecoder().decode(packet.subarray(0, 4)), "NSRQ");
 * assert.throws(() => createRequest(key, { keys: "", serverAddress: "192.0.2.7" }), RangeError);
 * ```
 */
export function createRequest(
  key: MacKey,
  options: RequestOptions,
): Uint8Array {
  checkMacKey(key);
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const keys = keyBytes(options.keys, MAX_KEYS);
  const timestamp = checkMs(options.timestamp ?? Date.now(), "timestamp");
  const nonce = options.nonce === undefined
    ? crypto.getRandomValues(new Uint8Array(NONCE_LEN))
    : checkNonce(options.nonce);
  const ackWanted = options.ackWanted ?? true;
  if (typeof ackWanted !== "boolean") {
    throw new TypeError("ackWanted must be a boolean");
  }
  setAddress(checkString(options.serverAddress, "serverAddress"));
  writeMessage(OFF_NONCE, nonce);
  writeMessage(OFF_KEYS, keys);
  const len = core.encodeRequest(keys.length, ackWanted ? 1 : 0, timestamp);
  if (len < 0) throw new RangeError(`core refused the request (${len})`);
  return sealMessage(key, len);
}

/** Read the request in the message area (after the core checked it). */
function readRequest(): RequestInfo {
  return {
    keys: messageText(OFF_KEYS, messageByte(OFF_COUNT)),
    timestamp: messageTime(),
    nonce: messageBytes(OFF_NONCE, NONCE_LEN),
    ackWanted: (messageByte(OFF_FLAGS) & FLAG_ACK_WANTED) !== 0,
  };
}

function checkVerifyOptions(options: VerifyOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  checkString(options.serverAddress, "serverAddress");
  checkMs(options.now, "now");
  checkMs(options.toleranceMs, "toleranceMs");
  const state = options.state;
  if (typeof state !== "object" || state === null) {
    throw new TypeError("state must be an object");
  }
  checkMs(state.lastAccepted, "state.lastAccepted");
  checkInteger(state.refusalTokens, "state.refusalTokens");
}

/**
 * Judge a request with the server's acceptance ladder (docs/PROTOCOL.md):
 * the cheap rungs first, the MAC last, and the MAC only when needed. An
 * ACCEPTED request advances `state.lastAccepted`; a time failure takes a
 * refusal token when one is left (and only then is the MAC checked).
 *
 * @param key the MAC key, or null when no password is configured.
 * @param packet the UDP payload as received.
 * @param options server address, clock, tolerance and state (mutated).
 * @returns the verdict, and the request for ACCEPTED and REFUSED_*.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a negative or fractional time.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRequest, MacKey, Verdict, verifyRequest } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const serverAddress = "192.0.2.7";
 * const packet = createRequest(key, { keys: "s", serverAddress, timestamp: 1000 });
 * const state = { lastAccepted: 0, refusalTokens: 5 };
 * const options = { serverAddress, now: 1000, toleranceMs: 300000, state };
 * assert.equal(verifyRequest(key, packet, options).verdict, Verdict.ACCEPTED);
 * assert.equal(state.lastAccepted, 1000);
 * // The same packet again is a replay: refused, never run twice.
 * assert.equal(verifyRequest(key, packet, options).verdict, Verdict.REFUSED_REPLAY);
 * ```
 */
export function verifyRequest(
  key: MacKey | null,
  packet: Uint8Array,
  options: VerifyOptions,
): VerifyResult {
  if (key !== null) checkMacKey(key);
  checkBytes(packet, "packet");
  checkVerifyOptions(options);
  const { state } = options;
  setAddress(options.serverAddress);
  const len = loadMessage(packet);
  // Rungs 1 to 12 in the core, in one call; rung 13 and the state here.
  const pending = core.checkRequest(
    len,
    key !== null ? 1 : 0,
    options.now,
    options.toleranceMs,
    state.lastAccepted,
    state.refusalTokens,
  );
  const refused = pending >= Verdict.REFUSED_STALE;
  if (pending !== Verdict.ACCEPTED && !refused) return { verdict: pending };
  // A time failure with a token left: the token is spent whatever the MAC.
  if (refused) state.refusalTokens -= 1;
  if (!tagVerifies(key as MacKey, len)) return { verdict: Verdict.BAD_MAC };
  const request = readRequest();
  if (pending === Verdict.ACCEPTED) state.lastAccepted = request.timestamp;
  return { verdict: pending, request };
}
