/**
 * The MAC key: PBKDF2 from the password, held as a ready HMAC-SHA256.
 *
 * @module
 */

import type { IHasher } from "hash-wasm";
import { hashWasm } from "./_hash_wasm.ts";
import {
  KDF_ITERATIONS,
  KDF_SALT,
  KEY_LEN,
  PASSWORD_MAX,
} from "./constants.ts";

const hmacs = new WeakMap<MacKey, IHasher>();

/**
 * The one SHA-256 hasher every key's HMAC runs on. hash-wasm's HMAC
 * re-initialises its hasher with the key's own padded block on every
 * init(), and each use (hmacSha256) runs init, update and digest without
 * yielding, so keys can share it. A hasher of their own cost each key a
 * WebAssembly instance and its memory: with the server keys made by
 * ServerKeyMaker, this halved the client's CPU for 10,000 hosts in
 * server-key mode (cli/bench_fleet.ts: 5.2 s to 2.6 s).
 */
let sharedHasher: Promise<IHasher> | undefined;

/** The shared hasher, made on first use (hash-wasm loaded and compiled). */
function sha256(): Promise<IHasher> {
  sharedHasher ??= hashWasm().then((hash) => hash.createSHA256()).catch(
    (error) => {
      sharedHasher = undefined;
      throw error;
    },
  );
  return sharedHasher;
}

/**
 * A derived MAC key, ready to compute HMAC-SHA256. Opaque: the key bytes
 * cannot be read back from it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32).fill(7));
 * assert.ok(key instanceof MacKey);
 * ```
 */
export class MacKey {
  private constructor() {}

  /**
   * Wrap 32 raw key bytes (for example a key derived elsewhere).
   *
   * @param raw exactly 32 bytes; copied.
   * @throws {TypeError} when `raw` is not a Uint8Array.
   * @throws {RangeError} when `raw` is not 32 bytes long.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { MacKey } from "../mod.ts";
   * await assert.rejects(MacKey.fromBytes(new Uint8Array(31)), RangeError);
   * ```
   */
  static async fromBytes(raw: Uint8Array): Promise<MacKey> {
    if (!(raw instanceof Uint8Array)) {
      throw new TypeError("MAC key must be a Uint8Array");
    }
    if (raw.length !== KEY_LEN) {
      throw new RangeError(
        `MAC key must be ${KEY_LEN} bytes, got ${raw.length}`,
      );
    }
    const { createHMAC } = await hashWasm();
    const hmac = await createHMAC(sha256(), raw.slice());
    const key = new MacKey();
    hmacs.set(key, hmac);
    return key;
  }
}

/** Is `value` a MacKey made by MacKey.fromBytes? */
export function isMacKey(value: unknown): value is MacKey {
  return value instanceof MacKey && hmacs.has(value);
}

/**
 * HMAC-SHA256 of `data` under `key` (all 32 bytes). Internal to the core:
 * callers truncate to the 16-byte tag.
 */
export function hmacSha256(key: MacKey, data: Uint8Array): Uint8Array {
  const hmac = hmacs.get(key);
  if (hmac === undefined) throw new TypeError("not a MacKey");
  hmac.init();
  hmac.update(data);
  return hmac.digest("binary");
}

/**
 * Check a password against the protocol's rules and return its UTF-8 bytes.
 *
 * @throws {TypeError} when `password` is not a string.
 * @throws {RangeError} when it is empty, longer than 128 bytes, or holds a
 * NUL, CR or LF.
 */
export function passwordBytes(password: string): Uint8Array<ArrayBuffer> {
  if (typeof password !== "string") {
    throw new TypeError(`password must be a string, got ${typeof password}`);
  }
  const bytes = new TextEncoder().encode(password);
  if (bytes.length === 0) throw new RangeError("password is empty");
  if (bytes.length > PASSWORD_MAX) {
    throw new RangeError(
      `password is ${bytes.length} bytes of UTF-8; the most is ${PASSWORD_MAX}`,
    );
  }
  if (/[\0\r\n]/.test(password)) {
    throw new RangeError("password must not contain NUL, CR or LF");
  }
  return bytes;
}

/**
 * Check a password against the protocol's rules (1 to 128 bytes of UTF-8,
 * no NUL, CR or LF) without deriving anything: what a client does before it
 * sends, whatever the format.
 *
 * @throws {TypeError} when `password` is not a string.
 * @throws {RangeError} when it breaks a rule; the message says which.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkPassword } from "../mod.ts";
 * checkPassword("correct horse");
 * assert.throws(() => checkPassword(""), RangeError);
 * assert.throws(() => checkPassword("x".repeat(129)), /the most is 128/);
 * ```
 */
export function checkPassword(password: string): void {
  passwordBytes(password);
}

/**
 * The 32 raw bytes of the MAC key for `password`:
 * PBKDF2-HMAC-SHA256(password, "netsysrq v1 key", 100000 iterations).
 * Prefer {@link deriveKey}; this is for tests and for loading a kernel.
 *
 * @throws {TypeError} when `password` is not a string.
 * @throws {RangeError} when the password breaks the protocol's rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { deriveKeyBytes } from "../mod.ts";
 * const raw = await deriveKeyBytes("correct horse");
 * assert.equal(raw.length, 32);
 * ```
 */
export async function deriveKeyBytes(
  password: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = passwordBytes(password);
  const base = await crypto.subtle.importKey("raw", bytes, "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: new TextEncoder().encode(KDF_SALT),
      iterations: KDF_ITERATIONS,
    },
    base,
    KEY_LEN * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Derive the MAC key for `password` (PBKDF2, 100,000 iterations: derive
 * once per run, not per packet).
 *
 * @param password 1 to 128 bytes of UTF-8, no NUL, CR or LF.
 * @throws {TypeError} when `password` is not a string.
 * @throws {RangeError} when it is empty, too long, or holds NUL, CR or LF.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { deriveKey, MacKey } from "../mod.ts";
 * assert.ok((await deriveKey("correct horse")) instanceof MacKey);
 * await assert.rejects(deriveKey(""), RangeError);
 * await assert.rejects(deriveKey("two\nlines"), RangeError);
 * ```
 */
export async function deriveKey(password: string): Promise<MacKey> {
  // Load hash-wasm and make the shared SHA-256 hasher while Web Crypto
  // runs PBKDF2 on another thread: the client's start-up pays for the
  // longer of the two, not their sum.
  sha256().catch(() => {});
  return await MacKey.fromBytes(await deriveKeyBytes(password));
}
