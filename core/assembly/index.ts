// The netsysrq packet core: framing, the cheap rungs of the server's ladder
// and the constant-time comparisons, for protocol v2 and for the legacy text
// format alike (docs/PROTOCOL.md). Hashing is not done here: the TypeScript
// glue (core/_wasm.ts) hashes the input this module lays out or points to.
//
// One packet's work, v2 or legacy, is at most two calls: a check export runs
// every rung that needs no hash and returns the verdict, final or pending
// the tag (PENDING_TAG set); the glue then hashes and a compare export says
// whether the tag matches. The glue owns the state (the key, the tokens,
// the floor, the last accepted request) and updates it from the verdict.
//
// Everything works on two static buffers; exports take lengths, never
// pointers, and nothing is allocated. The v2 buffer is laid out so that the
// MAC input `label || address || message` is contiguous:
//
//   0   label    16   written here for the message being built or checked
//   16  address  16   written by the glue (the MAC's address A: the
//                     server's address in password mode, else zeros)
//   32  message  80   the packet (MAX_MSG_LEN); the glue copies at most this
//   112 tag      16   the tag the glue computed
//   128 expect   32   what a reply must echo: boot id, time, key id, nonce
//                     (the bytes 8..40 of the request or probe sent); for
//                     checkRequest, the state's boot id in its first 8
//   160 last     80   the last accepted request (rung 11), as accepted
//
// The key id is the glue's business: it picks the key (rung K happens here,
// from what the glue found) and writes the address A to match.
//
// The legacy buffer holds the text (LEGACY_MAX_LEN), then the digest the
// glue computed (up to 32 bytes), then what checkLegacy found, as f64s:
// the sequence number, the prefix length (through the third comma), the
// number of keys and the digest's length in hex digits.

import {
  ACK_FLAG_OUTPUT_BUSY,
  ACK_FLAG_OUTPUT_FOLLOWS,
  ACK_FLAG_REPEAT,
  ADDR_LEN,
  BOOT_ID_LEN,
  FIXED_LEN,
  FLAG_ACK_WANTED,
  FLAG_OUTPUT_WANTED,
  FLAG_ONLY_IF_SYNCED,
  FLAG_SAFE_REBOOT,
  FLAGS_KNOWN,
  SAFE_REBOOT_KEY,
  FUTURE_SLACK_MS,
  HEADER_LEN,
  INFO_LEN,
  KEY_MAX,
  KEY_MIN,
  LABEL_LEN,
  LEGACY_MAX_LEN,
  LEGACY_SHA1_HEX,
  LEGACY_SHA256_HEX,
  MAGIC_0,
  MAGIC_1,
  MAGIC_2,
  MAGIC_3,
  MAX_KEYS,
  MAX_MSG_LEN,
  MIN_KEYS,
  NONCE_LEN,
  OFF_BOOT,
  OFF_COUNT,
  OFF_FLAGS,
  OFF_KEY_ID,
  OFF_KEYS,
  OFF_MAGIC,
  OFF_NONCE,
  OFF_TIME,
  OFF_TYPE,
  OFF_VERSION,
  PROBE_LEN,
  CLOCK_LEN,
  REASON_BOOT,
  REASON_STALE,
  STATUS_REFUSED_SYSCTL,
  TAG_LEN,
  TYPE_ACK,
  TYPE_CLOCK,
  TYPE_PROBE,
  TYPE_REFUSAL,
  TYPE_REQUEST,
  Verdict,
  VERSION,
} from "./proto";

const EXPECT_LEN: u32 = BOOT_ID_LEN + 8 + 4 + NONCE_LEN; // bytes 8..40
const SCRATCH_LEN: u32 = LABEL_LEN + ADDR_LEN + MAX_MSG_LEN + TAG_LEN +
  EXPECT_LEN + MAX_MSG_LEN;
const SCRATCH: usize = memory.data(SCRATCH_LEN, 16);
const LABEL: usize = SCRATCH;
const ADDR: usize = LABEL + LABEL_LEN;
const MSG: usize = ADDR + ADDR_LEN;
const TAG: usize = MSG + MAX_MSG_LEN;
const EXPECT: usize = TAG + TAG_LEN;
const LAST: usize = EXPECT + EXPECT_LEN;

const LEGACY_DIGEST_MAX: u32 = LEGACY_SHA256_HEX / 2;
const LEGACY: usize = memory.data(LEGACY_MAX_LEN + LEGACY_DIGEST_MAX + 32, 16);
const LEGACY_DIGEST: usize = LEGACY + LEGACY_MAX_LEN;
const LEGACY_FOUND: usize = LEGACY_DIGEST + LEGACY_DIGEST_MAX;
const COMMA: u8 = 0x2c;
const LF: u8 = 0x0a;

// Largest time a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_MS: u64 = 9007199254740991;

/**
 * Set in checkRequest's result when the verdict still needs the tag: the
 * label is in place, and the glue must hash and call tagMatches. A bad tag
 * makes the verdict BAD_MAC whatever the pending one was.
 */
export const PENDING_TAG: i32 = 0x100;

// Errors of the encoders (negative, so no length is mistaken for one).
const ERR_COUNT: i32 = -1; // key or status count outside 1..16
const ERR_CHAR: i32 = -2; // a key outside 0x21..0x7e
const ERR_STATUS: i32 = -3; // a status byte outside 0..2
const ERR_REASON: i32 = -4; // a refusal reason outside 1..4
const ERR_TIME: i32 = -5; // a time above 2^53 - 1 ms
const ERR_FLAGS: i32 = -6; // flags a request or ack may not carry

// The flags an ack may carry; OUTPUT_FOLLOWS never with REPEAT or BUSY.
const ACK_FLAGS_KNOWN: u8 = ACK_FLAG_REPEAT | ACK_FLAG_OUTPUT_FOLLOWS |
  ACK_FLAG_OUTPUT_BUSY;

// Whether `flags` are a request's: known bits, OUTPUT_WANTED with ACK_WANTED.
function requestFlagsOk(flags: u8, count: u32): bool {
  if ((flags & ~(FLAGS_KNOWN | FLAG_OUTPUT_WANTED)) != 0) return false;
  if ((flags & FLAG_OUTPUT_WANTED) != 0 && (flags & FLAG_ACK_WANTED) == 0) {
    return false;
  }
  if ((flags & FLAG_SAFE_REBOOT) == 0) return (flags & FLAG_ONLY_IF_SYNCED) == 0;
  return (flags & FLAG_ACK_WANTED) != 0 && count == 1 &&
    load<u8>(MSG + OFF_KEYS) == SAFE_REBOOT_KEY;
}

// Whether `flags` are an ack's (see ACK_FLAGS_KNOWN).
function ackFlagsOk(flags: u8): bool {
  if ((flags & ~ACK_FLAGS_KNOWN) != 0) return false;
  if ((flags & ACK_FLAG_OUTPUT_FOLLOWS) == 0) return true;
  return (flags & (ACK_FLAG_REPEAT | ACK_FLAG_OUTPUT_BUSY)) == 0;
}

/** Offset of the scratch buffer in linear memory (the layout above). */
export function scratch(): usize {
  return SCRATCH;
}

/** Length of the scratch buffer. */
export function scratchLength(): u32 {
  return SCRATCH_LEN;
}

/** Offset of the legacy text in linear memory (the layout above). */
export function legacyBuffer(): usize {
  return LEGACY;
}

/** Offset of the digest the glue computed, in linear memory. */
export function legacyDigest(): usize {
  return LEGACY_DIGEST;
}

/** Offset of what checkLegacy found (four f64s), in linear memory. */
export function legacyFound(): usize {
  return LEGACY_FOUND;
}

/** Offset of the message within the scratch buffer. */
export function messageOffset(): u32 {
  return <u32>(MSG - SCRATCH);
}

/** Offset of the computed tag within the scratch buffer. */
export function tagOffset(): u32 {
  return <u32>(TAG - SCRATCH);
}

/** Offset of what a reply must echo (boot id, time, nonce). */
export function expectOffset(): u32 {
  return <u32>(EXPECT - SCRATCH);
}

/** Offset of the last accepted request within the scratch buffer. */
export function lastOffset(): u32 {
  return <u32>(LAST - SCRATCH);
}

/** Offset of the 16-byte address within the scratch buffer. */
export function addressOffset(): u32 {
  return <u32>(ADDR - SCRATCH);
}

function writeLabel(type: u8): void {
  // "netsysrq v2 " then "req", "ack", "ref", "prb" or "clk", then NUL.
  store<u64>(LABEL, 0x717273797374656e); // "netsysrq" little-endian
  store<u32>(LABEL + 8, 0x20327620); // " v2 "
  let tail: u32 = 0x00716572; // "req\0"
  if (type == TYPE_ACK) tail = 0x006b6361; // "ack\0"
  if (type == TYPE_REFUSAL) tail = 0x00666572; // "ref\0"
  if (type == TYPE_PROBE) tail = 0x00627270; // "prb\0"
  if (type == TYPE_CLOCK) tail = 0x006b6c63; // "clk\0"
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

function isSafeMs(ms: f64): bool {
  return ms >= 0 && ms <= <f64>MAX_SAFE_MS;
}

function hasMagic(): bool {
  return load<u8>(MSG + OFF_MAGIC) == MAGIC_0 &&
    load<u8>(MSG + OFF_MAGIC + 1) == MAGIC_1 &&
    load<u8>(MSG + OFF_MAGIC + 2) == MAGIC_2 &&
    load<u8>(MSG + OFF_MAGIC + 3) == MAGIC_3;
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

// Whether the `count` body bytes are all zero (an info probe's padding).
function bodyIsZero(count: u32): bool {
  let d: u8 = 0;
  for (let i: u32 = 0; i < count; i++) d |= load<u8>(MSG + OFF_KEYS + i);
  return d == 0;
}

// Rungs 2 to 9: everything that needs neither the state nor the key.
function checkFrame(len: u32): i32 {
  if (len < HEADER_LEN) return Verdict.TRUNCATED;
  if (!hasMagic()) return Verdict.BAD_MAGIC;
  if (load<u8>(MSG + OFF_VERSION) != VERSION) return Verdict.BAD_VERSION;
  const type = load<u8>(MSG + OFF_TYPE);
  const probe = type == TYPE_PROBE;
  if (!probe && type != TYPE_REQUEST) return Verdict.BAD_TYPE;
  const count = <u32>load<u8>(MSG + OFF_COUNT);
  const countOk = probe
    ? count == 0 || count == INFO_LEN
    : count >= MIN_KEYS && count <= MAX_KEYS;
  if (!countOk) return Verdict.BAD_KEY_COUNT;
  // From here on len == FIXED_LEN + count <= MAX_MSG_LEN: all bytes present.
  if (len != FIXED_LEN + count) return Verdict.BAD_LENGTH;
  const flags = load<u8>(MSG + OFF_FLAGS);
  if (probe ? flags != 0 : !requestFlagsOk(flags, count)) return Verdict.BAD_FLAGS;
  if (probe ? !bodyIsZero(count) : badKeyAt(count) >= 0) {
    return Verdict.BAD_KEY_CHAR;
  }
  return Verdict.ACCEPTED;
}

// Whether the message is the `lastLen`-byte last accepted request.
function isLast(len: u32, lastLen: u32): bool {
  if (len != lastLen) return false;
  for (let i: u32 = 0; i < len; i++) {
    if (load<u8>(MSG + i) != load<u8>(LAST + i)) return false;
  }
  return true;
}

function bootIdMatches(): bool {
  return load<u64>(MSG + OFF_BOOT) == load<u64>(EXPECT);
}

// A refusal that needs a token before its hash: pending with one, silent
// (no hash) without.
function refuse(silent: i32, tokens: i32): i32 {
  if (tokens <= 0) return silent;
  writeLabel(TYPE_REQUEST);
  if (silent == Verdict.WRONG_BOOT) return PENDING_TAG | Verdict.REFUSED_BOOT;
  if (silent == Verdict.STALE) return PENDING_TAG | Verdict.REFUSED_STALE;
  return PENDING_TAG | Verdict.REFUSED_REPLAY;
}

/**
 * Every rung of the ladder that needs no hash, for the `len`-byte packet in
 * the message area (the glue copies at most MAX_MSG_LEN bytes; `len` is the
 * real length): rung 1 from `configured` (a password or a server key is
 * set), rung K from `keyKnown` (the glue found a key under the packet's key
 * id, and wrote that mode's address A), then against the state: its boot id
 * (in the expect area), the protocol clock `now`, the past window
 * `tolerance` (both ms), the `floor`, the refusal `tokens` left and the
 * length of the last accepted request in the last area (0: none).
 *
 * Returns a final verdict, or one pending the tag (PENDING_TAG set, the
 * label in place, `len` == FIXED_LEN + count): PROBE_ANSWERED; ACCEPTED;
 * REFUSED_BOOT, REFUSED_STALE or REFUSED_REPLAY (the glue takes a token
 * before the tag); REFUSED_FUTURE or FUTURE (an authentic one raises the
 * floor to its time; REFUSED_FUTURE takes a token after the tag). REPEATED
 * is final: the glue takes a token and re-acks, nothing runs.
 */
export function checkRequest(
  len: u32,
  configured: bool,
  keyKnown: bool,
  now: f64,
  tolerance: f64,
  floor: u64,
  tokens: i32,
  lastLen: u32,
): i32 {
  if (!configured) return Verdict.NO_PASSWORD;
  const frame = checkFrame(len);
  if (frame != Verdict.ACCEPTED) return frame;
  if (!keyKnown) return Verdict.UNKNOWN_KEY;
  if (load<u8>(MSG + OFF_TYPE) == TYPE_PROBE) {
    writeLabel(TYPE_PROBE);
    return PENDING_TAG | Verdict.PROBE_ANSWERED;
  }
  if (!bootIdMatches()) return refuse(Verdict.WRONG_BOOT, tokens);
  const ts = readTime();
  // The last accepted request's time is at or below the floor.
  if (ts <= floor && isLast(len, lastLen)) {
    return tokens > 0 ? Verdict.REPEATED : Verdict.REPLAY;
  }
  const nowMs = <u64>now;
  // No sum or difference below can wrap.
  if (ts < nowMs && nowMs - ts > <u64>tolerance) {
    return refuse(Verdict.STALE, tokens);
  }
  if (ts <= floor) return refuse(Verdict.REPLAY, tokens);
  writeLabel(TYPE_REQUEST);
  if (ts > nowMs && ts - nowMs > <u64>FUTURE_SLACK_MS) {
    return PENDING_TAG |
      (tokens > 0 ? Verdict.REFUSED_FUTURE : Verdict.FUTURE);
  }
  return PENDING_TAG | Verdict.ACCEPTED;
}

/**
 * Frame a request around the boot id, key id, nonce and `count` keys the
 * glue wrote in the message area, and lay out its MAC input. Returns the
 * request's length (the glue appends the tag over its first length - 16
 * bytes), or a negative error: ERR_COUNT, ERR_CHAR, ERR_TIME or ERR_FLAGS.
 * `flags`: ACK_WANTED, and OUTPUT_WANTED with it.
 */
export function encodeRequest(count: u32, flags: u32, timestamp: f64): i32 {
  if (count < MIN_KEYS || count > MAX_KEYS) return ERR_COUNT;
  if (badKeyAt(count) >= 0) return ERR_CHAR;
  if (!isSafeMs(timestamp)) return ERR_TIME;
  if (flags > 0xff || !requestFlagsOk(<u8>flags, count)) return ERR_FLAGS;
  writeHeader(TYPE_REQUEST, <u8>flags, <u8>count);
  writeTime(timestamp);
  writeLabel(TYPE_REQUEST);
  return <i32>(FIXED_LEN + count);
}

/**
 * Frame a probe around the key id and nonce the glue wrote: boot id and
 * time zero; with `info`, an info probe (count INFO_LEN, a zero body).
 * Returns its length: PROBE_LEN, or PROBE_LEN + INFO_LEN.
 */
export function encodeProbe(info: bool): i32 {
  const count: u32 = info ? INFO_LEN : 0;
  writeHeader(TYPE_PROBE, 0, <u8>count);
  store<u64>(MSG + OFF_BOOT, 0);
  store<u64>(MSG + OFF_TIME, 0);
  memory.fill(MSG + OFF_KEYS, 0, count);
  writeLabel(TYPE_PROBE);
  return <i32>(PROBE_LEN + count);
}

/**
 * Frame an ack around the boot id, key id, nonce and `count` status bytes
 * the glue wrote, echoing `timestamp`, with `flags` (REPEAT for a retry's
 * re-ack; OUTPUT_FOLLOWS, never with REPEAT; OUTPUT_BUSY). Returns the
 * ack's length, or ERR_COUNT, ERR_STATUS, ERR_TIME or ERR_FLAGS.
 */
export function encodeAck(count: u32, flags: u32, timestamp: f64): i32 {
  if (count < MIN_KEYS || count > MAX_KEYS) return ERR_COUNT;
  for (let i: u32 = 0; i < count; i++) {
    if (load<u8>(MSG + OFF_KEYS + i) > STATUS_REFUSED_SYSCTL) return ERR_STATUS;
  }
  if (!isSafeMs(timestamp)) return ERR_TIME;
  if (flags > 0xff || !ackFlagsOk(<u8>flags)) return ERR_FLAGS;
  writeHeader(TYPE_ACK, <u8>flags, <u8>count);
  writeTime(timestamp);
  writeLabel(TYPE_ACK);
  return <i32>(FIXED_LEN + count);
}

/**
 * Frame a refusal around the boot id, key id and nonce the glue wrote.
 * Returns REFUSAL_LEN, or ERR_REASON or ERR_TIME.
 */
export function encodeRefusal(reason: u32, serverTime: f64): i32 {
  if (reason < REASON_STALE || reason > REASON_BOOT) return ERR_REASON;
  if (!isSafeMs(serverTime)) return ERR_TIME;
  writeHeader(TYPE_REFUSAL, <u8>reason, 0);
  writeTime(serverTime);
  writeLabel(TYPE_REFUSAL);
  return <i32>FIXED_LEN;
}

/**
 * Frame a clock answer around the boot id, key id and nonce the glue wrote,
 * and for an info probe's answer (`count` INFO_LEN) the facts it wrote in
 * the body. Returns its length (CLOCK_LEN + count), or ERR_COUNT (a count
 * other than 0 and INFO_LEN) or ERR_TIME.
 */
export function encodeClock(serverTime: f64, count: u32): i32 {
  if (count != 0 && count != INFO_LEN) return ERR_COUNT;
  if (!isSafeMs(serverTime)) return ERR_TIME;
  writeHeader(TYPE_CLOCK, 0, <u8>count);
  writeTime(serverTime);
  writeLabel(TYPE_CLOCK);
  return <i32>(CLOCK_LEN + count);
}

// Whether bytes [from, to) of the message equal those of the expect area
// (which holds bytes OFF_BOOT..OFF_KEYS of what was sent).
function echoes(from: u32, to: u32): bool {
  let d: u64 = 0;
  for (let i = from; i < to; i += 8) {
    d |= load<u64>(MSG + i) ^ load<u64>(EXPECT + i - OFF_BOOT);
  }
  return d == 0;
}

function bootIdSet(): bool {
  return load<u64>(MSG + OFF_BOOT) != 0;
}

// An ack to a request of `count` keys: its boot id, time and nonce echoed.
function ackOk(len: u32, count: u32): bool {
  if (!ackFlagsOk(load<u8>(MSG + OFF_FLAGS))) return false;
  if (load<u8>(MSG + OFF_COUNT) != count) return false;
  if (count < MIN_KEYS || count > MAX_KEYS || len != FIXED_LEN + count) {
    return false;
  }
  if (!echoes(OFF_BOOT, OFF_KEYS) || readTime() > MAX_SAFE_MS) return false;
  for (let i: u32 = 0; i < count; i++) {
    if (load<u8>(MSG + OFF_KEYS + i) > STATUS_REFUSED_SYSCTL) return false;
  }
  return true;
}

// A refusal (`count` 0) or clock answer: 56 + count bytes, the key id and
// nonce echoed, a boot id (never all zero), a time a number holds.
function fixedOk(len: u32, count: u32): bool {
  return len == FIXED_LEN + count && load<u8>(MSG + OFF_COUNT) == count &&
    echoes(OFF_KEY_ID, OFF_KEYS) && bootIdSet() && readTime() <= MAX_SAFE_MS;
}

/**
 * Frame check of a `len`-byte reply to what was sent: a probe (`probe`,
 * `count` 0 or INFO_LEN: only a clock answer of its length fits) or a
 * request of `count` keys (an ack or a refusal). The expect area holds the
 * sent message's bytes 8..40. Returns the reply's type when it is well
 * formed and answers what was sent (its label is then in place for the glue
 * to hash), else 0.
 */
export function checkReply(len: u32, count: u32, probe: bool): u32 {
  if (len < FIXED_LEN || len > MAX_MSG_LEN || !hasMagic()) return 0;
  if (load<u8>(MSG + OFF_VERSION) != VERSION) return 0;
  const type = load<u8>(MSG + OFF_TYPE);
  const flags = load<u8>(MSG + OFF_FLAGS);
  let ok = false;
  if (probe) {
    ok = (count == 0 || count == INFO_LEN) && type == TYPE_CLOCK &&
      flags == 0 && fixedOk(len, count);
  } else if (type == TYPE_ACK) {
    ok = ackOk(len, count);
  } else if (type == TYPE_REFUSAL) {
    ok = flags >= REASON_STALE && flags <= REASON_BOOT && fixedOk(len, 0);
  }
  if (!ok) return 0;
  writeLabel(type);
  return type;
}

/**
 * The tag rung of a request or probe, and the last check of a reply: 1 when
 * the tag the glue wrote equals the last 16 of the `len` bytes in the
 * message area.
 */
export function tagMatches(len: u32): bool {
  if (len < TAG_LEN || len > MAX_MSG_LEN) return false;
  return !tagDiffers(len);
}

// Offsets of the first three commas in the text's first `end` bytes, packed
// one per 10 bits (each is below LEGACY_MAX_LEN), or -1 if there are fewer.
function legacyCommas(end: u32): i32 {
  let found: u32 = 0;
  let packed: u32 = 0;
  for (let i: u32 = 0; i < end && found < 3; i++) {
    if (load<u8>(LEGACY + i) == COMMA) packed |= i << (10 * found++);
  }
  return found == 3 ? <i32>packed : -1;
}

// The decimal number in [from, to): 1 to 16 digits (the kernel takes any u64;
// a JavaScript number holds up to 2^53 - 1 exactly, far beyond any clock in
// seconds), else -1.
function legacySeqno(from: u32, to: u32): f64 {
  if (to <= from || to - from > 16) return -1;
  let v: u64 = 0;
  for (let i = from; i < to; i++) {
    const d = <u32>load<u8>(LEGACY + i) - 0x30;
    if (d > 9) return -1;
    v = v * 10 + <u64>d;
  }
  return v > MAX_SAFE_MS ? -1 : <f64>v;
}

// Lowercase hex only: one spelling per digest, as xtables-addons sends.
function isLowerHex(from: u32, to: u32): bool {
  for (let i = from; i < to; i++) {
    const c = load<u8>(LEGACY + i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

function legacyKeysOk(n: u32): bool {
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(LEGACY + i);
    if (c < KEY_MIN || c > KEY_MAX) return false;
  }
  return true;
}

/**
 * Every rung of the legacy ladder before the digest, in the order of
 * kernel/nsr_legacy.c, for the `len`-byte text in the legacy buffer (the
 * glue copies at most LEGACY_MAX_LEN bytes): NO_PASSWORD, BAD_LENGTH,
 * BAD_FORMAT (fewer than three commas, no keys or more than MAX_KEYS, a
 * sequence number that is not 1 to 16 digits, a digest that is not 40 or 64
 * lowercase hex digits), BAD_KEY_CHAR, REPLAY (not above `lastSeqno`), or
 * ACCEPTED pending the digest, with what it found written after the digest
 * area (the layout above).
 */
export function checkLegacy(len: u32, hasKey: bool, lastSeqno: f64): i32 {
  if (!hasKey) return Verdict.NO_PASSWORD;
  if (len > LEGACY_MAX_LEN) return Verdict.BAD_LENGTH;
  const end = len > 0 && load<u8>(LEGACY + len - 1) == LF ? len - 1 : len;
  const commas = legacyCommas(end);
  if (commas < 0) return Verdict.BAD_FORMAT;
  const keys = <u32>commas & 0x3ff;
  const second = (<u32>commas >> 10) & 0x3ff;
  const prefix = (<u32>commas >> 20) + 1;
  if (keys == 0 || keys > MAX_KEYS) return Verdict.BAD_FORMAT;
  const seqno = legacySeqno(keys + 1, second);
  if (seqno < 0) return Verdict.BAD_FORMAT;
  const hexLen = end - prefix;
  if (hexLen != LEGACY_SHA1_HEX && hexLen != LEGACY_SHA256_HEX) {
    return Verdict.BAD_FORMAT;
  }
  if (!isLowerHex(prefix, end)) return Verdict.BAD_FORMAT;
  if (!legacyKeysOk(keys)) return Verdict.BAD_KEY_CHAR;
  if (seqno <= lastSeqno) return Verdict.REPLAY;
  store<f64>(LEGACY_FOUND, seqno);
  store<f64>(LEGACY_FOUND + 8, <f64>prefix);
  store<f64>(LEGACY_FOUND + 16, <f64>keys);
  store<f64>(LEGACY_FOUND + 24, <f64>hexLen);
  return Verdict.ACCEPTED;
}

// The value of a lowercase hex digit (checkLegacy has checked them all).
function nibble(c: u32): u32 {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

/**
 * The legacy digest rung, after checkLegacy: 1 when the `hexLen` hex digits
 * after the `prefix`-byte prefix spell the digest the glue wrote. As in the
 * kernel, the received hex is decoded (it is the sender's, no secret), then
 * compared in constant time: the work does not depend on where they differ.
 */
export function legacyDigestMatches(prefix: u32, hexLen: u32): bool {
  if (hexLen != LEGACY_SHA1_HEX && hexLen != LEGACY_SHA256_HEX) return false;
  if (prefix + hexLen > LEGACY_MAX_LEN) return false;
  let diff: u32 = 0;
  for (let i: u32 = 0; i < hexLen / 2; i++) {
    const at = LEGACY + prefix + 2 * i;
    const want = (nibble(load<u8>(at)) << 4) | nibble(load<u8>(at + 1));
    diff |= want ^ <u32>load<u8>(LEGACY_DIGEST + i);
  }
  return diff == 0;
}
