/**
 * The wire format in TypeScript, written once (docs/PROTOCOL.md is the
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
 * assert.equal(PROTOCOL_VERSION, 1);
 * ```
 */
export const PROTOCOL_VERSION = 1;

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
  /** No password is configured. */
  NO_PASSWORD,
  /** Shorter than the 8-byte header. */
  TRUNCATED,
  /** The magic is not `NSRQ`. */
  BAD_MAGIC,
  /** The version is not 1. */
  BAD_VERSION,
  /** Not a request. */
  BAD_TYPE,
  /** The key count is not 1..16. */
  BAD_KEY_COUNT,
  /** The length is not exactly 48 + count. */
  BAD_LENGTH,
  /** A flag bit other than ACK_WANTED is set. */
  BAD_FLAGS,
  /** A key is not printable ASCII 0x21..0x7e. */
  BAD_KEY_CHAR,
  /** Older than the tolerance; no refusal token, so no hash and no reply. */
  STALE,
  /** Newer than the tolerance; no refusal token, so no hash and no reply. */
  FUTURE,
  /** Not newer than the last accepted request; no refusal token. */
  REPLAY,
  /** The tag does not verify. */
  BAD_MAC,
  /** Authenticated but stale: a refusal is due. */
  REFUSED_STALE,
  /** Authenticated but from the future: a refusal is due. */
  REFUSED_FUTURE,
  /** Authenticated but not newer than the last accepted: a refusal is due. */
  REFUSED_REPLAY,
  /** Legacy text format only: the text is malformed. */
  BAD_FORMAT,
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
  /** Newer than the server's tolerance. */
  FUTURE = 2,
  /** Not newer than the last accepted request. */
  REPLAY = 3,
}

/** Message types (the type byte). */
export const TYPE_ACK = 2;
/** A refusal's type byte. */
export const TYPE_REFUSAL = 3;
/** The request flag asking for an ack or refusal. */
export const FLAG_ACK_WANTED = 0x01;

/** Offset of the flags byte (a refusal's reason), in every message. */
export const OFF_FLAGS = 6;
/** Offset of the key (or status) count. */
export const OFF_COUNT = 7;
/** Offset of the u64 big-endian time, ms since the epoch. */
export const OFF_TIME = 8;
/** Offset of the nonce, in every message. */
export const OFF_NONCE = 16;
/** Offset of a request's keys, or an ack's status bytes. */
export const OFF_KEYS = 32;

/** Length of the nonce. */
export const NONCE_LEN = 16;
/** Length of the tag: HMAC-SHA256 truncated to 128 bits. */
export const TAG_LEN = 16;
/** Length of a request or ack without its keys. */
export const FIXED_LEN = 48;
/** The longest message. */
export const MAX_MSG_LEN = FIXED_LEN + MAX_KEYS;

/** Lowest SysRq key byte: printable ASCII, no space. */
export const KEY_MIN = 0x21;
/** Highest SysRq key byte. */
export const KEY_MAX = 0x7e;

/** Length of a MAC label with its NUL. */
export const LABEL_LEN = 16;
/** Length of the address in every MAC (IPv6, or IPv4-mapped). */
export const ADDR_LEN = 16;

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
