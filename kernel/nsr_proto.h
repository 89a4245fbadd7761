/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netsysrq wire protocol v2: every size, offset and value on the wire.
 * docs/PROTOCOL.md is the prose; this header and core/assembly/proto.ts are
 * its two codings, and tests/unit/constants_test.ts proves they agree.
 * Shared by the kernel module and the userspace test harness.
 */
#ifndef NSR_PROTO_H
#define NSR_PROTO_H

#define NSR_MAGIC_0		0x4e	/* 'N' */
#define NSR_MAGIC_1		0x53	/* 'S' */
#define NSR_MAGIC_2		0x52	/* 'R' */
#define NSR_MAGIC_3		0x51	/* 'Q' */
#define NSR_VERSION		2

#define NSR_TYPE_REQUEST	1
#define NSR_TYPE_ACK		2
#define NSR_TYPE_REFUSAL	3
#define NSR_TYPE_PROBE		4
#define NSR_TYPE_CLOCK		5	/* the answer to a probe */

#define NSR_FLAG_ACK_WANTED	0x01
#define NSR_FLAG_SAFE_REBOOT	0x04	/* sync, freeze, reboot: key b alone */
#define NSR_FLAG_ONLY_IF_SYNCED	0x08	/* with SAFE_REBOOT: all or no reboot */
#define NSR_FLAGS_KNOWN		0x0d	/* the three above */
#define NSR_SAFE_REBOOT_KEY	0x62	/* 'b': the one key of a safe reboot */
#define NSR_ACK_FLAG_REPEAT	0x01	/* a retry's ack: nothing ran now */

/* Offsets within every message. */
#define NSR_OFF_MAGIC		0
#define NSR_OFF_VERSION		4
#define NSR_OFF_TYPE		5
#define NSR_OFF_FLAGS		6	/* refusal: the reason */
#define NSR_OFF_COUNT		7
#define NSR_OFF_BOOT		8	/* the server's boot id */
#define NSR_OFF_TIME		16	/* u64 BE, ms, server protocol clock */
#define NSR_OFF_KEY_ID		24	/* u32 BE; 0: password mode */
#define NSR_OFF_NONCE		28
#define NSR_OFF_KEYS		40	/* ack: status bytes; info: facts */

#define NSR_HEADER_LEN		8
#define NSR_BOOT_ID_LEN		8
#define NSR_KEY_ID_LEN		4
#define NSR_NONCE_LEN		12
#define NSR_TAG_LEN		16	/* HMAC-SHA256 truncated to 128 bits */
#define NSR_FIXED_LEN		56	/* every message without keys/statuses */
#define NSR_MIN_KEYS		1
#define NSR_MAX_KEYS		16
#define NSR_REFUSAL_LEN		56
#define NSR_PROBE_LEN		56
#define NSR_CLOCK_LEN		56
#define NSR_INFO_LEN		24	/* an info probe's body, its answer's */
/* The longest message: an info probe and its answer (80 bytes). */
#define NSR_MAX_MSG_LEN		(NSR_FIXED_LEN + NSR_INFO_LEN)

#define NSR_KEY_MIN		0x21	/* printable ASCII, no space */
#define NSR_KEY_MAX		0x7e

#define NSR_LABEL_LEN		16
#define NSR_LABEL_REQUEST	"netsysrq v2 req"	/* + its NUL: 16 bytes */
#define NSR_LABEL_ACK		"netsysrq v2 ack"
#define NSR_LABEL_REFUSAL	"netsysrq v2 ref"
#define NSR_LABEL_PROBE		"netsysrq v2 prb"
#define NSR_LABEL_CLOCK		"netsysrq v2 clk"
#define NSR_ADDR_LEN		16	/* IPv6, or IPv4-mapped ::ffff:a.b.c.d */

#define NSR_KEY_LEN		32	/* derived MAC key */
/* The salt names the key, unchanged since v1 (docs/PROTOCOL.md). */
#define NSR_KDF_SALT		"netsysrq v1 key"	/* 15 bytes, no NUL */
#define NSR_KDF_SALT_LEN	15
#define NSR_KDF_ITERATIONS	100000
#define NSR_PASSWORD_MAX	128

/* Ack status bytes, one per requested key. */
#define NSR_STATUS_EXECUTED		0
#define NSR_STATUS_REFUSED_RULE		1
#define NSR_STATUS_REFUSED_SYSCTL	2

/* Refusal reasons (the refusal's flags byte). */
#define NSR_REASON_STALE	1
#define NSR_REASON_FUTURE	2
#define NSR_REASON_REPLAY	3
#define NSR_REASON_BOOT		4	/* made for another boot id */

/* Time rules: how far ahead a request may be; the default past window. */
#define NSR_FUTURE_SLACK_MS	1000
#define NSR_TOLERANCE_DEFAULT_S	60

/* Refusal budget: a token bucket, NSR_REFUSALS_PER_SEC, bursts of as many. */
#define NSR_REFUSALS_PER_SEC	5

/*
 * The verdict: accepted, or exactly which rung of the ladder failed.
 * STALE, REPLAY and WRONG_BOOT: refused without a hash (no token left).
 * FUTURE: authentic and consumed, not answered (no token left).
 * REFUSED_*: authentic, answered with a refusal if the request asked.
 */
enum nsr_verdict {
	NSR_ACCEPTED		= 0,
	NSR_NO_PASSWORD		= 1,
	NSR_TRUNCATED		= 2,
	NSR_BAD_MAGIC		= 3,
	NSR_BAD_VERSION		= 4,
	NSR_BAD_TYPE		= 5,
	NSR_BAD_KEY_COUNT	= 6,
	NSR_BAD_LENGTH		= 7,
	NSR_BAD_FLAGS		= 8,
	NSR_BAD_KEY_CHAR	= 9,
	NSR_STALE		= 10,
	NSR_FUTURE		= 11,
	NSR_REPLAY		= 12,
	NSR_BAD_MAC		= 13,
	NSR_REFUSED_STALE	= 14,
	NSR_REFUSED_FUTURE	= 15,
	NSR_REFUSED_REPLAY	= 16,
	NSR_BAD_FORMAT		= 17,	/* legacy text format only */
	NSR_WRONG_BOOT		= 18,
	NSR_REFUSED_BOOT	= 19,
	NSR_REPEATED		= 20,	/* the last accepted request again */
	NSR_PROBE_ANSWERED	= 21,
	NSR_UNKNOWN_KEY		= 22,	/* no key under the packet's key id */
	NSR_VERDICT_COUNT
};

/* Legacy (xtables-addons) text format. */
#define NSR_LEGACY_SHA1_HEX	40
#define NSR_LEGACY_SHA256_HEX	64
#define NSR_LEGACY_MAX_LEN	256

#endif /* NSR_PROTO_H */
