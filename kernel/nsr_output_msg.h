/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output message (type 6, docs/PROTOCOL.md "Output (type 6)"): what
 * the keys of an accepted request printed, sealed with ChaCha20-Poly1305
 * under a key derived from the request's. Pure functions over bytes, like
 * the verifier: they compile unchanged in the kernel and in the userspace
 * harness (tests/c/), which supply the two crypto hooks below.
 */
#ifndef NSR_OUTPUT_MSG_H
#define NSR_OUTPUT_MSG_H

#include "nsr_compat.h"
#include "nsr_proto.h"

#define NSR_TYPE_OUTPUT			6

/*
 * The request's flag that asks for output, and the ack's answers to it
 * (docs/PROTOCOL.md, "Request", "Ack"). Here rather than in nsr_proto.h
 * until the WASM core has their twins; an identical definition there later
 * is legal C.
 */
#define NSR_FLAG_OUTPUT_WANTED	0x02	/* only with ACK_WANTED */
#define NSR_ACK_FLAG_OUTPUT_FOLLOWS	0x02	/* output messages follow */
#define NSR_ACK_FLAG_OUTPUT_BUSY	0x04	/* asked, but another's is sent */

/* The output message's flags. */
#define NSR_OUT_FLAG_LAST		0x01
#define NSR_OUT_FLAG_TRUNCATED		0x02	/* with LAST */
#define NSR_OUT_FLAG_UNFINISHED		0x04	/* with LAST */

/* Its layout: the frame's header, the request id, an index, the text. */
#define NSR_OUT_OFF_ID			8	/* the request's bytes 8..40 */
#define NSR_OUT_ID_LEN			32
#define NSR_OUT_OFF_INDEX		40	/* u16 BE */
#define NSR_OUT_OFF_TEXT		42	/* also the AD's length */
#define NSR_OUT_TAG_LEN			16	/* Poly1305 */
#define NSR_OUT_FIXED_LEN		58
#define NSR_OUT_TEXT_MAX		1024	/* text bytes per message */
#define NSR_OUT_MAX_LEN			(NSR_OUT_FIXED_LEN + NSR_OUT_TEXT_MAX)

/* What the output key O is derived from: a request's first 40 bytes. */
#define NSR_OUT_REQUEST_HEAD		40
#define NSR_OUT_KEY_LEN			32
#define NSR_LABEL_OUTPUT		"netsysrq v2 out"	/* + NUL: 16 */

struct nsr_mac_key;

/*
 * Supplied by the environment: the full HMAC-SHA256 (32 bytes) of
 * msg[0 .. len) under @key (the kernel: lib/crypto with the key's
 * precomputed pads; the harness: OpenSSL).
 */
void nsr_hmac_full(const struct nsr_mac_key *key, const u8 *msg, size_t len,
		   u8 out[NSR_OUT_KEY_LEN]);

/*
 * Supplied by the environment: RFC 8439 ChaCha20-Poly1305 of src[0 .. len)
 * with associated data ad[0 .. adlen), 96-bit nonce 00 00 00 00 || @nonce
 * as little-endian u64 (the kernel library's layout), into dst[0 .. len +
 * NSR_OUT_TAG_LEN). @dst and @src may be the same buffer.
 */
void nsr_aead_seal(u8 *dst, const u8 *src, size_t len, const u8 *ad,
		   size_t adlen, u64 nonce, const u8 key[NSR_OUT_KEY_LEN]);

/*
 * One accepted request's output: its key O and the 40 bytes every one of
 * its messages starts with (index aside). Holds a secret: wipe it.
 */
struct nsr_output_seal {
	u8 key[NSR_OUT_KEY_LEN];
	u8 head[NSR_OUT_OFF_INDEX];
};

/*
 * O = HMAC-SHA256(K, "netsysrq v2 out\0" || A || request[0 .. 40)) and the
 * messages' common header, for the request @request (at least
 * NSR_OUT_REQUEST_HEAD bytes) that key @key and address @addr
 * authenticated.
 */
void nsr_output_seal_init(struct nsr_output_seal *seal,
			  const struct nsr_mac_key *key,
			  const u8 addr[NSR_ADDR_LEN], const u8 *request);

void nsr_output_seal_wipe(struct nsr_output_seal *seal);

/*
 * Output message number @index with @flags (NSR_OUT_FLAG_*) carrying
 * text[0 .. m), m <= NSR_OUT_TEXT_MAX, into @buf (NSR_OUT_FIXED_LEN + m
 * bytes). Returns its length, or 0 for an @m or @flags out of range.
 */
size_t nsr_output_build(u8 *buf, const struct nsr_output_seal *seal,
			u16 index, u8 flags, const u8 *text, size_t m);

#endif /* NSR_OUTPUT_MSG_H */
