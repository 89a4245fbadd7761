// The WebAssembly packet core (core/assembly/, built by core/build.ts) and
// the few helpers the glue shares: the scratch buffer's layout, the current
// address, and the tag computation over the MAC input the core laid out.
// Every library call uses the scratch buffer synchronously from start to
// finish, so no two calls ever share it, even in async code.

import * as core from "./netsysrq_core.wasm";
import { encodeAddress } from "./address.ts";
import { hmacSha256, type MacKey } from "./key.ts";

export { core };

/** Longest message the core frames (48 + 16 keys). */
export const MAX_MSG_LEN = 64;
/** Length of a tag, and of a label, an address and a nonce. */
export const TAG_LEN = 16;
/** Bytes of label and address before the message in the MAC input. */
const PREFIX_LEN = 32;

const SCRATCH_LEN = 128;
const base = core.scratch();
/** Offset of the message within the scratch buffer. */
export const MSG = core.messageOffset();
const TAG = core.tagOffset();
/** Offset of the expected reply nonce within the scratch buffer. */
export const NONCE = core.nonceOffset();
const ADDR = core.addressOffset();

let view = new Uint8Array(core.memory.buffer, base, SCRATCH_LEN);
let currentAddress: string | null = null;

/** The scratch buffer (re-made if memory ever grew and detached it). */
export function scratch(): Uint8Array {
  if (view.byteLength === 0) {
    view = new Uint8Array(core.memory.buffer, base, SCRATCH_LEN);
  }
  return view;
}

/** Put the 16-byte form of `address` in place; throws TypeError if not IP. */
export function setAddress(address: string): void {
  if (address === currentAddress) return;
  currentAddress = null;
  scratch().set(encodeAddress(address), ADDR);
  currentAddress = address;
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
 * The 16-byte tag of the `len`-byte message in the message area (over its
 * first `len - 16` bytes, after the label and address the core wrote).
 */
export function computeTag(key: MacKey, len: number): Uint8Array {
  const input = scratch().subarray(0, PREFIX_LEN + len - TAG_LEN);
  return hmacSha256(key, input).subarray(0, TAG_LEN);
}

/** Compute the tag and put it where the core compares it. */
export function writeTag(key: MacKey, len: number): void {
  scratch().set(computeTag(key, len), TAG);
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

/** Write `bytes` into the message area at `from`. */
export function writeMessage(from: number, bytes: ArrayLike<number>): void {
  scratch().set(bytes, MSG + from);
}
