/**
 * The 16-byte address `A` in every MAC, and the legacy format's address text.
 *
 * @module
 */

import { ADDR_LEN } from "./constants.ts";

function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    // Decimal only, no leading zeros (they mean octal to some parsers).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

function parseIPv6(text: string): Uint8Array | null {
  let body = text;
  const tail: number[] = [];
  // A trailing dotted quad (::ffff:192.0.2.7) stands for the last two groups.
  const lastColon = body.lastIndexOf(":");
  if (body.includes(".")) {
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    body = body.slice(0, lastColon + 1);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === null || rest === null) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return null;
  const zeros = new Array(8 - given).fill(0);
  const groups = [...head, ...zeros, ...rest, ...tail];
  const out = new Uint8Array(ADDR_LEN);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Encode an IP address as the 16 bytes every MAC covers: an IPv6 address as
 * is, an IPv4 address `a.b.c.d` as `::ffff:a.b.c.d`.
 *
 * @param address IPv4 dotted decimal or IPv6 text (no zone, no brackets).
 * @returns 16 bytes.
 * @throws {TypeError} when `address` is not an IP address.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeAddress } from "../mod.ts";
 * assert.deepEqual(
 *   encodeAddress("192.0.2.7"),
 *   new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 7]),
 * );
 * assert.equal(encodeAddress("2001:db8::7")[15], 7);
 * assert.throws(() => encodeAddress("example.com"), TypeError);
 * ```
 */
export function encodeAddress(address: string): Uint8Array {
  if (typeof address !== "string") {
    throw new TypeError(`address must be a string, got ${typeof address}`);
  }
  const v4 = parseIPv4(address);
  if (v4 !== null) {
    return new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  }
  const v6 = address.includes(":") ? parseIPv6(address) : null;
  if (v6 === null) {
    throw new TypeError(
      `"${address}" is not an IPv4 or IPv6 address (use the server's IP, not a host name)`,
    );
  }
  return v6;
}

/** Addresses encoded so far, by their text (see {@link addressBytes}). */
const encoded = new Map<string, Uint8Array>();
/**
 * How many {@link addressBytes} keeps before it starts again: a fleet of
 * 65,536 hosts, at about 150 bytes each (10 MB).
 */
const ENCODED_MAX = 1 << 16;

/**
 * {@link encodeAddress}'s 16 bytes, kept: shared, so the caller must not
 * change them. A fleet run puts each host's address into three or four
 * MACs, between other hosts' (128 in flight); parsing it each time cost
 * the client about a tenth of its CPU for 10,000 hosts (cli/bench_fleet.ts).
 *
 * @throws {TypeError} when `address` is not an IP address.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { addressBytes, encodeAddress } from "./address.ts";
 * assert.deepEqual(addressBytes("192.0.2.7"), encodeAddress("192.0.2.7"));
 * assert.equal(addressBytes("192.0.2.7"), addressBytes("192.0.2.7"));
 * assert.throws(() => addressBytes("192.0.2.07"), TypeError);
 * assert.throws(() => addressBytes("192.0.2.07"), TypeError); // never kept
 * ```
 */
export function addressBytes(address: string): Uint8Array {
  let bytes = encoded.get(address);
  if (bytes === undefined) {
    bytes = encodeAddress(address);
    if (encoded.size >= ENCODED_MAX) encoded.clear();
    encoded.set(address, bytes);
  }
  return bytes;
}

/**
 * The address as the legacy format's digest spells it: IPv4 dotted decimal,
 * or IPv6 in the kernel's `%pI6` form (eight groups of four lowercase hex
 * digits, no `::`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { legacyAddressText } from "./address.ts";
 * assert.equal(legacyAddressText("2001:db8::7"), "2001:0db8:0000:0000:0000:0000:0000:0007");
 * assert.equal(legacyAddressText("192.0.2.7"), "192.0.2.7");
 * ```
 */
export function legacyAddressText(address: string): string {
  const bytes = encodeAddress(address);
  if (parseIPv4(address) !== null) return address;
  const groups: string[] = [];
  for (let i = 0; i < ADDR_LEN; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16).padStart(4, "0"));
  }
  return groups.join(":");
}
