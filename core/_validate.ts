// Argument checks shared by the library face: wrong types raise TypeError,
// out-of-range values RangeError, each naming the argument.

import { BOOT_ID_LEN, KEY_MAX, KEY_MIN, NONCE_LEN } from "./constants.ts";
import { isMacKey, type MacKey } from "./key.ts";

/** Throw unless `key` is a MacKey. */
export function checkMacKey(key: MacKey, what = "key"): void {
  if (!isMacKey(key)) {
    throw new TypeError(`${what} must be a MacKey (from deriveKey)`);
  }
}

/** Throw unless `value` is a string. */
export function checkString(value: unknown, name: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${typeof value}`);
  }
  return value;
}

/** Throw unless `value` is a Uint8Array. */
export function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array`);
  }
  return value;
}

/** Throw unless `value` is a whole number of milliseconds, 0..2^53-1. */
export function checkMs(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a whole number of milliseconds >= 0, got ${value}`,
    );
  }
  return value;
}

/** Throw unless `value` is an integer (any sign). */
export function checkInteger(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${value}`);
  }
  return value;
}

/**
 * Check a SysRq key set (1..`max` printable ASCII characters, no space)
 * and return its bytes.
 */
export function keyBytes(keys: unknown, max: number, name = "keys"): number[] {
  const text = checkString(keys, name);
  if (text.length < 1 || text.length > max) {
    throw new RangeError(
      `${name} must hold 1 to ${max} SysRq keys, got ${text.length}`,
    );
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < KEY_MIN || c > KEY_MAX) {
      throw new RangeError(
        `${name}[${i}] (${JSON.stringify(text[i])}) is not a SysRq key: ` +
          "use printable ASCII without spaces",
      );
    }
    bytes.push(c);
  }
  return bytes;
}

/** Throw unless `nonce` is NONCE_LEN (12) bytes. */
export function checkNonce(nonce: unknown, name = "nonce"): Uint8Array {
  const bytes = checkBytes(nonce, name);
  if (bytes.length !== NONCE_LEN) {
    throw new RangeError(
      `${name} must be ${NONCE_LEN} bytes, got ${bytes.length}`,
    );
  }
  return bytes;
}

/** Whether `value` is a value of the numeric enum `e` (not a member name). */
export function isMember(e: Record<string, string | number>, value: unknown) {
  return typeof value === "number" && e[value] !== undefined;
}

/** Throw unless `bootId` is BOOT_ID_LEN (8) bytes. */
export function checkBootId(bootId: unknown, name = "bootId"): Uint8Array {
  const bytes = checkBytes(bootId, name);
  if (bytes.length !== BOOT_ID_LEN) {
    throw new RangeError(
      `${name} must be ${BOOT_ID_LEN} bytes, got ${bytes.length}`,
    );
  }
  return bytes;
}

/** The lowest server key id: the top bit set (ids up to 0xffffffff). */
export const SERVER_KEY_ID_MIN = 0x80000000;

/**
 * Throw unless `id` is a key id: 0 (the password) or a server key's,
 * 0x80000000..0xffffffff (docs/PROTOCOL.md, "Keys"). Returns it.
 */
export function checkKeyId(id: unknown, name = "keyId"): number {
  if (typeof id !== "number") {
    throw new TypeError(`${name} must be a number, got ${typeof id}`);
  }
  if (
    !Number.isInteger(id) || id < 0 || id > 0xffffffff ||
    (id !== 0 && id < SERVER_KEY_ID_MIN)
  ) {
    throw new RangeError(
      `${name} must be 0 (password) or a server key id ` +
        `80000000..ffffffff, got ${id}`,
    );
  }
  return id;
}
