// The WebAssembly packet core (core/assembly/, built by core/build.ts) and
// the glue's side of its buffers: the v2 scratch buffer (label, the MAC's
// address A, message, tag, what a reply echoes, the last accepted request) and the
// legacy text buffer, both laid out by the core
// and located here through its offset exports. Every library call uses the
// buffers synchronously from start to finish, so no two calls ever share
// them, even in async code.
//
// Speed: in Deno every new ArrayBuffer costs about 300 ns and a view of the
// WebAssembly memory about 100 ns, more than a third of an HMAC. The verify
// path therefore makes no copy it does not return (fields are read in
// place, the MAC inputs are views made once per length).

import * as core from "./netsysrq_core.wasm";
import { addressBytes } from "./address.ts";
import {
  ADDR_LEN,
  BOOT_ID_LEN,
  LABEL_LEN,
  LEGACY_MAX_LEN,
  MAX_MSG_LEN,
  OFF_BOOT,
  OFF_KEY_ID,
  OFF_KEYS,
  OFF_TIME,
  TAG_LEN,
} from "./constants.ts";
import { hmacSha256, type MacKey } from "./key.ts";

export { core };

/** Bytes of label and address before the message in the MAC input. */
const PREFIX_LEN = LABEL_LEN + ADDR_LEN;

const base = core.scratch();
const SCRATCH_LEN = core.scratchLength();
/** Offset of the message within the scratch buffer. */
const MSG = core.messageOffset();
const TAG = core.tagOffset();
/** Offset of what a reply must echo (boot id, time, nonce). */
const EXPECT = core.expectOffset();
/** Offset of the last accepted request within the scratch buffer. */
const LAST = core.lastOffset();
const ADDR = core.addressOffset();
const LEGACY = core.legacyBuffer();
const LEGACY_DIGEST = core.legacyDigest();
const LEGACY_FOUND = core.legacyFound();

let view = new Uint8Array(core.memory.buffer, base, SCRATCH_LEN);
/** `label || address || message without tag`, by message length. */
let macInputs: Uint8Array[] = [];
let legacyView = new Uint8Array(core.memory.buffer, LEGACY, LEGACY_MAX_LEN);
/** Stands for the 16 zero bytes of server-key mode: no string is it. */
const ZERO_ADDRESS: unique symbol = Symbol("A = 16 zero bytes");
/** The address whose 16 bytes are in place; ZERO_ADDRESS for zeros. */
let currentAddress: string | typeof ZERO_ADDRESS | null = null;
/** The last address checked in server-key mode (no need to parse it again). */
let checkedAddress: string | null = null;

/** The scratch buffer (re-made if memory ever grew and detached it). */
function scratch(): Uint8Array {
  if (view.byteLength === 0) {
    view = new Uint8Array(core.memory.buffer, base, SCRATCH_LEN);
    macInputs = [];
  }
  return view;
}

/** The legacy text buffer, likewise. */
function legacy(): Uint8Array {
  if (legacyView.byteLength === 0) {
    legacyView = new Uint8Array(core.memory.buffer, LEGACY, LEGACY_MAX_LEN);
  }
  return legacyView;
}

/** Put the 16-byte form of `address` in place; throws TypeError if not IP. */
export function setAddress(address: string): void {
  if (address === currentAddress) return;
  currentAddress = null;
  scratch().set(addressBytes(address), ADDR);
  currentAddress = address;
}

/**
 * Put the MAC's address A for key id `keyId` in place (docs/PROTOCOL.md,
 * "Keys"): `address` for the password (id 0), 16 zero bytes for a server
 * key, whose MAC leaves the address out. `address` is checked either way
 * when given (TypeError if not IP); a server key needs none.
 */
export function setMacAddress(keyId: number, address?: string): void {
  if (keyId === 0) {
    if (address === undefined) {
      throw new TypeError(
        "serverAddress must be a string: password mode (key id 0) binds " +
          "the server's address",
      );
    }
    return setAddress(address);
  }
  if (address !== undefined && address !== checkedAddress) {
    addressBytes(address);
    checkedAddress = address;
  }
  if (currentAddress === ZERO_ADDRESS) return;
  scratch().fill(0, ADDR, ADDR + ADDR_LEN);
  currentAddress = ZERO_ADDRESS;
}

/** Write the u32 big-endian key id into the message area. */
export function writeKeyId(keyId: number): void {
  const s = scratch();
  s[MSG + OFF_KEY_ID] = keyId >>> 24;
  s[MSG + OFF_KEY_ID + 1] = (keyId >>> 16) & 0xff;
  s[MSG + OFF_KEY_ID + 2] = (keyId >>> 8) & 0xff;
  s[MSG + OFF_KEY_ID + 3] = keyId & 0xff;
}

/** The message's u32 big-endian key id. */
export function messageKeyId(): number {
  const s = scratch();
  return ((s[MSG + OFF_KEY_ID] << 24) | (s[MSG + OFF_KEY_ID + 1] << 16) |
    (s[MSG + OFF_KEY_ID + 2] << 8) | s[MSG + OFF_KEY_ID + 3]) >>> 0;
}

/**
 * Copy a received packet into the message area: at most MAX_MSG_LEN bytes,
 * since the core rejects any longer message by its length alone. Returns
 * the length to pass to the core (clamped to fit a u32).
 */
export function loadMessage(packet: Uint8Array): number {
  scratch().set(packet.subarray(0, MAX_MSG_LEN), MSG);
  return Math.min(packet.length, 0xffffffff);
}

/**
 * Put what a reply must echo (boot id, time, key id, nonce: the sent
 * message's bytes OFF_BOOT..OFF_KEYS, zeros where the message has none)
 * where the core compares it.
 */
export function expectEcho(
  bootId: Uint8Array,
  time: number,
  keyId: number,
  nonce: Uint8Array,
): void {
  const b = scratch();
  b.set(bootId, EXPECT);
  const view = new DataView(b.buffer, b.byteOffset + EXPECT + BOOT_ID_LEN, 12);
  view.setBigUint64(0, BigInt(time));
  view.setUint32(8, keyId);
  b.set(nonce, EXPECT + OFF_KEYS - OFF_BOOT - nonce.length);
}

/**
 * Put the last accepted request where the core compares the message with
 * it (rung 11); returns its length, 0 for none. `lastAddress` is the MAC's
 * address A it was accepted under: a password-mode request accepted at
 * another of the server's addresses is none (a copy of it sent here must
 * have its tag checked for this address); a server-key request's A is
 * zeros wherever it was sent, as its tag.
 */
export function loadLast(
  last: Uint8Array | null,
  lastAddress: Uint8Array | null,
): number {
  if (last === null || last.length > MAX_MSG_LEN) return 0;
  if (lastAddress === null || !isCurrentAddress(lastAddress)) return 0;
  scratch().set(last, LAST);
  return last.length;
}

/** Whether `address` (16 bytes) is the one in place (setAddress). */
function isCurrentAddress(address: Uint8Array): boolean {
  if (address.length !== ADDR_LEN) return false;
  const s = scratch();
  for (let i = 0; i < ADDR_LEN; i++) {
    if (s[ADDR + i] !== address[i]) return false;
  }
  return true;
}

/**
 * The 16-byte address in place (setAddress): `known` when it holds the
 * same bytes, else a copy.
 */
export function currentAddress16(known: Uint8Array | null): Uint8Array {
  if (known !== null && isCurrentAddress(known)) return known;
  return scratch().slice(ADDR, ADDR + ADDR_LEN);
}

/** Put the state's boot id where checkRequest compares the message's. */
export function loadBootId(bootId: Uint8Array): void {
  scratch().set(bootId, EXPECT);
}

let timeView = new DataView(core.memory.buffer, base + MSG + OFF_TIME, 8);

/** The message's u64 big-endian time, exactly. */
export function messageTimeExact(): bigint {
  if (timeView.byteLength === 0) {
    timeView = new DataView(core.memory.buffer, base + MSG + OFF_TIME, 8);
  }
  return timeView.getBigUint64(0);
}

/**
 * The 16-byte tag of the `len`-byte message in the message area (over its
 * first `len - 16` bytes, after the label and address the core wrote).
 */
function computeTag(key: MacKey, len: number): Uint8Array {
  const s = scratch();
  const input = macInputs[len] ??= s.subarray(0, PREFIX_LEN + len - TAG_LEN);
  return hmacSha256(key, input).subarray(0, TAG_LEN);
}

/**
 * The MAC rung of a message the core left pending: compute its tag, and
 * let the core compare it with the one received, in constant time.
 */
export function tagVerifies(key: MacKey, len: number): boolean {
  const tag = computeTag(key, len);
  const s = scratch();
  for (let i = 0; i < TAG_LEN; i++) s[TAG + i] = tag[i];
  return core.tagMatches(len) !== 0;
}

/** Seal a message the core framed: copy it out with its tag appended. */
export function sealMessage(key: MacKey, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(scratch().subarray(MSG, MSG + len - TAG_LEN));
  out.set(computeTag(key, len), len - TAG_LEN);
  return out;
}

/** Bytes `[from, from + n)` of the message area, copied. */
export function messageBytes(from: number, n: number): Uint8Array {
  return scratch().slice(MSG + from, MSG + from + n);
}

/** Bytes `[from, from + n)` of the message area as text, one char each. */
export function messageText(from: number, n: number): string {
  const s = scratch();
  let text = "";
  for (let i = MSG + from; i < MSG + from + n; i++) {
    text += String.fromCharCode(s[i]);
  }
  return text;
}

/** Byte `at` of the message area. */
export function messageByte(at: number): number {
  return scratch()[MSG + at];
}

/**
 * The message's u64 big-endian time, as the nearest number (exact up to
 * 2^53 - 1, the most a valid timestamp holds).
 */
export function messageTime(): number {
  const b = scratch();
  let high = 0;
  let low = 0;
  for (let i = 0; i < 4; i++) {
    high = high * 256 + b[MSG + OFF_TIME + i];
    low = low * 256 + b[MSG + OFF_TIME + 4 + i];
  }
  // One rounding of the exact sum, as the core's u64-to-f64 conversion.
  return high * 2 ** 32 + low;
}

/** Write `bytes` into the message area at `from`. */
export function writeMessage(from: number, bytes: ArrayLike<number>): void {
  scratch().set(bytes, MSG + from);
}

/**
 * Copy a legacy packet into the legacy buffer: at most LEGACY_MAX_LEN
 * bytes, since the core rejects any longer one by its length alone.
 */
export function loadLegacy(packet: Uint8Array): number {
  legacy().set(packet.subarray(0, LEGACY_MAX_LEN));
  return Math.min(packet.length, 0xffffffff);
}

/** What the core's checkLegacy found in a pending legacy request. */
export interface LegacyFields {
  seqno: number;
  /** Length of the text through the third comma: what the digest covers. */
  prefixLen: number;
  keyCount: number;
  /** Length of the digest in hex digits (40 for SHA-1, 64 for SHA-256). */
  hexLen: number;
}

/** Read what checkLegacy found. */
export function legacyFields(): LegacyFields {
  const [seqno, prefixLen, keyCount, hexLen] = new Float64Array(
    core.memory.buffer,
    LEGACY_FOUND,
    4,
  );
  return { seqno, prefixLen, keyCount, hexLen };
}

/** Bytes `[from, to)` of the legacy text (a view, valid until the next call). */
export function legacyText(from: number, to: number): Uint8Array {
  return legacy().subarray(from, to);
}

/** The digest rung: let the core compare `digest` with the text's hex. */
export function legacyDigestVerifies(
  digest: Uint8Array,
  fields: LegacyFields,
): boolean {
  const area = new Uint8Array(core.memory.buffer, LEGACY_DIGEST, digest.length);
  area.set(digest);
  const ok = core.legacyDigestMatches(fields.prefixLen, fields.hexLen) !== 0;
  area.fill(0);
  return ok;
}
