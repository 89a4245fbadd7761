/**
 * The legacy text format of xtables-addons' `xt_SYSRQ`:
 * `<keys>,<seqno>,<salt>,<hexdigest>` with an optional trailing `\n`, where
 * the digest is SHA-1 (or SHA-256) of the text up to and including the third
 * comma, then `<dst>,<password>` (docs/PROTOCOL.md, *Legacy format*).
 *
 * @module
 */

import type { IHasher } from "hash-wasm";
import { hashWasm } from "./_hash_wasm.ts";
import {
  core,
  legacyDigestVerifies,
  legacyFields,
  legacyText,
  loadLegacy,
} from "./_wasm.ts";
import { legacyAddressText } from "./address.ts";
import { hex } from "./hex.ts";
import { LEGACY_MAX_LEN, LEGACY_SHA1_HEX, Verdict } from "./constants.ts";
import { passwordBytes } from "./key.ts";
import type { LegacyOptions } from "./types.ts";
import { checkBytes, checkString, keyBytes } from "./_validate.ts";

type Hash = "sha1" | "sha256";

let hashers: Promise<Record<Hash, IHasher>> | undefined;

/**
 * hash-wasm's SHA-1 and SHA-256, made once: the one await of a legacy call.
 * After it the work is synchronous, as for v1.
 */
function legacyHashers(): Promise<Record<Hash, IHasher>> {
  hashers ??= hashWasm().then(async (h) => ({
    sha1: await h.createSHA1(),
    sha256: await h.createSHA256(),
  }));
  return hashers;
}

/** Digest of `<prefix><dst>,<password>` (prefix ends in the 3rd comma). */
function legacyDigest(
  hasher: IHasher,
  prefix: Uint8Array,
  serverAddress: string,
  password: Uint8Array,
): Uint8Array {
  hasher.init();
  hasher.update(prefix);
  hasher.update(`${legacyAddressText(serverAddress)},`);
  hasher.update(password);
  return hasher.digest("binary");
}

/**
 * Build a legacy request for a server running xtables-addons' SYSRQ target
 * (or ours with `--sysrq-legacy`).
 *
 * @returns the UDP payload, ASCII text.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a bad password, key set, seqno, salt or hash name.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLegacyRequest } from "../mod.ts";
 * const packet = await createLegacyRequest({
 *   password: "not-a-real-password", keys: "s", seqno: 1700000000,
 *   salt: "c2FsdHNhbHRzYWx0", serverAddress: "192.0.2.7", newline: true,
 * });
 * const text = new TextDecoder().decode(packet);
 * assert.match(text, /^s,1700000000,c2FsdHNhbHRzYWx0,[0-9a-f]{40}\n$/);
 * ```
 */
export async function createLegacyRequest(
  options: LegacyOptions,
): Promise<Uint8Array> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const password = passwordBytes(options.password);
  keyBytes(options.keys, LEGACY_MAX_LEN);
  if (options.keys.includes(",")) {
    throw new RangeError("keys must not contain ','");
  }
  const { seqno } = options;
  if (typeof seqno !== "number") throw new TypeError("seqno must be a number");
  if (!Number.isSafeInteger(seqno) || seqno < 0) {
    throw new RangeError(`seqno must be a whole number >= 0, got ${seqno}`);
  }
  const salt = checkString(options.salt, "salt");
  if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(salt)) {
    throw new RangeError("salt must be printable ASCII without comma or space");
  }
  const hash = options.hash ?? "sha1";
  if (hash !== "sha1" && hash !== "sha256") {
    throw new RangeError(`hash must be "sha1" or "sha256", got ${hash}`);
  }
  const serverAddress = checkString(options.serverAddress, "serverAddress");
  const hasher = (await legacyHashers())[hash];
  const prefix = `${options.keys},${seqno},${salt},`;
  const encoder = new TextEncoder();
  const digest = legacyDigest(
    hasher,
    encoder.encode(prefix),
    serverAddress,
    password,
  );
  const packet = encoder.encode(
    `${prefix}${hex(digest)}${options.newline ? "\n" : ""}`,
  );
  if (packet.length > LEGACY_MAX_LEN) {
    throw new RangeError(
      `legacy request would be ${packet.length} bytes; the most is ${LEGACY_MAX_LEN}`,
    );
  }
  return packet;
}

/**
 * Judge a legacy request: form, key set, sequence number (must exceed
 * `state.lastSeqno`, which an ACCEPTED request advances), then the digest,
 * compared in constant time. The digest's length tells SHA-1 from SHA-256.
 *
 * Rungs, as in kernel/nsr_legacy.c: NO_PASSWORD; BAD_LENGTH (over 256
 * bytes); BAD_FORMAT (fewer than three commas, no keys or more than 16,
 * seqno not decimal, digest not 40 or 64 lowercase hex); BAD_KEY_CHAR;
 * REPLAY; BAD_MAC. As for v1, the WebAssembly core runs every rung before
 * the digest in one call and compares the digest; only loading hash-wasm
 * the first time makes this function async.
 *
 * @param password the configured password, or null for none.
 * @param packet the UDP payload received.
 * @param options the server's address and its state (mutated).
 * @returns the verdict, and the keys when ACCEPTED.
 * @throws {TypeError} on a wrong type or a server address that is not IP.
 * @throws {RangeError} on a password that breaks the protocol's rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLegacyRequest, Verdict, verifyLegacyRequest } from "../mod.ts";
 * const password = "not-a-real-password";
 * const serverAddress = "192.0.2.7";
 * const packet = await createLegacyRequest({
 *   password, keys: "s", seqno: 5, salt: "abc", serverAddress,
 * });
 * const state = { lastSeqno: 4 };
 * const result = await verifyLegacyRequest(password, packet, { serverAddress, state });
 * assert.deepEqual(result, { verdict: Verdict.ACCEPTED, keys: "s" });
 * assert.equal(state.lastSeqno, 5);
 * ```
 */
export async function verifyLegacyRequest(
  password: string | null,
  packet: Uint8Array,
  options: { serverAddress: string; state: { lastSeqno: number } },
): Promise<{ verdict: Verdict; keys?: string }> {
  const secret = password === null ? null : passwordBytes(password);
  checkBytes(packet, "packet");
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const serverAddress = checkString(options.serverAddress, "serverAddress");
  legacyAddressText(serverAddress);
  const { state } = options;
  if (
    typeof state !== "object" || state === null ||
    typeof state.lastSeqno !== "number" ||
    !Number.isSafeInteger(state.lastSeqno)
  ) {
    throw new TypeError("state.lastSeqno must be an integer");
  }
  const { sha1, sha256 } = await legacyHashers();
  // Every rung before the digest in the core, in one call; the digest here.
  const verdict = core.checkLegacy(
    loadLegacy(packet),
    secret !== null ? 1 : 0,
    state.lastSeqno,
  );
  if (verdict !== Verdict.ACCEPTED) return { verdict };
  const fields = legacyFields();
  const digest = legacyDigest(
    fields.hexLen === LEGACY_SHA1_HEX ? sha1 : sha256,
    legacyText(0, fields.prefixLen),
    serverAddress,
    secret!,
  );
  if (!legacyDigestVerifies(digest, fields)) {
    return { verdict: Verdict.BAD_MAC };
  }
  const keys = String.fromCharCode(...legacyText(0, fields.keyCount));
  state.lastSeqno = fields.seqno;
  return { verdict: Verdict.ACCEPTED, keys };
}
