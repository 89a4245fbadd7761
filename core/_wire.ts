/**
 * The wire offsets and values the TypeScript glue reads itself, written
 * once (docs/PROTOCOL.md has the table; tests/unit/constants_test.ts checks
 * them against kernel/nsr_proto.h).
 *
 * @module
 */

/** Where the nonce starts, in every message. */
export const OFF_NONCE = 16;
/** Where a request's keys, or an ack's status bytes, start. */
export const OFF_KEYS = 32;
/** The request flag asking for an ack or refusal. */
export const FLAG_ACK_WANTED = 1;
/** Message types. */
export const TYPE_ACK = 2;
export const TYPE_REFUSAL = 3;
