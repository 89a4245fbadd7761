/**
 * Protocol constants and enums of the library face (docs/PROTOCOL.md).
 * The numeric values mirror kernel/nsr_proto.h; tests/unit/constants_test.ts
 * checks them.
 *
 * @module
 */

/**
 * Version of the wire protocol this library speaks.
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
 * What the server did with one requested key (an ack's status byte).
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
 * Why an authenticated request was refused (a refusal's reason byte).
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
