/**
 * The wire format (v2) in TypeScript, written once (docs/PROTOCOL.md is the
 * prose, kernel/nsr_proto.h the C coding, core/assembly/proto.ts the
 * AssemblyScript one). The library face re-exports the first six names
 * through mod.ts; the rest serve the glue and the client. Every value here
 * is checked against kernel/nsr_proto.h by tests/unit/constants_test.ts,
 * which fails on any export it does not check. Names other than the public
 * ones are the C names without their NSR_ prefix.
 *
 * @module
 */

/**
 * Version of the wire protocol this library speaks (C: NSR_VERSION).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { PROTOCOL_VERSION } from "../mod.ts";
 * assert.equal(PROTOCOL_VERSION, 2);
 * ```
 */
export const PROTOCOL_VERSION = 2;

/**
 * The client's default UDP port: 9 (discard), as the original ipt_SYSRQ.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { DEFAULT_PORT } from "../mod.ts";
 * assert.equal(DEFAULT_PORT, 9);
 * ```
 */
export const DEFAULT_PORT = 9;

/**
 * Most SysRq keys one request carries.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MAX_KEYS } from "../mod.ts";
 * assert.equal(MAX_KEYS, 16);
 * ```
 */
export const MAX_KEYS = 16;

/**
 * The server's judgement of a request: ACCEPTED, or the first rung of the
 * acceptance ladder that failed (docs/PROTOCOL.md). Values match
 * `enum nsr_verdict` in kernel/nsr_proto.h.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Verdict } from "../mod.ts";
 * assert.equal(Verdict.BAD_MAC, 13);
 * assert.equal(Verdict[17], "BAD_FORMAT");
 * ```
 */
export enum Verdict {
  /** Every rung passed; the keys may run. */
  ACCEPTED = 0,
  /** Neither a password nor a server key is configured. */
  NO_PASSWORD,
  /** Shorter than the 8-byte header. */
  TRUNCATED,
  /** The magic is not `NSRQ`. */
  BAD_MAGIC,
  /** The version is not 2 (a version 1 packet lands here). */
  BAD_VERSION,
  /** Neither a request nor a probe. */
  BAD_TYPE,
  /** The key count is not 1..16 (request), or 0 or 24 (probe). */
  BAD_KEY_COUNT,
  /** The length is not exactly 56 + count. */
  BAD_LENGTH,
  /** A flag bit other than ACK_WANTED is set (any bit, on a probe). */
  BAD_FLAGS,
  /** A key is not printable ASCII 0x21..0x7e; an info probe's body not 0. */
  BAD_KEY_CHAR,
  /** Older than the tolerance; no refusal token, so no hash and no reply. */
  STALE,
  /**
   * Ahead of the server's clock by more than the slack, authenticated and
   * consumed (the floor rose to its time); no refusal token, so no reply.
   */
  FUTURE,
  /**
   * Not above the floor (or a copy of the last accepted request) and no
   * refusal token: no hash, no reply.
   */
  REPLAY,
  /** The tag does not verify. */
  BAD_MAC,
  /** Authenticated but stale: a refusal is due. */
  REFUSED_STALE,
  /** Authenticated but ahead of the server's clock: consumed, refused. */
  REFUSED_FUTURE,
  /** Authenticated but not above the floor: a refusal is due. */
  REFUSED_REPLAY,
  /** Legacy text format only: the text is malformed. */
  BAD_FORMAT,
  /** Made for another boot id; no refusal token, so no hash and no reply. */
  WRONG_BOOT,
  /** Made for another boot id, authenticated: a refusal is due. */
  REFUSED_BOOT,
  /** The last accepted request again: re-acked with REPEAT, nothing runs. */
  REPEATED,
  /** An authenticated probe: answered with the boot id and clock. */
  PROBE_ANSWERED,
  /**
   * The key id names no key the server has (a removed or never installed
   * server key, or id 0 without a password): no hash, no reply.
   */
  UNKNOWN_KEY,
}

/**
 * What the server did with one requested key (an ack's status byte; C:
 * NSR_STATUS_*).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { KeyStatus } from "../mod.ts";
 * assert.equal(KeyStatus.REFUSED_BY_SYSCTL, 2);
 * ```
 */
export enum KeyStatus {
  /** Passed to the kernel's SysRq handler. */
  EXECUTED = 0,
  /** Refused by the rule's key set (`--sysrq-keys`). */
  REFUSED_BY_RULE = 1,
  /** Refused by the kernel's `kernel.sysrq` mask. */
  REFUSED_BY_SYSCTL = 2,
}

/**
 * Why an authenticated request was refused (a refusal's reason byte; C:
 * NSR_REASON_*).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { RefusalReason } from "../mod.ts";
 * assert.equal(RefusalReason.REPLAY, 3);
 * ```
 */
export enum RefusalReason {
  /** Older than the server's tolerance. */
  STALE = 1,
  /** Ahead of the server's clock (beyond its 1 s slack). */
  FUTURE = 2,
  /** Not newer than the last request the server accepted or consumed. */
  REPLAY = 3,
  /** Made for another boot id (a reload, password change or reboot). */
  BOOT = 4,
}

/** Message types (the type byte). */
export const TYPE_ACK = 2;
/** A refusal's type byte. */
export const TYPE_REFUSAL = 3;
/** A clock answer's type byte (the answer to a probe). */
export const TYPE_CLOCK = 5;
/** The request flag asking for an ack or refusal. */
export const FLAG_ACK_WANTED = 0x01;
/**
 * The request flag of a safe reboot: the server syncs, freezes and reboots
 * (only with ACK_WANTED and the one key `b`; docs/PROTOCOL.md).
 */
export const FLAG_SAFE_REBOOT = 0x04;
/** With FLAG_SAFE_REBOOT: reboot only if every step finished in time. */
export const FLAG_ONLY_IF_SYNCED = 0x08;
/** The ack flag of a re-ack: the request had run before, nothing ran now. */
export const ACK_FLAG_REPEAT = 0x01;
/** The request flag asking for what the keys print (only with ACK_WANTED). */
export const FLAG_OUTPUT_WANTED = 0x02;
/** The ack flag saying output messages for this request follow. */
export const ACK_FLAG_OUTPUT_FOLLOWS = 0x02;
/** The ack flag saying output was asked for but another request's is in flight. */
export const ACK_FLAG_OUTPUT_BUSY = 0x04;

/** Offset of the flags byte (a refusal's reason), in every message. */
export const OFF_FLAGS = 6;
/** Offset of the key (or status) count. */
export const OFF_COUNT = 7;
/** Offset of the server's 8-byte boot id, in every message. */
export const OFF_BOOT = 8;
/** Offset of the u64 big-endian time, ms on the server's protocol clock. */
export const OFF_TIME = 16;
/** Offset of the u32 big-endian key id (0: password mode), in every message. */
export const OFF_KEY_ID = 24;
/** Offset of the nonce, in every message. */
export const OFF_NONCE = 28;
/** Offset of a request's keys, or an ack's status bytes. */
export const OFF_KEYS = 40;

/** Length of the boot id. */
export const BOOT_ID_LEN = 8;
/** Length of the key id. */
export const KEY_ID_LEN = 4;
/** Length of the nonce. */
export const NONCE_LEN = 12;
/** Length of the tag: HMAC-SHA256 truncated to 128 bits. */
export const TAG_LEN = 16;
/** Length of every message without keys or statuses. */
export const FIXED_LEN = 56;
/** An info probe's count and body length, and its answer's: the facts. */
export const INFO_LEN = 24;
/** The longest message: an info probe or its answer. */
export const MAX_MSG_LEN = FIXED_LEN + INFO_LEN;

/** Lowest SysRq key byte: printable ASCII, no space. */
export const KEY_MIN = 0x21;
/** Highest SysRq key byte. */
export const KEY_MAX = 0x7e;

/** Length of a MAC label with its NUL. */
export const LABEL_LEN = 16;
/** Length of the address in every MAC (IPv6, or IPv4-mapped). */
export const ADDR_LEN = 16;

/** How far ahead of its clock the server accepts a request, ms. */
export const FUTURE_SLACK_MS = 1000;
/** The server's default past window (its `tolerance` parameter), s. */
export const TOLERANCE_DEFAULT_S = 60;

/** Length of the derived MAC key. */
export const KEY_LEN = 32;
/** PBKDF2 salt fixed by the protocol: 15 ASCII bytes, no NUL. */
export const KDF_SALT = "netsysrq v1 key";
/** PBKDF2 iteration count fixed by the protocol. */
export const KDF_ITERATIONS = 100000;
/** Longest password in UTF-8 bytes. */
export const PASSWORD_MAX = 128;

/** Longest legacy (xtables-addons) request, in bytes. */
export const LEGACY_MAX_LEN = 256;
/** Hex digits of a legacy SHA-1 digest (a SHA-256 one has 64). */
export const LEGACY_SHA1_HEX = 40;

// Output (docs/PROTOCOL.md, "Output (type 6)"); C: kernel/nsr_output_msg.h.

/** An output message's type byte. */
export const TYPE_OUTPUT = 6;
/** Output flag: no message with a higher index follows. */
export const OUT_FLAG_LAST = 0x01;
/** Output flag (with LAST): the output was cut at the server's limit. */
export const OUT_FLAG_TRUNCATED = 0x02;
/** Output flag (with LAST): a completion line had not come when the wait ended. */
export const OUT_FLAG_UNFINISHED = 0x04;
/** Offset of an output message's request id (the request's bytes 8..40). */
export const OUT_OFF_ID = 8;
/** Length of the request id. */
export const OUT_ID_LEN = 32;
/** Offset of the u16 big-endian index. */
export const OUT_OFF_INDEX = 40;
/** Offset of the ciphertext; also the length of the associated data. */
export const OUT_OFF_TEXT = 42;
/** Length of the Poly1305 tag. */
export const OUT_TAG_LEN = 16;
/** Length of an output message without text. */
export const OUT_FIXED_LEN = 58;
/** Most text bytes one output message carries. */
export const OUT_TEXT_MAX = 1024;
/** The longest output message. */
export const OUT_MAX_LEN = OUT_FIXED_LEN + OUT_TEXT_MAX;
/** The request bytes the output key is derived from (its first 40). */
export const OUT_REQUEST_HEAD = 40;
/** Length of the output key O. */
export const OUT_KEY_LEN = 32;
