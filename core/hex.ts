/**
 * Lowercase hex, the spelling of packets in the vectors, `--dry-run` and the
 * legacy format's digest.
 *
 * @module
 */

/** The two digits of each byte value (the client spells a nonce per datagram). */
const PAIRS = Array.from(
  { length: 256 },
  (_, b) => (b < 16 ? "0" : "") + b.toString(16),
);

/**
 * Bytes as lowercase hex, two digits each.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hex } from "./hex.ts";
 * assert.equal(hex(new Uint8Array([0x4e, 0x05, 0xff])), "4e05ff");
 * ```
 */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += PAIRS[b];
  return out;
}

/**
 * The bytes that `text` spells in hex (either case).
 *
 * @throws {RangeError} when `text` is not an even number of hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fromHex } from "./hex.ts";
 * assert.deepEqual(fromHex("4e05FF"), new Uint8Array([0x4e, 0x05, 0xff]));
 * assert.throws(() => fromHex("4e0"), RangeError);
 * ```
 */
export function fromHex(text: string): Uint8Array<ArrayBuffer> {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new RangeError(
      `not hex: expected an even number of hex digits, got ${
        JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text)
      }`,
    );
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}
