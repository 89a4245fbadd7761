/**
 * Server-key mode's derivations (docs/PROTOCOL.md, "Keys"), all on the
 * administrator's machine: the admin secret `M` from a password (Argon2id),
 * the key id of `M`, and each server's key from `M` and its identity. The
 * server never derives anything in this mode: it is given its key.
 *
 * The labels and Argon2id parameters live here, not in core/constants.ts:
 * they never travel on the wire and the kernel has no use for them.
 *
 * @module
 */

import { hashWasm } from "./_hash_wasm.ts";
import { checkBytes, checkKeyId, SERVER_KEY_ID_MIN } from "./_validate.ts";
import { hmacSha256, MacKey, passwordBytes } from "./key.ts";

/** Argon2id salt: fixed, so a password gives the same `M` everywhere. */
export const ADMIN_SECRET_SALT = "netsysrq v2 admin secret";
/** Argon2id memory, KiB (64 MiB): each guess costs this much memory. */
export const ARGON2_MEMORY_KIB = 65536;
/** Argon2id passes over the memory. */
export const ARGON2_ITERATIONS = 3;
/** Argon2id lanes: 1, as a browser or one-thread runtime computes it. */
export const ARGON2_PARALLELISM = 1;
/** Length of the admin secret `M`, bytes. */
export const ADMIN_SECRET_LEN = 32;
/** Label of the key id: 15 ASCII bytes and a NUL. */
const KID_LABEL = "netsysrq v2 kid\0";
/** Label of a server key: 15 ASCII bytes and a NUL, then the identity. */
const SRV_LABEL = "netsysrq v2 srv\0";
/** Longest identity, in UTF-8 bytes. */
export const IDENTITY_MAX = 255;

const encoder = new TextEncoder();

/** Throw unless `secret` is a 32-byte admin secret; return it. */
function checkAdminSecret(secret: unknown): Uint8Array<ArrayBuffer> {
  const bytes = checkBytes(secret, "admin secret");
  if (bytes.length !== ADMIN_SECRET_LEN) {
    throw new RangeError(
      `admin secret must be ${ADMIN_SECRET_LEN} bytes, got ${bytes.length}`,
    );
  }
  return bytes.slice();
}

/** HMAC-SHA256(key, data) by Web Crypto. */
async function hmac(
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

/**
 * The admin secret `M` for a password: Argon2id (hash-wasm) with salt
 * "netsysrq v2 admin secret", 64 MiB, 3 passes, 1 lane, 32 bytes. Costs
 * about a second and 64 MiB (see docs/PROTOCOL.md, "Costs"): derive once
 * per run. A random `M` (32 bytes from `crypto.getRandomValues`, as
 * `send_sysrq keygen` makes) needs no stretching and is the better choice.
 *
 * @param password 1 to 128 bytes of UTF-8, no NUL, CR or LF (the rules of
 * a server password).
 * @throws {TypeError} when `password` is not a string.
 * @throws {RangeError} when it breaks those rules; the message says which.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { adminSecretFromPassword } from "../mod.ts";
 * await assert.rejects(adminSecretFromPassword(""), RangeError);
 * const m = await adminSecretFromPassword("correct horse battery staple");
 * assert.equal(m.length, 32);
 * ```
 */
export async function adminSecretFromPassword(
  password: string,
): Promise<Uint8Array> {
  const bytes = passwordBytes(password);
  const { argon2id } = await hashWasm();
  return await argon2id({
    password: bytes,
    salt: encoder.encode(ADMIN_SECRET_SALT),
    parallelism: ARGON2_PARALLELISM,
    iterations: ARGON2_ITERATIONS,
    memorySize: ARGON2_MEMORY_KIB,
    hashLength: ADMIN_SECRET_LEN,
    outputType: "binary",
  });
}

/**
 * The key id of admin secret `M`: the first 4 bytes of HMAC-SHA256(M,
 * "netsysrq v2 kid" NUL) as a big-endian number, top bit set, so never 0:
 * 0x80000000..0xffffffff. Every server shows the same id for the same `M`.
 *
 * @param adminSecret `M`, 32 bytes.
 * @throws {TypeError} when it is not a Uint8Array.
 * @throws {RangeError} when it is not 32 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatKeyId, keyIdOf } from "../mod.ts";
 * const id = await keyIdOf(new Uint8Array(32).fill(1));
 * assert.ok(id >= 0x80000000 && id <= 0xffffffff);
 * assert.match(formatKeyId(id), /^[89a-f][0-9a-f]{7}$/);
 * await assert.rejects(keyIdOf(new Uint8Array(16)), RangeError);
 * ```
 */
export async function keyIdOf(adminSecret: Uint8Array): Promise<number> {
  const m = checkAdminSecret(adminSecret);
  const mac = await hmac(m, encoder.encode(KID_LABEL));
  m.fill(0);
  const first = new DataView(mac.buffer).getUint32(0);
  return (first | SERVER_KEY_ID_MIN) >>> 0;
}

/**
 * Check a server's identity and return it as the protocol uses it: ASCII
 * letters lowercased (`Web1` and `web1` are one identity; nothing else is
 * changed: `web1` and `web1.example.com` stay two). An identity is 1 to 255
 * bytes of UTF-8 with no control characters and no white space.
 *
 * @throws {TypeError} when `identity` is not a string.
 * @throws {RangeError} when it breaks a rule; the message says which.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { normalizeIdentity } from "../mod.ts";
 * assert.equal(normalizeIdentity("Web1.Example.COM"), "web1.example.com");
 * assert.equal(normalizeIdentity("web1#2"), "web1#2");
 * assert.throws(() => normalizeIdentity("web 1"), /white space/);
 * assert.throws(() => normalizeIdentity(""), /empty/);
 * ```
 */
export function normalizeIdentity(identity: string): string {
  if (typeof identity !== "string") {
    throw new TypeError(`identity must be a string, got ${typeof identity}`);
  }
  if (identity === "") throw new RangeError("identity is empty");
  if (!identity.isWellFormed()) {
    throw new RangeError("identity is not valid Unicode (a lone surrogate)");
  }
  const control = identity.match(/\p{Cc}/u);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).padStart(2, "0");
    throw new RangeError(
      `identity ${JSON.stringify(identity)} holds a control character ` +
        `(U+${code.toUpperCase().padStart(4, "0")})`,
    );
  }
  if (/\p{White_Space}/u.test(identity)) {
    throw new RangeError(
      `identity ${JSON.stringify(identity)} holds white space: ` +
        "name a server without spaces",
    );
  }
  const size = encoder.encode(identity).length;
  if (size > IDENTITY_MAX) {
    throw new RangeError(
      `identity is ${size} bytes of UTF-8; the most is ${IDENTITY_MAX}`,
    );
  }
  return identity.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * The raw 32 bytes of the server key for `identity` under admin secret `M`:
 * HMAC-SHA256(M, "netsysrq v2 srv" NUL ‖ identity), the identity's ASCII
 * letters lowercased. What the server is given (as 64 hex digits); prefer
 * {@link serverKey} to make packets.
 *
 * @throws {TypeError} when an argument has the wrong type.
 * @throws {RangeError} when `M` is not 32 bytes or the identity breaks the
 * rules of {@link normalizeIdentity}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { serverKeyBytes } from "../mod.ts";
 * const m = new Uint8Array(32).fill(1);
 * const web1 = await serverKeyBytes(m, "web1");
 * assert.equal(web1.length, 32);
 * assert.deepEqual(await serverKeyBytes(m, "WEB1"), web1);
 * assert.notDeepEqual(await serverKeyBytes(m, "web2"), web1);
 * ```
 */
export async function serverKeyBytes(
  adminSecret: Uint8Array,
  identity: string,
): Promise<Uint8Array> {
  return (await ServerKeyMaker.of(adminSecret)).keyBytes(identity);
}

/**
 * The MAC key of the server named `identity` under admin secret `M` (see
 * {@link serverKeyBytes}), ready for {@link createRequest} with
 * `keyId: await keyIdOf(M)`. A packet made with it fails at any other
 * server, whatever address either sees.
 *
 * @throws {TypeError} when an argument has the wrong type.
 * @throws {RangeError} when `M` is not 32 bytes or the identity is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey, serverKey } from "../mod.ts";
 * const m = crypto.getRandomValues(new Uint8Array(32));
 * assert.ok((await serverKey(m, "web1")) instanceof MacKey);
 * await assert.rejects(serverKey(m, "web\n1"), /control character/);
 * ```
 */
export async function serverKey(
  adminSecret: Uint8Array,
  identity: string,
): Promise<MacKey> {
  return await (await ServerKeyMaker.of(adminSecret)).key(identity);
}

/**
 * Server keys for a fleet, made from one admin secret: `M`'s HMAC is set up
 * once (hash-wasm), and each server's key is then one HMAC more, computed
 * without waiting ({@link serverKeyBytes} and {@link serverKey} make one
 * each). The client makes one key per host: importing `M` into Web Crypto
 * and waiting for its answer for each cost it, with a hasher per key, half
 * its CPU for 10,000 hosts (see MacKey's shared hasher).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { serverKeyBytes } from "../mod.ts";
 * import { ServerKeyMaker } from "./server_key.ts";
 * const m = crypto.getRandomValues(new Uint8Array(32));
 * const maker = await ServerKeyMaker.of(m);
 * assert.deepEqual(maker.keyBytes("Web1"), await serverKeyBytes(m, "web1"));
 * assert.throws(() => maker.keyBytes("web 1"), /white space/);
 * ```
 */
export class ServerKeyMaker {
  readonly #adminKey: MacKey;

  private constructor(adminKey: MacKey) {
    this.#adminKey = adminKey;
  }

  /**
   * Ready to make the server keys of admin secret `M` (copied, then the
   * copy wiped: only its HMAC state is kept).
   *
   * @throws {TypeError} when `M` is not a Uint8Array.
   * @throws {RangeError} when it is not 32 bytes.
   */
  static async of(adminSecret: Uint8Array): Promise<ServerKeyMaker> {
    const m = checkAdminSecret(adminSecret);
    try {
      return new ServerKeyMaker(await MacKey.fromBytes(m));
    } finally {
      m.fill(0);
    }
  }

  /**
   * The raw 32 bytes of `identity`'s server key (see
   * {@link serverKeyBytes}).
   *
   * @throws {TypeError} when `identity` is not a string.
   * @throws {RangeError} when it breaks the rules of
   * {@link normalizeIdentity}.
   */
  keyBytes(identity: string): Uint8Array {
    return hmacSha256(this.#adminKey, serverKeyInput(identity));
  }

  /** The MAC key of the server named `identity` (see {@link serverKey}). */
  async key(identity: string): Promise<MacKey> {
    const raw = this.keyBytes(identity);
    try {
      return await MacKey.fromBytes(raw);
    } finally {
      raw.fill(0);
    }
  }
}

/** "netsysrq v2 srv" NUL ‖ the identity (normalised), a server key's input. */
function serverKeyInput(identity: string): Uint8Array<ArrayBuffer> {
  const name = encoder.encode(normalizeIdentity(identity));
  const input = new Uint8Array(SRV_LABEL.length + name.length);
  input.set(encoder.encode(SRV_LABEL));
  input.set(name, SRV_LABEL.length);
  return input;
}

/**
 * A key id as the server and the log show it: 8 lowercase hex digits.
 *
 * @throws {RangeError} when `id` is not 0 or 0x80000000..0xffffffff.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatKeyId } from "../mod.ts";
 * assert.equal(formatKeyId(0x8f3a01c2), "8f3a01c2");
 * assert.equal(formatKeyId(0), "00000000");
 * assert.throws(() => formatKeyId(5), RangeError);
 * ```
 */
export function formatKeyId(id: number): string {
  return checkKeyId(id).toString(16).padStart(8, "0");
}

/**
 * Read a key id written as 8 hex digits (either case), as the kernel's
 * `keys` parameter and `keygen` spell it.
 *
 * @throws {TypeError} when `text` is not a string.
 * @throws {RangeError} when it is not 8 hex digits naming 0 or
 * 80000000..ffffffff.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseKeyId } from "../mod.ts";
 * assert.equal(parseKeyId("8F3A01C2"), 0x8f3a01c2);
 * assert.throws(() => parseKeyId("7f3a01c2"), /80000000\.\.ffffffff/);
 * assert.throws(() => parseKeyId("8f3a01c"), /8 hex digits/);
 * ```
 */
export function parseKeyId(text: string): number {
  if (typeof text !== "string") {
    throw new TypeError(`key id must be a string, got ${typeof text}`);
  }
  if (!/^[0-9a-fA-F]{8}$/.test(text)) {
    throw new RangeError(
      `key id ${JSON.stringify(text)} must be 8 hex digits (like 8f3a01c2)`,
    );
  }
  const id = parseInt(text, 16);
  if (id !== 0 && id < SERVER_KEY_ID_MIN) {
    throw new RangeError(
      `key id ${text} is neither 00000000 (the password's) nor a server ` +
        "key's 80000000..ffffffff",
    );
  }
  return id;
}
