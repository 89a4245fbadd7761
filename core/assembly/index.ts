// The netsysrq packet core: framing, the cheap rungs of the server's ladder
// and the constant-time tag comparison (docs/PROTOCOL.md). Hashing is not
// done here: the TypeScript glue (core/_wasm.ts) hashes the MAC input that
// this module lays out, and hands the tag back for comparison.
//
// Everything works on one static buffer of SCRATCH_LEN bytes; exports take
// lengths, never pointers, and nothing is allocated. The buffer is laid out
// so that the MAC input `label || address || message` is contiguous:
//
//   0   label    16   written here for the message being built or checked
//   16  address  16   written by the glue (the server's address A)
//   32  message  64   the packet (MAX_MSG_LEN); the glue copies at most this
//   96  tag      16   the tag the glue computed
//   112 nonce    16   the nonce a reply must echo (verifyReply)

import {
  ADDR_LEN,
  FIXED_LEN,
  FLAG_ACK_WANTED,
  FLAGS_KNOWN,
  HEADER_LEN,
  KEY_MAX,
  KEY_MIN,
  LABEL_LEN,
  MAGIC_0,
  MAGIC_1,
  MAGIC_2,
  MAGIC_3,
  MAX_KEYS,
  MAX_MSG_LEN,
  MIN_KEYS,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEYS,
  OFF_MAGIC,
  OFF_NONCE,
  OFF_TIME,
  OFF_TYPE,
  OFF_VERSION,
  REASON_REPLAY,
  REASON_STALE,
  REFUSAL_LEN,
  STATUS_REFUSED_SYSCTL,
  TAG_LEN,
  TYPE_ACK,
  TYPE_REFUSAL,
  TYPE_REQUEST,
  Verdict,
  VERSION,
} from "./proto";

const SCRATCH_LEN: u32 = 128;
const SCRATCH: usize = memory.data(SCRATCH_LEN, 16);
const LABEL: usize = SCRATCH;
const ADDR: usize = LABEL + LABEL_LEN;
const MSG: usize = ADDR + ADDR_LEN;
const TAG: usize = MSG + MAX_MSG_LEN;
const NONCE: usize = TAG + TAG_LEN;

// Largest timestamp a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_MS: u64 = 9007199254740991;

// Errors of the encoders (negative, so no length is mistaken for one).
const ERR_COUNT: i32 = -1; // key or status count outside 1..16
const ERR_CHAR: i32 = -2; // a key outside 0x21..0x7e
const ERR_STATUS: i32 = -3; // a status byte outside 0..2
const ERR_REASON: i32 = -4; // a refusal reason outside 1..3
const ERR_TIME: i32 = -5; // a time above 2^53 - 1 ms

/** Offset of the scratch buffer in linear memory (the layout above). */
export function scratch(): usize {
  return SCRATCH;
}

/** Offset of the message within the scratch buffer. */
export function messageOffset(): u32 {
  return <u32>(MSG - SCRATCH);
}

/** Offset of the computed tag within the scratch buffer. */
export function tagOffset(): u32 {
  return <u32>(TAG - SCRATCH);
}

/** Offset of the expected reply nonce within the scratch buffer. */
export function nonceOffset(): u32 {
  return <u32>(NONCE - SCRATCH);
}

/** Offset of the 16-byte address within the scratch buffer. */
export function addressOffset(): u32 {
  return <u32>(ADDR - SCRATCH);
}

function writeLabel(type: u8): void {
  // "netsysrq v1 " then "req", "ack" or "ref", then NUL: 16 bytes.
  store<u64>(LABEL, 0x717273797374656e); // "netsysrq" little-endian
  store<u32>(LABEL + 8, 0x20317620); // " v1 "
  let tail: u32 = 0x00716572; // "req\0"
  if (type == TYPE_ACK) tail = 0x006b6361; // "ack\0"
  if (type == TYPE_REFUSAL) tail = 0x00666572; // "ref\0"
  store<u32>(LABEL + 12, tail);
}

function writeHeader(type: u8, flags: u8, count: u8): void {
  store<u8>(MSG + OFF_MAGIC, MAGIC_0);
  store<u8>(MSG + OFF_MAGIC + 1, MAGIC_1);
  store<u8>(MSG + OFF_MAGIC + 2, MAGIC_2);
  store<u8>(MSG + OFF_MAGIC + 3, MAGIC_3);
  store<u8>(MSG + OFF_VERSION, VERSION);
  store<u8>(MSG + OFF_TYPE, type);
  store<u8>(MSG + OFF_FLAGS, flags);
  store<u8>(MSG + OFF_COUNT, count);
}

function readTime(): u64 {
  return bswap<u64>(load<u64>(MSG + OFF_TIME));
}

function writeTime(ms: f64): void {
  store<u64>(MSG + OFF_TIME, bswap<u64>(<u64>ms));
}

function hasMagicAndVersion(): bool {
  return load<u8>(MSG + OFF_MAGIC) == MAGIC_0 &&
    load<u8>(MSG + OFF_MAGIC + 1) == MAGIC_1 &&
    load<u8>(MSG + OFF_MAGIC + 2) == MAGIC_2 &&
    load<u8>(MSG + OFF_MAGIC + 3) == MAGIC_3 &&
    load<u8>(MSG + OFF_VERSION) == VERSION;
}

// Index of the first key outside 0x21..0x7e, or -1 when all are printable.
function badKeyAt(count: u32): i32 {
  for (let i: u32 = 0; i < count; i++) {
    const c = load<u8>(MSG + OFF_KEYS + i);
    if (c < KEY_MIN || c > KEY_MAX) return <i32>i;
  }
  return -1;
}

// Constant time: the work does not depend on where the tags differ.
function tagDiffers(len: u32): bool {
  const at = MSG + len - TAG_LEN;
  const d = (load<u64>(at) ^ load<u64>(TAG)) |
    (load<u64>(at + 8) ^ load<u64>(TAG + 8));
  return d != 0;
}

/**
 * Rungs 1 to 12 of the ladder for the `len`-byte request in the message
 * area (the glue copies at most MAX_MSG_LEN bytes; `len` is the real length).
 * Returns the final verdict, or a pending one that needs the MAC checked:
 * ACCEPTED, or REFUSED_* when a time rung failed while `tokens` > 0 (the
 * caller then takes one refusal token). A pending verdict leaves the
 * request label in place for the glue to hash.
 */
export function checkRequest(
  len: u32,
  hasKey: bool,
  now: f64,
  tolerance: f64,
  lastAccepted: f64,
  tokens: i32,
): i32 {
  if (!hasKey) return Verdict.NO_PASSWORD;
  if (len < HEADER_LEN) return Verdict.TRUNCATED;
  if (
    load<u8>(MSG + OFF_MAGIC) != MAGIC_0 ||
    load<u8>(MSG + OFF_MAGIC + 1) != MAGIC_1 ||
    load<u8>(MSG + OFF_MAGIC + 2) != MAGIC_2 ||
    load<u8>(MSG + OFF_MAGIC + 3) != MAGIC_3
  ) return Verdict.BAD_MAGIC;
  if (load<u8>(MSG + OFF_VERSION) != VERSION) return Verdict.BAD_VERSION;
  if (load<u8>(MSG + OFF_TYPE) != TYPE_REQUEST) return Verdict.BAD_TYPE;
  const count = <u32>load<u8>(MSG + OFF_COUNT);
  if (count < MIN_KEYS || count > MAX_KEYS) return Verdict.BAD_KEY_COUNT;
  // From here on len == FIXED_LEN + count <= MAX_MSG_LEN: all bytes present.
  if (len != FIXED_LEN + count) return Verdict.BAD_LENGTH;
  if ((load<u8>(MSG + OFF_FLAGS) & ~FLAGS_KNOWN) != 0) return Verdict.BAD_FLAGS;
  if (badKeyAt(count) >= 0) return Verdict.BAD_KEY_CHAR;
  const time = timeRung(readTime(), <u64>now, <u64>tolerance, <u64>lastAccepted);
  if (time != Verdict.ACCEPTED) {
    // No refusal token: silence, and no hash spent on this packet.
    if (tokens <= 0) return time;
    writeLabel(TYPE_REQUEST);
    return time + (Verdict.REFUSED_STALE - Verdict.STALE);
  }
  writeLabel(TYPE_REQUEST);
  return Verdict.ACCEPTED;
}

// Rungs 10 to 12: STALE, FUTURE, REPLAY or ACCEPTED.
function timeRung(ts: u64, now: u64, tolerance: u64, last: u64): i32 {
  // now - tolerance would wrap below zero: then nothing is stale.
  if (now > tolerance && ts < now - tolerance) return Verdict.STALE;
  if (ts > now + tolerance) return Verdict.FUTURE;
  if (ts <= last) return Verdict.REPLAY;
  return Verdict.ACCEPTED;
}

/**
 * Rung 13 for a request that checkRequest left `pending`, after the glue
 * wrote the tag it computed: BAD_MAC, REPLAY when `lastAccepted` moved past
 * the request meanwhile (the compare-and-exchange of the kernel), or
 * `pending`.
 */
export function finishRequest(len: u32, pending: i32, lastAccepted: f64): i32 {
  if (len < FIXED_LEN + MIN_KEYS || len > MAX_MSG_LEN) return Verdict.BAD_LENGTH;
  if (tagDiffers(len)) return Verdict.BAD_MAC;
  if (pending == Verdict.ACCEPTED && readTime() <= <u64>lastAccepted) {
    return Verdict.REPLAY;
  }
  return pending;
}

/** Timestamp of the request or ack in the message area, in ms. */
export function messageTime(): f64 {
  return <f64>readTime();
}

/** Count byte of the message in the message area. */
export function messageCount(): u32 {
  return load<u8>(MSG + OFF_COUNT);
}

/** Flags (or refusal reason) byte of the message in the message area. */
export function messageFlags(): u32 {
  return load<u8>(MSG + OFF_FLAGS);
}

/**
 * Frame a request around the `count` keys and the nonce the glue wrote in
 * the message area, and lay out its MAC input. Returns the request's length
 * (the glue appends the tag over its first length - 16 bytes), or a negative
 * error: ERR_COUNT, ERR_CHAR or ERR_TIME.
 */
export function encodeRequest(count: u32, ackWanted: bool, timestamp: f64): i32 {
  if (count < MIN_KEYS || count > MAX_KEYS) return ERR_COUNT;
  if (badKeyAt(count) >= 0) return ERR_CHAR;
  if (!(timestamp >= 0 && timestamp <= <f64>MAX_SAFE_MS)) return ERR_TIME;
  writeHeader(TYPE_REQUEST, ackWanted ? FLAG_ACK_WANTED : 0, <u8>count);
  writeTime(timestamp);
  writeLabel(TYPE_REQUEST);
  return <i32>(FIXED_LEN + count);
}

/**
 * Frame an ack around the `count` status bytes and the nonce the glue wrote,
 * echoing `timestamp`. Returns the ack's length, or ERR_COUNT, ERR_STATUS
 * or ERR_TIME.
 */
export function encodeAck(count: u32, timestamp: f64): i32 {
  if (count < MIN_KEYS || count > MAX_KEYS) return ERR_COUNT;
  for (let i: u32 = 0; i < count; i++) {
    if (load<u8>(MSG + OFF_KEYS + i) > STATUS_REFUSED_SYSCTL) return ERR_STATUS;
  }
  if (!(timestamp >= 0 && timestamp <= <f64>MAX_SAFE_MS)) return ERR_TIME;
  writeHeader(TYPE_ACK, 0, <u8>count);
  writeTime(timestamp);
  writeLabel(TYPE_ACK);
  return <i32>(FIXED_LEN + count);
}

/**
 * Frame a refusal around the nonce the glue wrote. Returns REFUSAL_LEN, or
 * ERR_REASON or ERR_TIME.
 */
export function encodeRefusal(reason: u32, serverTime: f64): i32 {
  if (reason < REASON_STALE || reason > REASON_REPLAY) return ERR_REASON;
  if (!(serverTime >= 0 && serverTime <= <f64>MAX_SAFE_MS)) return ERR_TIME;
  writeHeader(TYPE_REFUSAL, <u8>reason, 0);
  writeTime(serverTime);
  writeLabel(TYPE_REFUSAL);
  return <i32>REFUSAL_LEN;
}

function nonceMatches(): bool {
  const at = MSG + OFF_NONCE;
  const d = (load<u64>(at) ^ load<u64>(NONCE)) |
    (load<u64>(at + 8) ^ load<u64>(NONCE + 8));
  return d == 0;
}

/**
 * Frame check of a `len`-byte reply to a request of `count` keys stamped
 * `timestamp` whose nonce the glue wrote at the nonce offset: TYPE_ACK or
 * TYPE_REFUSAL when it is well formed and answers that request (the reply
 * label is then in place for the glue to hash), else 0.
 */
export function checkReply(len: u32, count: u32, timestamp: f64): u32 {
  if (len < FIXED_LEN || len > MAX_MSG_LEN || !hasMagicAndVersion()) return 0;
  if (!nonceMatches()) return 0;
  const type = load<u8>(MSG + OFF_TYPE);
  const flags = load<u8>(MSG + OFF_FLAGS);
  if (type == TYPE_ACK) {
    if (flags != 0 || load<u8>(MSG + OFF_COUNT) != count) return 0;
    if (count < MIN_KEYS || count > MAX_KEYS || len != FIXED_LEN + count) {
      return 0;
    }
    if (<f64>readTime() != timestamp || readTime() > MAX_SAFE_MS) return 0;
    for (let i: u32 = 0; i < count; i++) {
      if (load<u8>(MSG + OFF_KEYS + i) > STATUS_REFUSED_SYSCTL) return 0;
    }
  } else if (type == TYPE_REFUSAL) {
    if (len != REFUSAL_LEN || load<u8>(MSG + OFF_COUNT) != 0) return 0;
    if (flags < REASON_STALE || flags > REASON_REPLAY) return 0;
    if (readTime() > MAX_SAFE_MS) return 0;
  } else {
    return 0;
  }
  writeLabel(type);
  return type;
}

/** 1 when the tag the glue wrote equals the last 16 of the `len` bytes. */
export function tagMatches(len: u32): bool {
  if (len < TAG_LEN || len > MAX_MSG_LEN) return false;
  return !tagDiffers(len);
}
