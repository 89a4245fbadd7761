/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netsysrq verifier: pure functions over a packet's bytes. They compile
 * unchanged in the kernel module and in the userspace harness under
 * tests/c/; nsr_compat.h supplies types, atomics and crypto_memneq for each.
 * Nothing here touches an skb, allocates, sleeps or uses global buffers.
 */
#ifndef NSR_VERIFY_H
#define NSR_VERIFY_H

#include "nsr_bucket.h"
#include "nsr_compat.h"
#include "nsr_proto.h"

/*
 * The derived MAC key with its HMAC pads precomputed; the environment
 * (kernel glue or the OpenSSL shim) defines it.
 */
struct nsr_mac_key;

/*
 * Supplied by the environment: the first NSR_TAG_LEN bytes of
 * HMAC-SHA256(key, label || addr || msg[0 .. len)).
 */
void nsr_mac(const struct nsr_mac_key *key, const u8 label[NSR_LABEL_LEN],
	     const u8 addr[NSR_ADDR_LEN], const u8 *msg, size_t len,
	     u8 tag[NSR_TAG_LEN]);

/* Server state shared by every CPU; only the verifier changes it. */
struct nsr_state {
	atomic64_t last_accepted;	/* ms; starts at module load */
	struct nsr_bucket refusals;	/* pays for the MAC of a time failure */
};

/* What a verified (or authenticated but time-refused) request said. */
struct nsr_request {
	u64 timestamp;
	u8 nonce[NSR_NONCE_LEN];
	u8 nkeys;
	u8 keys[NSR_MAX_KEYS];
	bool ack_wanted;
};

/* The server's time as it judges a request, all in ms. */
struct nsr_clock {
	u64 now;	/* wall clock: the request's timestamp must be near */
	u64 tolerance;	/* how near (the module parameter) */
	u64 mono;	/* monotonic: the refusal bucket's, so that no step
			 * of the wall clock refills or drains it */
};

/*
 * Judge one request with the ladder of docs/PROTOCOL.md. @key is NULL when
 * no password is configured. @out is filled for NSR_ACCEPTED and
 * NSR_REFUSED_*. Only NSR_ACCEPTED advances state->last_accepted.
 */
enum nsr_verdict nsr_verify_request(const u8 *pkt, size_t len,
				    const u8 addr[NSR_ADDR_LEN],
				    const struct nsr_mac_key *key,
				    const struct nsr_clock *clock,
				    struct nsr_state *state,
				    struct nsr_request *out);

/* Build the ack for @req into @buf (NSR_MAX_MSG_LEN bytes); returns length. */
size_t nsr_build_ack(u8 *buf, const struct nsr_request *req,
		     const u8 status[NSR_MAX_KEYS],
		     const u8 addr[NSR_ADDR_LEN],
		     const struct nsr_mac_key *key);

/* Build a refusal for @req into @buf; returns NSR_REFUSAL_LEN. */
size_t nsr_build_refusal(u8 *buf, const struct nsr_request *req, u8 reason,
			 u64 server_ms, const u8 addr[NSR_ADDR_LEN],
			 const struct nsr_mac_key *key);

/*
 * Legacy xtables-addons text format (docs/PROTOCOL.md, "Legacy format"):
 * "<keys>,<seqno>,<salt>,<hexdigest>" with at most one trailing "\n".
 */
#define NSR_LEGACY_DIGEST_MAX	32	/* SHA-256; SHA-1 is 20 */

/*
 * The legacy password (and, in the kernel, its hash transforms); the
 * environment defines it.
 */
struct nsr_legacy_key;

/*
 * Supplied by the environment: H(prefix || dst || "," || password) into
 * @digest, H being SHA-256 if @sha256, else SHA-1 (32 or 20 bytes). @prefix
 * is the request up to and including its third comma; @dst the destination
 * address as text (dotted IPv4, or %pI6: 8 groups of 4 lowercase hex
 * digits). Returns 0, or a negative errno, which the verifier treats as a
 * mismatch (NSR_BAD_MAC).
 */
int nsr_legacy_digest(const struct nsr_legacy_key *key, bool sha256,
		      const u8 *prefix, size_t prefix_len,
		      const char *dst, size_t dst_len,
		      u8 digest[NSR_LEGACY_DIGEST_MAX]);

/* What a verified legacy request said. @keys points into the packet. */
struct nsr_legacy_request {
	u64 seqno;
	const u8 *keys;
	size_t nkeys;
};

/*
 * Judge one legacy request. @key is NULL when no password is configured.
 * The ladder, first failure wins:
 *   NO_PASSWORD; BAD_LENGTH (more than NSR_LEGACY_MAX_LEN bytes, counting
 *   the optional "\n"); BAD_FORMAT (not three commas and a digest of 40 or
 *   64 lowercase hex digits, no keys or more than NSR_MAX_KEYS, a seqno
 *   that is not decimal digits only or does not fit in a u64);
 *   BAD_KEY_CHAR (a key outside 21..7e);
 *   REPLAY (seqno <= *last_seqno); BAD_MAC (digest differs); ACCEPTED.
 * Only NSR_ACCEPTED advances *last_seqno (compare-and-exchange; REPLAY if
 * another CPU accepted a seqno at least as new meanwhile) and fills @out.
 */
enum nsr_verdict nsr_verify_legacy(const u8 *pkt, size_t len,
				   const char *dst, size_t dst_len,
				   const struct nsr_legacy_key *key,
				   atomic64_t *last_seqno,
				   struct nsr_legacy_request *out);

/* Rungs both ladders share; inline, so that neither pays for a call. */

/* Every key printable ASCII without space (NSR_KEY_MIN..NSR_KEY_MAX). */
static inline bool nsr_keys_ok(const u8 *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i] < NSR_KEY_MIN || keys[i] > NSR_KEY_MAX)
			return false;
	return true;
}

/*
 * Raise *last to @v unless another CPU got there (or further) first: the
 * atomic acceptance that makes a packet run at most once.
 */
static inline bool nsr_advance(atomic64_t *last, u64 v)
{
	s64 old = atomic64_read(last);

	while (v > (u64)old)
		if (atomic64_try_cmpxchg(last, &old, (s64)v))
			return true;
	return false;
}

#endif /* NSR_VERIFY_H */
