// SPDX-License-Identifier: GPL-2.0
/*
 * The netsysrq v1 verifier: the acceptance ladder of docs/PROTOCOL.md as one
 * pure function, and the two MAC'd replies. No skb, no allocation, no
 * globals; the MAC comes from the environment through nsr_mac().
 */
#include "nsr_verify.h"

/* A fixed-size memcmp: compilers make it one 32-bit comparison. */
static bool nsr_magic_ok(const u8 *pkt)
{
	static const u8 magic[] = { NSR_MAGIC_0, NSR_MAGIC_1, NSR_MAGIC_2,
				    NSR_MAGIC_3 };

	return !memcmp(pkt + NSR_OFF_MAGIC, magic, sizeof(magic));
}

/* Rungs 2-9: everything that needs neither the clock nor the key. */
static enum nsr_verdict nsr_check_frame(const u8 *pkt, size_t len)
{
	unsigned int n;

	if (len < NSR_HEADER_LEN)
		return NSR_TRUNCATED;
	if (!nsr_magic_ok(pkt))
		return NSR_BAD_MAGIC;
	if (pkt[NSR_OFF_VERSION] != NSR_VERSION)
		return NSR_BAD_VERSION;
	if (pkt[NSR_OFF_TYPE] != NSR_TYPE_REQUEST)
		return NSR_BAD_TYPE;
	n = pkt[NSR_OFF_COUNT];
	if (n < NSR_MIN_KEYS || n > NSR_MAX_KEYS)
		return NSR_BAD_KEY_COUNT;
	if (len != NSR_FIXED_LEN + n)
		return NSR_BAD_LENGTH;
	if (pkt[NSR_OFF_FLAGS] & ~NSR_FLAGS_KNOWN)
		return NSR_BAD_FLAGS;
	if (!nsr_keys_ok(pkt + NSR_OFF_KEYS, n))
		return NSR_BAD_KEY_CHAR;
	return NSR_ACCEPTED;
}

/* Rungs 10-12, written so that no sum or difference can wrap. */
static enum nsr_verdict nsr_check_time(u64 ts, const struct nsr_clock *clock,
				       u64 last)
{
	u64 now = clock->now, tolerance = clock->tolerance;

	if (ts < now && now - ts > tolerance)
		return NSR_STALE;
	if (ts > now && ts - now > tolerance)
		return NSR_FUTURE;
	if (ts <= last)
		return NSR_REPLAY;
	return NSR_ACCEPTED;
}

/* Rung 13: the request's tag, compared in constant time. */
static bool nsr_tag_ok(const u8 *pkt, size_t len, const u8 *addr,
		       const struct nsr_mac_key *key)
{
	u8 tag[NSR_TAG_LEN];
	bool ok;

	nsr_mac(key, (const u8 *)NSR_LABEL_REQUEST, addr, pkt,
		len - NSR_TAG_LEN, tag);
	ok = !crypto_memneq(tag, pkt + len - NSR_TAG_LEN, NSR_TAG_LEN);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

static void nsr_parse(const u8 *pkt, struct nsr_request *out)
{
	out->timestamp = get_unaligned_be64(pkt + NSR_OFF_TIME);
	memcpy(out->nonce, pkt + NSR_OFF_NONCE, NSR_NONCE_LEN);
	out->nkeys = pkt[NSR_OFF_COUNT];
	memcpy(out->keys, pkt + NSR_OFF_KEYS, out->nkeys);
	out->ack_wanted = pkt[NSR_OFF_FLAGS] & NSR_FLAG_ACK_WANTED;
}

/* A time failure with a good MAC becomes the matching REFUSED_* verdict. */
static enum nsr_verdict nsr_refused(enum nsr_verdict v)
{
	switch (v) {
	case NSR_STALE:
		return NSR_REFUSED_STALE;
	case NSR_FUTURE:
		return NSR_REFUSED_FUTURE;
	default:
		return NSR_REFUSED_REPLAY;
	}
}

/* Rungs 10-13 and acceptance, for a well-formed request. */
static enum nsr_verdict nsr_judge_framed(const u8 *pkt, size_t len,
					 const u8 *addr,
					 const struct nsr_mac_key *key,
					 const struct nsr_clock *clock,
					 struct nsr_state *state,
					 struct nsr_request *out)
{
	u64 ts = get_unaligned_be64(pkt + NSR_OFF_TIME);
	enum nsr_verdict v;

	v = nsr_check_time(ts, clock,
			   (u64)atomic64_read(&state->last_accepted));
	if (v != NSR_ACCEPTED) {
		/* Hash a time failure only while the refusal budget lasts. */
		if (!nsr_bucket_take(&state->refusals, clock->mono))
			return v;
		if (!nsr_tag_ok(pkt, len, addr, key))
			return NSR_BAD_MAC;
		nsr_parse(pkt, out);
		return nsr_refused(v);
	}

	if (!nsr_tag_ok(pkt, len, addr, key))
		return NSR_BAD_MAC;
	if (!nsr_advance(&state->last_accepted, ts))
		return NSR_REPLAY;
	nsr_parse(pkt, out);
	return NSR_ACCEPTED;
}

enum nsr_verdict nsr_verify_request(const u8 *pkt, size_t len,
				    const u8 addr[NSR_ADDR_LEN],
				    const struct nsr_mac_key *key,
				    const struct nsr_clock *clock,
				    struct nsr_state *state,
				    struct nsr_request *out)
{
	enum nsr_verdict v;

	if (!key)
		return NSR_NO_PASSWORD;
	v = nsr_check_frame(pkt, len);
	if (v != NSR_ACCEPTED)
		return v;
	return nsr_judge_framed(pkt, len, addr, key, clock, state, out);
}

static void nsr_put_header(u8 *buf, u8 type, u8 flags, u8 count)
{
	buf[NSR_OFF_MAGIC] = NSR_MAGIC_0;
	buf[NSR_OFF_MAGIC + 1] = NSR_MAGIC_1;
	buf[NSR_OFF_MAGIC + 2] = NSR_MAGIC_2;
	buf[NSR_OFF_MAGIC + 3] = NSR_MAGIC_3;
	buf[NSR_OFF_VERSION] = NSR_VERSION;
	buf[NSR_OFF_TYPE] = type;
	buf[NSR_OFF_FLAGS] = flags;
	buf[NSR_OFF_COUNT] = count;
}

size_t nsr_build_ack(u8 *buf, const struct nsr_request *req,
		     const u8 status[NSR_MAX_KEYS],
		     const u8 addr[NSR_ADDR_LEN],
		     const struct nsr_mac_key *key)
{
	size_t body = NSR_OFF_KEYS + req->nkeys;

	nsr_put_header(buf, NSR_TYPE_ACK, 0, req->nkeys);
	put_unaligned_be64(req->timestamp, buf + NSR_OFF_TIME);
	memcpy(buf + NSR_OFF_NONCE, req->nonce, NSR_NONCE_LEN);
	memcpy(buf + NSR_OFF_KEYS, status, req->nkeys);
	nsr_mac(key, (const u8 *)NSR_LABEL_ACK, addr, buf, body, buf + body);
	return body + NSR_TAG_LEN;
}

size_t nsr_build_refusal(u8 *buf, const struct nsr_request *req, u8 reason,
			 u64 server_ms, const u8 addr[NSR_ADDR_LEN],
			 const struct nsr_mac_key *key)
{
	size_t body = NSR_REFUSAL_LEN - NSR_TAG_LEN;

	nsr_put_header(buf, NSR_TYPE_REFUSAL, reason, 0);
	put_unaligned_be64(server_ms, buf + NSR_OFF_TIME);
	memcpy(buf + NSR_OFF_NONCE, req->nonce, NSR_NONCE_LEN);
	nsr_mac(key, (const u8 *)NSR_LABEL_REFUSAL, addr, buf, body,
		buf + body);
	return NSR_REFUSAL_LEN;
}
