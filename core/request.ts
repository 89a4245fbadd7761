/**
 * Requests and probes: build them (client) and judge them with the
 * server's ladder (docs/PROTOCOL.md).
 *
 * @module
 */

import {
  core,
  currentAddress16,
  loadBootId,
  loadLast,
  loadMessage,
  messageBytes,
  messageText,
  messageTime,
  messageTimeExact,
  sealMessage,
  setAddress,
  tagVerifies,
  writeMessage,
} from "./_wasm.ts";
import {
  BOOT_ID_LEN,
  FLAG_ACK_WANTED,
  KeyStatus,
  MAX_KEYS,
  NONCE_LEN,
  OFF_BOOT,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEYS,
  OFF_NONCE,
  Verdict,
} from "./constants.ts";
import type { MacKey } from "./key.ts";
import type {
  ProbeOptions,
  RequestInfo,
  RequestOptions,
  ServerState,
  VerifyOptions,
  VerifyResult,
} from "./types.ts";
import {
  checkBootId,
  checkBytes,
  checkInteger,
  checkMacKey,
  checkMs,
  checkNonce,
  checkString,
  keyBytes,
} from "./_validate.ts";
import { serverReply } from "./reply.ts";

/** Set in the core's verdict when it still needs the tag. */
const PENDING_TAG = 0x100;

function checkObject(options: unknown, name = "options"): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${name} must be an object`);
  }
}

function nonceOf(options: { nonce?: Uint8Array }): Uint8Array {
  return options.nonce === undefined
    ? crypto.getRandomValues(new Uint8Array(NONCE_LEN))
    : checkNonce(options.nonce);
}

/**
 * Build a request packet: header, boot id, time, nonce, keys, and the
 * 16-byte tag over them (with the request label and the server's address).
 * The boot id and time come from the server (its clock answer or refusal):
 * a client never stamps a request from its own clock.
 *
 * @param key the MAC key from {@link deriveKey}.
 * @param options keys, server address, boot id, time, and optional nonce
 * and ackWanted.
 * @returns the UDP payload, 56 + keys.length bytes.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on 0 or more than 16 keys, a non-printable key, a
 * bad time, a boot id that is not 8 bytes or a nonce that is not 16.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRequest, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const bootId = new Uint8Array(8).fill(0xb0);
 * const serverAddress = "192.0.2.7";
 * const packet = createRequest(key, {
 *   keys: "sub",
 *   serverAddress,
 *   bootId,
 *   timestamp: 1700000000000,
 * });
 * assert.equal(packet.length, 59);
 * assert.equal(new TextDecoder().decode(packet.subarray(0, 4)), "NSRQ");
 * assert.throws(
 *   () => createRequest(key, { keys: "", serverAddress, bootId, timestamp: 0 }),
 *   RangeError,
 * );
 * ```
 */
export function createRequest(
  key: MacKey,
  options: RequestOptions,
): Uint8Array {
  checkMacKey(key);
  checkObject(options);
  const keys = keyBytes(options.keys, MAX_KEYS);
  const bootId = checkBootId(options.bootId, "bootId");
  const timestamp = checkMs(options.timestamp, "timestamp");
  const nonce = nonceOf(options);
  const ackWanted = options.ackWanted ?? true;
  if (typeof ackWanted !== "boolean") {
    throw new TypeError("ackWanted must be a boolean");
  }
  setAddress(checkString(options.serverAddress, "serverAddress"));
  writeMessage(OFF_BOOT, bootId);
  writeMessage(OFF_NONCE, nonce);
  writeMessage(OFF_KEYS, keys);
  const len = core.encodeRequest(keys.length, ackWanted ? 1 : 0, timestamp);
  if (len < 0) throw new RangeError(`core refused the request (${len})`);
  return sealMessage(key, len);
}

/**
 * Build a probe: the client's authenticated question "what is your boot id
 * and clock?", answered with a clock answer (see {@link verifyReply}). A
 * probe never acts and never changes the server's state.
 *
 * @param key the MAC key.
 * @param options the server's address and an optional nonce.
 * @returns the UDP payload, 56 bytes.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a nonce that is not 16 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createProbe, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const nonce = crypto.getRandomValues(new Uint8Array(16));
 * const probe = createProbe(key, { serverAddress: "192.0.2.7", nonce });
 * assert.equal(probe.length, 56);
 * assert.equal(probe[5], 4); // type probe
 * assert.deepEqual(probe.subarray(24, 40), nonce);
 * ```
 */
export function createProbe(key: MacKey, options: ProbeOptions): Uint8Array {
  checkMacKey(key);
  checkObject(options);
  const nonce = nonceOf(options);
  setAddress(checkString(options.serverAddress, "serverAddress"));
  writeMessage(OFF_NONCE, nonce);
  return sealMessage(key, core.encodeProbe());
}

/**
 * A fresh server state: a random boot id (never all zero), floor 0,
 * nothing accepted, a full refusal budget. What the kernel makes when a
 * password is written.
 *
 * @param refusalTokens the refusal budget to start with; default 5.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createServerState } from "../mod.ts";
 * const state = createServerState();
 * assert.equal(state.bootId.length, 8);
 * assert.equal(state.floor, 0n);
 * assert.notDeepEqual(createServerState().bootId, state.bootId);
 * ```
 */
export function createServerState(refusalTokens = 5): ServerState {
  checkInteger(refusalTokens, "refusalTokens");
  const bootId = new Uint8Array(BOOT_ID_LEN);
  while (bootId.every((b) => b === 0)) crypto.getRandomValues(bootId);
  return {
    bootId,
    floor: 0n,
    lastAccepted: null,
    lastStatuses: null,
    lastAddress: null,
    refusalTokens,
  };
}

/**
 * Read an authenticated request from `copy`, a copy of exactly its bytes
 * (the core checked its frame). Its fields are views of the copy: one
 * allocation per request, not one per field.
 */
function readRequest(copy: Uint8Array): RequestInfo {
  const count = copy[OFF_COUNT];
  return {
    keys: messageText(OFF_KEYS, count),
    bootId: copy.subarray(OFF_BOOT, OFF_BOOT + BOOT_ID_LEN),
    timestamp: messageTime(),
    nonce: copy.subarray(OFF_NONCE, OFF_NONCE + NONCE_LEN),
    ackWanted: (copy[OFF_FLAGS] & FLAG_ACK_WANTED) !== 0,
  };
}

function checkState(state: ServerState): void {
  checkObject(state, "state");
  checkBootId(state.bootId, "state.bootId");
  if (typeof state.floor !== "bigint" || state.floor < 0n) {
    throw new TypeError("state.floor must be a bigint >= 0");
  }
  if (state.lastAccepted !== null) {
    checkBytes(state.lastAccepted, "state.lastAccepted");
  }
  if (state.lastAddress !== null) {
    checkBytes(state.lastAddress, "state.lastAddress");
  }
  checkInteger(state.refusalTokens, "state.refusalTokens");
}

function checkVerifyOptions(options: VerifyOptions): void {
  checkObject(options);
  checkString(options.serverAddress, "serverAddress");
  checkMs(options.now, "now");
  checkMs(options.toleranceMs, "toleranceMs");
  checkState(options.state);
}

/** Whether the core's pending verdict takes a refusal token before the tag. */
function tokenBeforeTag(v: Verdict): boolean {
  return v === Verdict.REFUSED_BOOT || v === Verdict.REFUSED_STALE ||
    v === Verdict.REFUSED_REPLAY;
}

/** The statuses a request about to be accepted gets. */
/**
 * "Every key executed", one frozen array per key count: the default
 * statuses, shared instead of made per accepted request (an allocation is a
 * measurable share of a verify here).
 */
const ALL_EXECUTED: KeyStatus[][] = Array.from(
  { length: MAX_KEYS + 1 },
  (_, n) => Object.freeze(Array(n).fill(KeyStatus.EXECUTED)) as KeyStatus[],
);

function statusesOf(options: VerifyOptions, keys: string): KeyStatus[] {
  const statuses = options.statuses?.(keys) ?? ALL_EXECUTED[keys.length];
  if (statuses.length !== keys.length) {
    throw new RangeError(
      `statuses gave ${statuses.length} statuses for ${keys.length} keys`,
    );
  }
  return statuses;
}

/**
 * The rest of the ladder once the tag verified: consume a FUTURE request,
 * commit an ACCEPTED one (floor, last request and its statuses together).
 */
function settle(
  verdict: Verdict,
  copy: Uint8Array,
  options: VerifyOptions,
  request: RequestInfo,
): Verdict {
  const { state } = options;
  if (verdict === Verdict.FUTURE || verdict === Verdict.REFUSED_FUTURE) {
    const ts = messageTimeExact();
    if (ts > state.floor) state.floor = ts;
    if (verdict === Verdict.REFUSED_FUTURE) state.refusalTokens -= 1;
  } else if (verdict === Verdict.ACCEPTED) {
    state.lastStatuses = statusesOf(options, request.keys);
    state.floor = messageTimeExact();
    state.lastAccepted = copy;
    // Kept as is when unchanged: no copy per request on the common path.
    state.lastAddress = currentAddress16(state.lastAddress);
  }
  return verdict;
}

/**
 * Judge a request or probe with the server's ladder (docs/PROTOCOL.md):
 * the cheap rungs first, the tag only where the ladder says so. ACCEPTED
 * raises `state.floor` to the request's time and stores it (and the
 * statuses of its keys) as the last accepted request; an authenticated
 * FUTURE request raises the floor too, so it can never act later; a copy of
 * the last accepted request is REPEATED: re-acked, nothing runs. Refusals
 * and re-acks take a refusal token when one is left, and are silent
 * without one.
 *
 * @param key the MAC key, or null when no password is configured.
 * @param packet the UDP payload as received.
 * @param options server address, protocol clock, tolerance, state
 * (mutated) and optionally how the keys would be judged.
 * @returns the verdict; the request for every authenticated one; the reply
 * to send when there is one.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a negative or fractional time.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import {
 *   createProbe, createRequest, createServerState, MacKey, Verdict,
 *   verifyRequest,
 * } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const serverAddress = "192.0.2.7";
 * const state = createServerState();
 * const options = { serverAddress, now: 1700000000000, toleranceMs: 60000, state };
 * // A probe is answered with the boot id and clock, and changes nothing.
 * const probe = createProbe(key, { serverAddress });
 * assert.equal(verifyRequest(key, probe, options).verdict, Verdict.PROBE_ANSWERED);
 * const bootId = state.bootId;
 * const packet = createRequest(key, {
 *   keys: "s", serverAddress, bootId, timestamp: 1700000000000,
 * });
 * assert.equal(verifyRequest(key, packet, options).verdict, Verdict.ACCEPTED);
 * assert.equal(state.floor, 1700000000000n);
 * // The same bytes again (a retry): re-acked, the keys do not run again.
 * const again = verifyRequest(key, packet, options);
 * assert.equal(again.verdict, Verdict.REPEATED);
 * assert.equal(again.reply?.[6], 1); // the REPEAT flag
 * // Stamped an hour ahead: refused, and consumed: it can never act.
 * const ahead = createRequest(key, {
 *   keys: "b", serverAddress, bootId, timestamp: 1700003600000,
 * });
 * assert.equal(verifyRequest(key, ahead, options).verdict, Verdict.REFUSED_FUTURE);
 * const later = { ...options, now: 1700003600000 };
 * assert.equal(verifyRequest(key, ahead, later).verdict, Verdict.REFUSED_REPLAY);
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
  loadBootId(state.bootId);
  // Every rung without a hash in the core, in one call; the tag here.
  const pending = core.checkRequest(
    len,
    key !== null ? 1 : 0,
    options.now,
    options.toleranceMs,
    state.floor,
    state.refusalTokens,
    loadLast(state.lastAccepted, state.lastAddress),
  );
  let verdict = (pending & ~PENDING_TAG) as Verdict;
  if (verdict === Verdict.REPEATED) {
    state.refusalTokens -= 1;
    return answered(key!, verdict, options, readRequest(packet.slice(0, len)));
  }
  if ((pending & PENDING_TAG) === 0) return { verdict };
  if (tokenBeforeTag(verdict)) state.refusalTokens -= 1;
  if (!tagVerifies(key as MacKey, len)) return { verdict: Verdict.BAD_MAC };
  if (verdict === Verdict.PROBE_ANSWERED) {
    const nonce = messageBytes(OFF_NONCE, NONCE_LEN);
    const sent = { probe: true as const, nonce };
    return { verdict, reply: serverReply(key!, verdict, options, sent)! };
  }
  const copy = packet.slice(0, len);
  const request = readRequest(copy);
  verdict = settle(verdict, copy, options, request);
  return answered(key!, verdict, options, request);
}

/** The result for an authenticated request, with its reply if it has one. */
function answered(
  key: MacKey,
  verdict: Verdict,
  options: VerifyOptions,
  request: RequestInfo,
): VerifyResult {
  const reply = serverReply(key, verdict, options, request);
  return reply === null ? { verdict, request } : { verdict, request, reply };
}
