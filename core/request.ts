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
  messageKeyId,
  messageText,
  messageTime,
  messageTimeExact,
  sealMessage,
  setMacAddress,
  tagVerifies,
  writeKeyId,
  writeMessage,
} from "./_wasm.ts";
import {
  BOOT_ID_LEN,
  FLAG_ACK_WANTED,
  FLAG_ONLY_IF_SYNCED,
  FLAG_OUTPUT_WANTED,
  FLAG_SAFE_REBOOT,
  KeyStatus,
  MAX_KEYS,
  NONCE_LEN,
  OFF_BOOT,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEY_ID,
  OFF_KEYS,
  OFF_NONCE,
  Verdict,
} from "./constants.ts";
import { isMacKey, type MacKey } from "./key.ts";
import { KeySet } from "./key_set.ts";
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
  checkKeyId,
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

/** The key id of a message's options (default 0) and its MAC's address A. */
function keyIdAndAddress(
  options: { keyId?: number; serverAddress?: string },
): number {
  const keyId = checkKeyId(options.keyId ?? 0);
  const address = options.serverAddress;
  if (address !== undefined) checkString(address, "serverAddress");
  setMacAddress(keyId, address);
  return keyId;
}

/** The flags byte of a request; throws on a combination rung 8 refuses. */
function requestFlags(options: RequestOptions, ackWanted: boolean): number {
  const safe = options.safeReboot ?? false;
  const only = options.onlyIfSynced ?? false;
  if (typeof safe !== "boolean" || typeof only !== "boolean") {
    throw new TypeError("safeReboot and onlyIfSynced must be booleans");
  }
  if (only && !safe) throw new RangeError("onlyIfSynced needs safeReboot");
  if (safe && (!ackWanted || options.keys !== "b")) {
    throw new RangeError('a safe reboot has the one key "b" and wants an ack');
  }
  return (ackWanted ? FLAG_ACK_WANTED : 0) |
    (safe ? FLAG_SAFE_REBOOT : 0) | (only ? FLAG_ONLY_IF_SYNCED : 0);
}

/**
 * Build a request packet: header, boot id, time, key id, nonce, keys, and
 * the 16-byte tag over them (with the request label and the MAC's address
 * A: the server's address in password mode, zeros with a server key).
 * The boot id and time come from the server (its clock answer or refusal):
 * a client never stamps a request from its own clock.
 *
 * @param key the MAC key: from {@link deriveKey} (password, key id 0) or
 * {@link serverKey} (with `keyId`).
 * @param options keys, boot id, time, the key id (default 0), the server
 * address (required with key id 0), and optional nonce and ackWanted.
 * @returns the UDP payload, 56 + keys.length bytes.
 * @throws {TypeError} on a wrong type, a server address that is not IP, or
 * none in password mode.
 * @throws {RangeError} on 0 or more than 16 keys, a non-printable key, a
 * bad time, a key id that is not 0 or 80000000..ffffffff, a boot id that
 * is not 8 bytes or a nonce that is not 12.
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
 * assert.deepEqual([...packet.subarray(24, 28)], [0, 0, 0, 0]); // password
 * assert.throws(
 *   () => createRequest(key, { keys: "", serverAddress, bootId, timestamp: 0 }),
 *   RangeError,
 * );
 * // A server key's request names its key id and needs no address.
 * const keyed = createRequest(key, {
 *   keys: "s", keyId: 0x8f3a01c2, bootId, timestamp: 1700000000000,
 * });
 * assert.deepEqual([...keyed.subarray(24, 28)], [0x8f, 0x3a, 0x01, 0xc2]);
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
  const outputWanted = options.outputWanted ?? false;
  if (typeof outputWanted !== "boolean") {
    throw new TypeError("outputWanted must be a boolean");
  }
  if (outputWanted && !ackWanted) {
    throw new RangeError("outputWanted goes with ackWanted only");
  }
  const flags = requestFlags(options, ackWanted) |
    (outputWanted ? FLAG_OUTPUT_WANTED : 0);
  const keyId = keyIdAndAddress(options);
  writeMessage(OFF_BOOT, bootId);
  writeKeyId(keyId);
  writeMessage(OFF_NONCE, nonce);
  writeMessage(OFF_KEYS, keys);
  const len = core.encodeRequest(keys.length, flags, timestamp);
  if (len < 0) throw new RangeError(`core refused the request (${len})`);
  return sealMessage(key, len);
}

/**
 * Build a probe: the client's authenticated question "what is your boot id
 * and clock?", answered with a clock answer (see {@link verifyReply}); an
 * info probe also asks for the server's facts ({@link ServerInfo}). A probe
 * never acts and never changes the server's state.
 *
 * @param key the MAC key.
 * @param options the key id (default 0), the server's address (required
 * with key id 0), an optional nonce, and `info` for an info probe.
 * @returns the UDP payload, 56 bytes (80 for an info probe).
 * @throws {TypeError} on a wrong type, a server address that is not IP, or
 * none in password mode.
 * @throws {RangeError} on a bad key id or a nonce that is not 12 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createProbe, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const nonce = crypto.getRandomValues(new Uint8Array(12));
 * const probe = createProbe(key, { serverAddress: "192.0.2.7", nonce });
 * assert.equal(probe.length, 56);
 * assert.equal(probe[5], 4); // type probe
 * assert.deepEqual(probe.subarray(28, 40), nonce);
 * const info = createProbe(key, { keyId: 0x8f3a01c2, info: true });
 * assert.equal(info.length, 80);
 * assert.equal(info[7], 24); // count: the facts' length
 * ```
 */
export function createProbe(key: MacKey, options: ProbeOptions): Uint8Array {
  checkMacKey(key);
  checkObject(options);
  const nonce = nonceOf(options);
  const info = options.info ?? false;
  if (typeof info !== "boolean") throw new TypeError("info must be a boolean");
  writeKeyId(keyIdAndAddress(options));
  writeMessage(OFF_NONCE, nonce);
  return sealMessage(key, core.encodeProbe(info ? 1 : 0));
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
    keyId: messageKeyId(),
    bootId: copy.subarray(OFF_BOOT, OFF_BOOT + BOOT_ID_LEN),
    timestamp: messageTime(),
    nonce: copy.subarray(OFF_NONCE, OFF_NONCE + NONCE_LEN),
    ackWanted: (copy[OFF_FLAGS] & FLAG_ACK_WANTED) !== 0,
    outputWanted: (copy[OFF_FLAGS] & FLAG_OUTPUT_WANTED) !== 0,
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

/** The key set of verifyRequest's first argument (a MacKey: the password). */
function keySetOf(keys: MacKey | KeySet | null): KeySet | MacKey | null {
  if (keys === null || keys instanceof KeySet) return keys;
  if (!isMacKey(keys)) {
    throw new TypeError("keys must be a KeySet, a MacKey or null");
  }
  return keys;
}

/** The packet's key id (bytes 24..28), 0 when it is too short to have one. */
function packetKeyId(packet: Uint8Array): number {
  if (packet.length < OFF_KEY_ID + 4) return 0;
  return ((packet[OFF_KEY_ID] << 24) | (packet[OFF_KEY_ID + 1] << 16) |
    (packet[OFF_KEY_ID + 2] << 8) | packet[OFF_KEY_ID + 3]) >>> 0;
}

/**
 * Judge a request or probe with the server's ladder (docs/PROTOCOL.md):
 * the cheap rungs first, the tag only where the ladder says so; the key is
 * the one the packet's key id names (rung K: an id the server does not hold
 * is UNKNOWN_KEY, with no hash and no reply), with that mode's address A.
 * ACCEPTED
 * raises `state.floor` to the request's time and stores it (and the
 * statuses of its keys) as the last accepted request; an authenticated
 * FUTURE request raises the floor too, so it can never act later; a copy of
 * the last accepted request is REPEATED: re-acked, nothing runs. Refusals
 * and re-acks take a refusal token when one is left, and are silent
 * without one.
 *
 * @param keys the server's keys: a {@link KeySet}, a MacKey (a password's
 * key alone, key id 0), or null when nothing is configured.
 * @param packet the UDP payload as received.
 * @param options server address, protocol clock, tolerance, state
 * (mutated), and optionally how the keys would be judged and the facts an
 * info probe's answer carries.
 * @returns the verdict; the key id from rung K on; the request for every
 * authenticated one; the reply to send when there is one.
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
 *
 * @example Server keys: one per administrator, looked up by key id
 * ```ts
 * import assert from "node:assert";
 * import {
 *   createRequest, createServerState, KeySet, keyIdOf, serverKey, Verdict,
 *   verifyRequest,
 * } from "../mod.ts";
 * const adminSecret = crypto.getRandomValues(new Uint8Array(32));
 * const keyId = await keyIdOf(adminSecret);
 * const web1 = await serverKey(adminSecret, "web1");
 * const web2 = await serverKey(adminSecret, "web2");
 * const state = createServerState();
 * // Both servers see themselves at 10.0.0.4; each holds only its own key.
 * const options = {
 *   serverAddress: "10.0.0.4", now: 1700000000000, toleranceMs: 60000, state,
 * };
 * const atWeb2 = new KeySet({ serverKeys: [[keyId, web2]] });
 * const forWeb1 = createRequest(web1, {
 *   keys: "b", keyId, bootId: state.bootId, timestamp: 1700000000000,
 * });
 * assert.equal(verifyRequest(atWeb2, forWeb1, options).verdict, Verdict.BAD_MAC);
 * // web1 also holds the key of the admin secret that replaces this one.
 * const next = crypto.getRandomValues(new Uint8Array(32));
 * const atWeb1 = new KeySet({
 *   serverKeys: [[keyId, web1], [await keyIdOf(next), await serverKey(next, "web1")]],
 * });
 * assert.equal(verifyRequest(atWeb1, forWeb1, options).verdict, Verdict.ACCEPTED);
 * atWeb1.remove(keyId); // the old key removed: no hash, no answer
 * const late = createRequest(web1, {
 *   keys: "s", keyId, bootId: state.bootId, timestamp: 1700000000001,
 * });
 * assert.equal(verifyRequest(atWeb1, late, options).verdict, Verdict.UNKNOWN_KEY);
 * ```
 */
export function verifyRequest(
  keys: MacKey | KeySet | null,
  packet: Uint8Array,
  options: VerifyOptions,
): VerifyResult {
  const set = keySetOf(keys);
  checkBytes(packet, "packet");
  checkVerifyOptions(options);
  const { state } = options;
  // Rung K's lookup: the core orders it after the frame rungs, which prove
  // the packet long enough to hold the id it reads.
  const keyId = packetKeyId(packet);
  const key = set === null
    ? null
    : set instanceof KeySet
    ? set.find(keyId)
    : keyId === 0
    ? set
    : null;
  const configured = set instanceof KeySet ? set.configured : set !== null;
  // The MAC's address A; the server's address is checked whatever the id.
  setMacAddress(key === null ? 0 : keyId, options.serverAddress);
  const len = loadMessage(packet);
  loadBootId(state.bootId);
  // Every rung without a hash in the core, in one call; the tag here.
  const pending = core.checkRequest(
    len,
    configured ? 1 : 0,
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
  if ((pending & PENDING_TAG) === 0) {
    // From rung K on, the result names the key that judged the packet; the
    // frame rungs (1 to 9) and rung K itself name none.
    const pastK = verdict > Verdict.BAD_KEY_CHAR &&
      verdict !== Verdict.UNKNOWN_KEY;
    return pastK ? { verdict, keyId } : { verdict };
  }
  if (tokenBeforeTag(verdict)) state.refusalTokens -= 1;
  if (!tagVerifies(key as MacKey, len)) {
    return { verdict: Verdict.BAD_MAC, keyId };
  }
  if (verdict === Verdict.PROBE_ANSWERED) {
    const nonce = messageBytes(OFF_NONCE, NONCE_LEN);
    const info = packet[OFF_COUNT] !== 0;
    const sent = { probe: true as const, keyId, nonce, info };
    const reply = serverReply(key!, verdict, options, sent)!;
    return { verdict, keyId, reply };
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
  const keyId = request.keyId ?? 0;
  const reply = serverReply(key, verdict, options, request);
  return reply === null
    ? { verdict, keyId, request }
    : { verdict, keyId, request, reply };
}
