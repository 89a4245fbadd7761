/**
 * netsysrq: the magic SysRq key over the network, protocol v1
 * (docs/PROTOCOL.md). This is the packet library shared by the client and
 * the tests: build and verify requests, acks and refusals, derive the MAC
 * key from a password, and speak xtables-addons' legacy text format.
 *
 * Framing, the rungs of the server's ladder before the MAC and the
 * constant-time MAC comparison run in a small WebAssembly core
 * (core/assembly/), for v1 and the legacy format alike; HMAC-SHA256, SHA-1
 * and SHA-256 come from hash-wasm, PBKDF2 from Web Crypto. The wire format's
 * values are written once, in core/constants.ts.
 *
 * The flow: the client calls {@link deriveKey} once, then
 * {@link createRequest} per packet and {@link verifyReply} on what comes
 * back; the server side (the kernel, or a test responder) calls
 * {@link verifyRequest} and answers with {@link createAck} or
 * {@link createRefusal}. Each function's example shows it at work.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createRequest, deriveKey, Verdict, verifyRequest } from "./mod.ts";
 * const key = await deriveKey("not-a-real-password");
 * const serverAddress = "192.0.2.7";
 * const packet = createRequest(key, { keys: "s", serverAddress });
 * const state = { lastAccepted: 0, refusalTokens: 5 };
 * const result = verifyRequest(key, packet, {
 *   serverAddress,
 *   now: Date.now(),
 *   toleranceMs: 300000,
 *   state,
 * });
 * assert.equal(result.verdict, Verdict.ACCEPTED);
 * assert.equal(result.request?.keys, "s");
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
export { encodeAddress } from "./core/address.ts";
export { createRequest, verifyRequest } from "./core/request.ts";
export { createAck, createRefusal, verifyReply } from "./core/reply.ts";
export { createLegacyRequest, verifyLegacyRequest } from "./core/legacy.ts";
export type {
  LegacyOptions,
  Reply,
  RequestInfo,
  RequestOptions,
  ServerState,
  VerifyOptions,
  VerifyResult,
} from "./core/types.ts";
