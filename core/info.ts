/**
 * The facts an info probe's answer carries (docs/PROTOCOL.md, "Clock
 * answer"): 24 bytes, written by the server, read by `send_sysrq --check`.
 *
 * @module
 */

import { INFO_LEN, KEY_MAX, KEY_MIN } from "./constants.ts";
import { checkBytes, checkString } from "./_validate.ts";
import type { ServerInfo } from "./types.ts";

const OFF_VERSION = 0;
const OFF_CAPS = 3;
const OFF_SYSRQ = 4;
const OFF_TOLERANCE = 6;
const OFF_RULE_KEYS = 8;
/** Capability bits of byte 3. */
const CAP_NO_ACK = 0x01;
const CAP_LEGACY = 0x02;
const CAP_OUTPUT = 0x04;
const CAP_SAFE_REBOOT = 0x08;
/** The number of SysRq keys the rule-keys bitmap covers (0x21..0x7e). */
const KEY_COUNT = KEY_MAX - KEY_MIN + 1;

/** Every SysRq key, in byte order: what a rule without a key set allows. */
export const ALL_KEYS = String.fromCharCode(
  ...Array.from({ length: KEY_COUNT }, (_, i) => KEY_MIN + i),
);

function checkU16(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${typeof value}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${name} must be an integer 0..65535, got ${value}`);
  }
  return value;
}

function versionBytes(version: unknown): number[] {
  const text = checkString(version, "info.version");
  const m = text.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  const parts = m ? m.slice(1).map(Number) : [];
  if (parts.length !== 3 || parts.some((p) => p > 255)) {
    throw new RangeError(
      `info.version must be "major.minor.patch", each 0..255, got ` +
        JSON.stringify(text),
    );
  }
  return parts;
}

function capabilityByte(caps: ServerInfo["capabilities"]): number {
  if (typeof caps !== "object" || caps === null) {
    throw new TypeError("info.capabilities must be an object");
  }
  const bits: [keyof ServerInfo["capabilities"], number][] = [
    ["noAck", CAP_NO_ACK],
    ["legacy", CAP_LEGACY],
    ["output", CAP_OUTPUT],
    ["safeReboot", CAP_SAFE_REBOOT],
  ];
  let byte = 0;
  for (const [name, bit] of bits) {
    if (typeof caps[name] !== "boolean") {
      throw new TypeError(`info.capabilities.${name} must be a boolean`);
    }
    if (caps[name]) byte |= bit;
  }
  return byte;
}

/**
 * The 24-byte body of an info probe's answer for `info`.
 *
 * @throws {TypeError} on a missing or mistyped field.
 * @throws {RangeError} on a version that is not three numbers 0..255, a
 * sysrq or tolerance outside 0..65535, or a rule key that is not a SysRq
 * key.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeInfo, parseInfo } from "../mod.ts";
 * const info = {
 *   version: "0.2.0",
 *   capabilities: { noAck: false, legacy: true, output: false, safeReboot: false },
 *   sysrq: 438,
 *   toleranceSeconds: 60,
 *   ruleKeys: "bsu",
 * };
 * const body = encodeInfo(info);
 * assert.equal(body.length, 24);
 * assert.deepEqual(parseInfo(body), info);
 * assert.throws(() => encodeInfo({ ...info, ruleKeys: "a b" }), RangeError);
 * ```
 */
export function encodeInfo(info: ServerInfo): Uint8Array {
  if (typeof info !== "object" || info === null) {
    throw new TypeError("info must be a ServerInfo object");
  }
  const body = new Uint8Array(INFO_LEN);
  body.set(versionBytes(info.version), OFF_VERSION);
  body[OFF_CAPS] = capabilityByte(info.capabilities);
  const view = new DataView(body.buffer);
  view.setUint16(OFF_SYSRQ, checkU16(info.sysrq, "info.sysrq"));
  view.setUint16(
    OFF_TOLERANCE,
    checkU16(info.toleranceSeconds, "info.toleranceSeconds"),
  );
  const keys = checkString(info.ruleKeys, "info.ruleKeys");
  for (let i = 0; i < keys.length; i++) {
    const c = keys.charCodeAt(i);
    if (c < KEY_MIN || c > KEY_MAX) {
      throw new RangeError(
        `info.ruleKeys[${i}] (${JSON.stringify(keys[i])}) is not a SysRq key`,
      );
    }
    const bit = c - KEY_MIN;
    body[OFF_RULE_KEYS + (bit >> 3)] |= 1 << (bit & 7);
  }
  return body;
}

/**
 * Read the 24-byte body of an info probe's answer. Capability bits and
 * bytes this version does not know (the reserved ones, the bitmap's last
 * two bits) are ignored: a newer server may set them.
 *
 * @throws {TypeError} when `body` is not a Uint8Array.
 * @throws {RangeError} when it is not 24 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseInfo } from "../mod.ts";
 * const body = new Uint8Array(24);
 * body.set([1, 2, 3, 0x09, 0x01, 0xb6, 0, 60], 0);
 * body[8 + 8] = 1 << 1; // 'b': 0x62 - 0x21 = 65 = byte 8, bit 1
 * const info = parseInfo(body);
 * assert.equal(info.version, "1.2.3");
 * assert.equal(info.sysrq, 438);
 * assert.ok(info.capabilities.noAck && info.capabilities.safeReboot);
 * assert.equal(info.ruleKeys, "b");
 * assert.throws(() => parseInfo(new Uint8Array(23)), RangeError);
 * ```
 */
export function parseInfo(body: Uint8Array): ServerInfo {
  checkBytes(body, "info body");
  if (body.length !== INFO_LEN) {
    throw new RangeError(
      `info body must be ${INFO_LEN} bytes, got ${body.length}`,
    );
  }
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const caps = body[OFF_CAPS];
  let ruleKeys = "";
  for (let bit = 0; bit < KEY_COUNT; bit++) {
    if (body[OFF_RULE_KEYS + (bit >> 3)] & (1 << (bit & 7))) {
      ruleKeys += String.fromCharCode(KEY_MIN + bit);
    }
  }
  return {
    version: [...body.subarray(OFF_VERSION, OFF_VERSION + 3)].join("."),
    capabilities: {
      noAck: (caps & CAP_NO_ACK) !== 0,
      legacy: (caps & CAP_LEGACY) !== 0,
      output: (caps & CAP_OUTPUT) !== 0,
      safeReboot: (caps & CAP_SAFE_REBOOT) !== 0,
    },
    sysrq: view.getUint16(OFF_SYSRQ),
    toleranceSeconds: view.getUint16(OFF_TOLERANCE),
    ruleKeys,
  };
}
