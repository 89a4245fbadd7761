/**
 * The legacy text format of xtables-addons' `xt_SYSRQ`:
 * `<keys>,<seqno>,<salt>,<hexdigest>` with an optional trailing `\n`, where
 * the digest is SHA-1 (or SHA-256) of the text up to and including the third
 * comma, then `<dst>,<password>` (docs/PROTOCOL.md, *Legacy format*).
 *
 * @module
 */

import { hashWasm } from "./_hash_wasm.ts";
import { legacyAddressText } from "./address.ts";
import { MAX_KEYS, Verdict } from "./constants.ts";
import { passwordBytes } from "./key.ts";
import type { LegacyOptions } from "./types.ts";
import { checkBytes, checkString, keyBytes } from "./_validate.ts";

/** Longest legacy request, in bytes. */
export const LEGACY_MAX_LEN = 256;
const COMMA = 0x2c;
const LF = 0x0a;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Hex digest of `<prefix><dst>,<password>` (prefix ends in the 3rd comma). */
async function legacyDigest(
  prefix: Uint8Array,
  serverAddress: string,
  password: Uint8Array,
  hash: "sha1" | "sha256",
): Promise<string> {
  const dst = new TextEncoder().encode(`${legacyAddressText(serverAddress)},`);
  const input = concat(concat(prefix, dst), password);
  const { sha1, sha256 } = await hashWasm();
  return hash === "sha1" ? await sha1(input) : await sha256(input);
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
  const keys = keyBytes(options.keys, LEGACY_MAX_LEN);
  if (keys.includes(COMMA)) throw new RangeError("keys must not contain ','");
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
  const encoder = new TextEncoder();
  const prefix = encoder.encode(`${options.keys},${seqno},${salt},`);
  const digest = await legacyDigest(
    prefix,
    checkString(options.serverAddress, "serverAddress"),
    password,
    hash,
  );
  const packet = encoder.encode(
    `${options.keys},${seqno},${salt},${digest}${options.newline ? "\n" : ""}`,
  );
  if (packet.length > LEGACY_MAX_LEN) {
    throw new RangeError(
      `legacy request would be ${packet.length} bytes; the most is ${LEGACY_MAX_LEN}`,
    );
  }
  return packet;
}

/** Constant time in the length of `a`: the work does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The fields of a legacy request, or the verdict that rejects its form. */
type Parsed =
  | {
    verdict: Verdict.ACCEPTED;
    keys: string;
    seqno: number;
    prefix: Uint8Array;
    digest: string;
  }
  | { verdict: Verdict };

// The same rungs in the same order as kernel/nsr_legacy.c.
function parseLegacy(packet: Uint8Array): Parsed {
  if (packet.length > LEGACY_MAX_LEN) return { verdict: Verdict.BAD_LENGTH };
  const end = packet.length > 0 && packet[packet.length - 1] === LF
    ? packet.length - 1
    : packet.length;
  const commas: number[] = [];
  for (let i = 0; i < end && commas.length < 3; i++) {
    if (packet[i] === COMMA) commas.push(i);
  }
  // 1 to 16 keys, as in v1: one request must not run hundreds.
  if (commas.length !== 3 || commas[0] === 0 || commas[0] > MAX_KEYS) {
    return { verdict: Verdict.BAD_FORMAT };
  }
  const text = (from: number, to: number) =>
    String.fromCharCode(...packet.subarray(from, to));
  const seqnoText = text(commas[0] + 1, commas[1]);
  // JavaScript numbers hold sequence numbers up to 2^53 - 1 exactly; the
  // kernel takes up to 2^64 - 1, far beyond any clock in seconds.
  if (!/^[0-9]{1,16}$/.test(seqnoText)) return { verdict: Verdict.BAD_FORMAT };
  const seqno = Number(seqnoText);
  if (!Number.isSafeInteger(seqno)) return { verdict: Verdict.BAD_FORMAT };
  const digest = text(commas[2] + 1, end);
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(digest)) {
    return { verdict: Verdict.BAD_FORMAT };
  }
  const keys = text(0, commas[0]);
  if (!/^[\x21-\x7e]+$/.test(keys)) return { verdict: Verdict.BAD_KEY_CHAR };
  const prefix = packet.subarray(0, commas[2] + 1);
  return { verdict: Verdict.ACCEPTED, keys, seqno, prefix, digest };
}

/**
 * Judge a legacy request: form, key set, sequence number (must exceed
 * `state.lastSeqno`, which an ACCEPTED request advances), then the digest,
 * compared in constant time. The digest's length tells SHA-1 from SHA-256.
 *
 * Rungs, as in kernel/nsr_legacy.c: NO_PASSWORD; BAD_LENGTH (over 256
 * bytes); BAD_FORMAT (fewer than three commas, no keys or more than 16,
 * seqno not decimal,
 * digest not 40 or 64 lowercase hex); BAD_KEY_CHAR; REPLAY; BAD_MAC.
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
  if (secret === null) return { verdict: Verdict.NO_PASSWORD };
  const parsed = parseLegacy(packet);
  if (!("digest" in parsed)) return { verdict: parsed.verdict };
  if (parsed.seqno <= state.lastSeqno) return { verdict: Verdict.REPLAY };
  const hash = parsed.digest.length === 40 ? "sha1" : "sha256";
  const expected = await legacyDigest(
    parsed.prefix,
    serverAddress,
    secret,
    hash,
  );
  if (!sameText(expected, parsed.digest)) return { verdict: Verdict.BAD_MAC };
  state.lastSeqno = parsed.seqno;
  return { verdict: Verdict.ACCEPTED, keys: parsed.keys };
}
