/**
 * netsysrq: the magic SysRq key over the network, protocol v2
 * (docs/PROTOCOL.md). This is the packet library shared by the client and
 * the tests: build and verify probes (and info probes), requests, acks,
 * refusals and clock answers, derive the MAC key from a password or a
 * server's key from an admin secret, and speak xtables-addons' legacy text
 * format.
 *
 * Framing, the rungs of the server's ladder before the MAC and the
 * constant-time MAC comparison run in a small WebAssembly core
 * (core/assembly/), for v2 and the legacy format alike; HMAC-SHA256, SHA-1
 * and SHA-256 and Argon2id come from hash-wasm, PBKDF2 from Web Crypto. The
 * wire format's values are written once, in core/constants.ts.
 *
 * The flow: the client calls {@link deriveKey} once, sends a
 * {@link createProbe} to learn the server's boot id and clock (checked with
 * {@link verifyReply}), then stamps {@link createRequest} from that clock,
 * never its own, and checks the ack or refusal with {@link verifyReply}. The
 * server side (the kernel, or a test responder) keeps a
 * {@link createServerState} and judges every packet with
 * {@link verifyRequest}, which also builds the reply to send.
 *
 * Two key modes (docs/PROTOCOL.md, "Keys"): a password (key id 0, the MAC
 * binds the server's address), or per-server keys: one admin secret on the
 * workstation ({@link adminSecretFromPassword} or 32 random bytes), each
 * server's own key from it and the server's name ({@link serverKey}), named
 * in every packet by the secret's key id ({@link keyIdOf}); the server holds
 * its keys in a {@link KeySet}. Each function's example shows it at work.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import {
 *   createProbe, createRequest, createServerState, deriveKey, verifyReply,
 *   Verdict, verifyRequest,
 * } from "./mod.ts";
 * const key = await deriveKey("not-a-real-password");
 * const serverAddress = "192.0.2.7";
 * const state = createServerState();
 * const server = (packet: Uint8Array) =>
 *   verifyRequest(key, packet, { serverAddress, now: 1700000000000, toleranceMs: 60000, state });
 * // 1. Ask the server's boot id and clock.
 * const nonce = crypto.getRandomValues(new Uint8Array(12));
 * const answer = server(createProbe(key, { serverAddress, nonce })).reply!;
 * const clock = verifyReply(key, answer, { serverAddress, request: { probe: true, nonce } });
 * assert.ok(clock?.type === "clock");
 * // 2. Stamp the request from the server's clock.
 * const request = {
 *   keys: "s", bootId: clock.bootId, timestamp: clock.serverTime,
 *   nonce: crypto.getRandomValues(new Uint8Array(12)), ackWanted: true,
 * };
 * const result = server(createRequest(key, { serverAddress, ...request }));
 * assert.equal(result.verdict, Verdict.ACCEPTED);
 * // 3. The ack says the keys ran, once.
 * const ack = verifyReply(key, result.reply!, { serverAddress, request });
 * assert.ok(ack?.type === "ack" && !ack.repeat);
 * ```
 *
 * @module
 */

export {
  DEFAULT_PORT,
  KeyStatus,
  MAX_KEYS,
  PROTOCOL_VERSION,
  RefusalReason,
  Verdict,
} from "./core/constants.ts";
export {
  checkPassword,
  deriveKey,
  deriveKeyBytes,
  MacKey,
} from "./core/key.ts";
export {
  adminSecretFromPassword,
  formatKeyId,
  keyIdOf,
  normalizeIdentity,
  parseKeyId,
  serverKey,
  serverKeyBytes,
} from "./core/server_key.ts";
export { KeySet } from "./core/key_set.ts";
export { encodeInfo, parseInfo } from "./core/info.ts";
export { encodeAddress } from "./core/address.ts";
export {
  createProbe,
  createRequest,
  createServerState,
  verifyRequest,
} from "./core/request.ts";
export {
  createAck,
  createClockAnswer,
  createRefusal,
  verifyReply,
} from "./core/reply.ts";
export { createLegacyRequest, verifyLegacyRequest } from "./core/legacy.ts";
export type {
  LegacyOptions,
  ProbeInfo,
  ProbeOptions,
  Reply,
  RequestInfo,
  RequestOptions,
  ServerInfo,
  ServerState,
  VerifyOptions,
  VerifyResult,
} from "./core/types.ts";
