// SPDX-License-Identifier: GPL-2.0
/*
 * The netsysrq v2 verifier: the ladder of docs/PROTOCOL.md as one pure
 * function over a packet and the replay state, and the MAC'd answers. No
 * skb, no allocation, no globals; the MAC comes from the environment
 * through nsr_mac(), the lock and atomics through nsr_compat.h.
 */
#include "nsr_verify.h"
#include "nsr_output_msg.h"	/* the request flag OUTPUT_WANTED */

void nsr_state_init(struct nsr_state *state,
		    const u8 boot_id[NSR_BOOT_ID_LEN], u64 wall_ms,
		    u64 boot_ns, u64 mono_ms)
{
	memcpy(state->boot_id, boot_id, NSR_BOOT_ID_LEN);
	state->base_wall_ms = wall_ms;
	state->base_boot_ns = boot_ns;
	atomic64_set(&state->floor, 0);
	nsr_bucket_init(&state->refusals, NSR_BUCKET_TOKENS, mono_ms);
	nsr_lock_init(&state->lock);
	state->last_len = 0;
}

u64 nsr_state_now(const struct nsr_state *state, u64 boot_ns)
{
	return state->base_wall_ms +
	       div_u64(boot_ns - state->base_boot_ns, 1000000);
}

/* A fixed-size memcmp: compilers make it one 32-bit comparison. */
static bool nsr_magic_ok(const u8 *pkt)
{
	static const u8 magic[] = { NSR_MAGIC_0, NSR_MAGIC_1, NSR_MAGIC_2,
				    NSR_MAGIC_3 };

	return !memcmp(pkt + NSR_OFF_MAGIC, magic, sizeof(magic));
}

/* Rung 6: a request's key count, or a probe's: plain (0) or info (24). */
static bool nsr_count_ok(bool probe, unsigned int n)
{
	if (probe)
		return n == 0 || n == NSR_INFO_LEN;
	return n >= NSR_MIN_KEYS && n <= NSR_MAX_KEYS;
}

/* Rung 9: a request's keys printable; an info probe's padding all zero. */
static bool nsr_body_ok(bool probe, const u8 *body, unsigned int n)
{
	unsigned int i;

	if (!probe)
		return nsr_keys_ok(body, n);
	for (i = 0; i < n; i++)
		if (body[i])
			return false;
	return true;
}

/* Rungs 2-9: everything that needs neither the state nor a key. */
/*
 * Rung 8: a probe has no flags; a request only known ones, OUTPUT_WANTED
 * and SAFE_REBOOT only with ACK_WANTED, SAFE_REBOOT only with the one key
 * b, ONLY_IF_SYNCED only with SAFE_REBOOT.
 */
static bool nsr_flags_ok(const u8 *pkt, bool probe, unsigned int n)
{
	u8 f = pkt[NSR_OFF_FLAGS];

	if (probe)
		return !f;
	if (f & (u8)~(NSR_FLAGS_KNOWN | NSR_FLAG_OUTPUT_WANTED))
		return false;
	if ((f & NSR_FLAG_OUTPUT_WANTED) && !(f & NSR_FLAG_ACK_WANTED))
		return false;
	if (!(f & NSR_FLAG_SAFE_REBOOT))
		return !(f & NSR_FLAG_ONLY_IF_SYNCED);
	return (f & NSR_FLAG_ACK_WANTED) && n == 1 &&
	       pkt[NSR_OFF_KEYS] == NSR_SAFE_REBOOT_KEY;
}

static enum nsr_verdict nsr_check_frame(const u8 *pkt, size_t len)
{
	bool probe;
	unsigned int n;

	if (len < NSR_HEADER_LEN)
		return NSR_TRUNCATED;
	if (!nsr_magic_ok(pkt))
		return NSR_BAD_MAGIC;
	if (pkt[NSR_OFF_VERSION] != NSR_VERSION)
		return NSR_BAD_VERSION;
	probe = pkt[NSR_OFF_TYPE] == NSR_TYPE_PROBE;
	if (!probe && pkt[NSR_OFF_TYPE] != NSR_TYPE_REQUEST)
		return NSR_BAD_TYPE;
	n = pkt[NSR_OFF_COUNT];
	if (!nsr_count_ok(probe, n))
		return NSR_BAD_KEY_COUNT;
	if (len != NSR_FIXED_LEN + n)
		return NSR_BAD_LENGTH;
	if (!nsr_flags_ok(pkt, probe, n))
		return NSR_BAD_FLAGS;
	if (!nsr_body_ok(probe, pkt + NSR_OFF_KEYS, n))
		return NSR_BAD_KEY_CHAR;
	return NSR_ACCEPTED;
}

/*
 * Rung K: the key the packet's id names, and its mode's address A: the
 * destination in password mode, 16 zero bytes for a server key (the host
 * binding comes from the key). False if the server has no such key.
 */
static bool nsr_pick_key(const u8 *pkt, const u8 *addr,
			 const struct nsr_keys *keys, struct nsr_request *out)
{
	out->key_id = get_unaligned_be32(pkt + NSR_OFF_KEY_ID);
	out->key = nsr_find_key(keys, out->key_id);
	if (!out->key)
		return false;
	if (out->key_id == NSR_PASSWORD_KEY_ID)
		memcpy(out->addr, addr, NSR_ADDR_LEN);
	else
		memset(out->addr, 0, NSR_ADDR_LEN);
	return true;
}

/* The tag of a request or probe, compared in constant time. */
static bool nsr_tag_ok(const u8 *pkt, size_t len,
		       const struct nsr_request *req)
{
	const char *label = req->type == NSR_TYPE_PROBE ?
			    NSR_LABEL_PROBE : NSR_LABEL_REQUEST;
	u8 tag[NSR_TAG_LEN];
	bool ok;

	nsr_mac(req->key, (const u8 *)label, req->addr, pkt,
		len - NSR_TAG_LEN, tag);
	ok = !crypto_memneq(tag, pkt + len - NSR_TAG_LEN, NSR_TAG_LEN);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

/* The fields of a well-framed packet; a probe's body is not kept. */
static void nsr_parse(const u8 *pkt, struct nsr_request *out)
{
	out->type = pkt[NSR_OFF_TYPE];
	memcpy(out->boot_id, pkt + NSR_OFF_BOOT, NSR_BOOT_ID_LEN);
	out->timestamp = get_unaligned_be64(pkt + NSR_OFF_TIME);
	memcpy(out->nonce, pkt + NSR_OFF_NONCE, NSR_NONCE_LEN);
	out->nkeys = pkt[NSR_OFF_COUNT];
	if (out->type == NSR_TYPE_REQUEST)
		memcpy(out->keys, pkt + NSR_OFF_KEYS, out->nkeys);
	out->ack_wanted = pkt[NSR_OFF_FLAGS] & NSR_FLAG_ACK_WANTED;
	out->output_wanted = pkt[NSR_OFF_FLAGS] & NSR_FLAG_OUTPUT_WANTED;
	out->ack_flags = 0;
	out->safe_reboot = pkt[NSR_OFF_FLAGS] & NSR_FLAG_SAFE_REBOOT;
	out->only_if_synced = pkt[NSR_OFF_FLAGS] & NSR_FLAG_ONLY_IF_SYNCED;
}

/* Rungs 10, 12, 13: a token pays for the hash; authentic means refused. */
static enum nsr_verdict nsr_refuse(enum nsr_verdict v, const u8 *pkt,
				   size_t len, const struct nsr_request *req,
				   const struct nsr_clock *clock,
				   struct nsr_state *state)
{
	if (!nsr_bucket_take(&state->refusals, clock->mono))
		return v;
	if (!nsr_tag_ok(pkt, len, req))
		return NSR_BAD_MAC;
	switch (v) {
	case NSR_WRONG_BOOT:
		return NSR_REFUSED_BOOT;
	case NSR_STALE:
		return NSR_REFUSED_STALE;
	default:
		return NSR_REFUSED_REPLAY;
	}
}

/*
 * Under the lock: is @pkt the last accepted request, byte for byte, under
 * the same address A? (In password mode the same bytes sent to another of
 * the server's addresses were never authenticated for it; a server key's
 * A is always zero, so there a copy sent to any address is recognised.)
 */
static bool nsr_is_last_locked(const struct nsr_state *state, const u8 *pkt,
			       size_t len, struct nsr_request *out)
{
	if (state->last_len != len || memcmp(state->last, pkt, len) ||
	    memcmp(state->last_addr, out->addr, NSR_ADDR_LEN))
		return false;
	memcpy(out->status, state->last_status, out->nkeys);
	return true;
}

/* Rung 11: a copy of the last accepted request is re-acked, never run. */
static bool nsr_is_last(struct nsr_state *state, const u8 *pkt, size_t len,
			struct nsr_request *out)
{
	bool same;

	nsr_lock(&state->lock);
	same = nsr_is_last_locked(state, pkt, len, out);
	nsr_unlock(&state->lock);
	return same;
}

static enum nsr_verdict nsr_repeated(struct nsr_state *state,
				     const struct nsr_clock *clock)
{
	return nsr_bucket_take(&state->refusals, clock->mono) ?
	       NSR_REPEATED : NSR_REPLAY;
}

/*
 * Rung 14: an authentic packet ahead of the clock can never act. A FUTURE
 * refusal tells the client that no copy ran, so it must not be given when
 * another CPU, whose clock read came later, committed this very packet (or
 * a newer one) since rung 13: that is judged as rung 16 would.
 */
static enum nsr_verdict nsr_consume(struct nsr_state *state, const u8 *pkt,
				    size_t len, const struct nsr_clock *clock,
				    struct nsr_request *out)
{
	u64 ts = out->timestamp;
	bool same, passed;

	nsr_lock(&state->lock);
	same = nsr_is_last_locked(state, pkt, len, out);
	passed = ts <= (u64)atomic64_read(&state->floor);
	if (!passed)
		atomic64_set(&state->floor, (s64)ts);
	nsr_unlock(&state->lock);
	if (same)
		return nsr_repeated(state, clock);
	if (passed)
		return nsr_bucket_take(&state->refusals, clock->mono) ?
		       NSR_REFUSED_REPLAY : NSR_REPLAY;
	return nsr_bucket_take(&state->refusals, clock->mono) ?
	       NSR_REFUSED_FUTURE : NSR_FUTURE;
}

/*
 * Rung 16: judged again under the lock, since another CPU may have
 * accepted this very packet (a retry racing its original) or a newer one.
 */
static enum nsr_verdict nsr_commit(struct nsr_state *state, const u8 *pkt,
				   size_t len, const struct nsr_clock *clock,
				   struct nsr_request *out)
{
	u64 ts = out->timestamp;
	bool same;

	nsr_lock(&state->lock);
	same = nsr_is_last_locked(state, pkt, len, out);
	if (same || ts <= (u64)atomic64_read(&state->floor)) {
		nsr_unlock(&state->lock);
		return same ? nsr_repeated(state, clock) : NSR_REPLAY;
	}
	atomic64_set(&state->floor, (s64)ts);
	memcpy(state->last, pkt, len);
	state->last_len = (u8)len;
	memcpy(state->last_addr, out->addr, NSR_ADDR_LEN);
	memcpy(state->last_status, out->status, out->nkeys);
	nsr_unlock(&state->lock);
	return NSR_ACCEPTED;
}

/* Rungs 10-16 for a well-formed request under a known key. */
static enum nsr_verdict nsr_judge_request(const u8 *pkt, size_t len,
					  const struct nsr_clock *clock,
					  struct nsr_state *state,
					  const struct nsr_judge *judge,
					  struct nsr_request *out)
{
	u64 ts = out->timestamp, now = clock->now;
	u64 floor = (u64)atomic64_read(&state->floor);

	if (memcmp(out->boot_id, state->boot_id, NSR_BOOT_ID_LEN))
		return nsr_refuse(NSR_WRONG_BOOT, pkt, len, out, clock, state);
	/* The last accepted request's time is at or below the floor. */
	if (ts <= floor && nsr_is_last(state, pkt, len, out))
		return nsr_repeated(state, clock);
	/* No sum or difference below can wrap. */
	if (ts < now && now - ts > clock->tolerance)
		return nsr_refuse(NSR_STALE, pkt, len, out, clock, state);
	if (ts <= floor)
		return nsr_refuse(NSR_REPLAY, pkt, len, out, clock, state);
	if (!nsr_tag_ok(pkt, len, out))
		return NSR_BAD_MAC;
	if (ts > now && ts - now > NSR_FUTURE_SLACK_MS)
		return nsr_consume(state, pkt, len, clock, out);
	judge->fn(judge->ctx, out->keys, out->nkeys, out->status);
	return nsr_commit(state, pkt, len, clock, out);
}

enum nsr_verdict nsr_verify_request(const u8 *pkt, size_t len,
				    const u8 addr[NSR_ADDR_LEN],
				    const struct nsr_keys *keys,
				    const struct nsr_clock *clock,
				    struct nsr_state *state,
				    const struct nsr_judge *judge,
				    struct nsr_request *out)
{
	enum nsr_verdict v;

	if (!keys)
		return NSR_NO_PASSWORD;
	v = nsr_check_frame(pkt, len);
	if (v != NSR_ACCEPTED)
		return v;
	nsr_parse(pkt, out);
	if (!nsr_pick_key(pkt, addr, keys, out))
		return NSR_UNKNOWN_KEY;
	if (out->type == NSR_TYPE_PROBE)
		return nsr_tag_ok(pkt, len, out) ? NSR_PROBE_ANSWERED :
						   NSR_BAD_MAC;
	return nsr_judge_request(pkt, len, clock, state, judge, out);
}

/* The frame of docs/PROTOCOL.md, sealed with @label; returns its length. */
static size_t nsr_seal(u8 *buf, const char *label, u8 type, u8 flags,
		       const u8 *boot_id, u64 time, const u8 *body, u8 n,
		       const struct nsr_request *req)
{
	size_t end = NSR_OFF_KEYS + n;

	buf[NSR_OFF_MAGIC] = NSR_MAGIC_0;
	buf[NSR_OFF_MAGIC + 1] = NSR_MAGIC_1;
	buf[NSR_OFF_MAGIC + 2] = NSR_MAGIC_2;
	buf[NSR_OFF_MAGIC + 3] = NSR_MAGIC_3;
	buf[NSR_OFF_VERSION] = NSR_VERSION;
	buf[NSR_OFF_TYPE] = type;
	buf[NSR_OFF_FLAGS] = flags;
	buf[NSR_OFF_COUNT] = n;
	memcpy(buf + NSR_OFF_BOOT, boot_id, NSR_BOOT_ID_LEN);
	put_unaligned_be64(time, buf + NSR_OFF_TIME);
	put_unaligned_be32(req->key_id, buf + NSR_OFF_KEY_ID);
	memcpy(buf + NSR_OFF_NONCE, req->nonce, NSR_NONCE_LEN);
	if (n)
		memcpy(buf + NSR_OFF_KEYS, body, n);
	nsr_mac(req->key, (const u8 *)label, req->addr, buf, end, buf + end);
	return end + NSR_TAG_LEN;
}

static u8 nsr_reason(enum nsr_verdict v)
{
	switch (v) {
	case NSR_REFUSED_STALE:
		return NSR_REASON_STALE;
	case NSR_REFUSED_FUTURE:
		return NSR_REASON_FUTURE;
	case NSR_REFUSED_REPLAY:
		return NSR_REASON_REPLAY;
	case NSR_REFUSED_BOOT:
		return NSR_REASON_BOOT;
	default:
		return 0;
	}
}

/* The clock answer: the probe's count, and for an info probe the facts. */
static size_t nsr_clock_answer(u8 *buf, const struct nsr_request *req,
			       const struct nsr_state *state, u64 now,
			       const u8 *info)
{
	if (req->nkeys && !info)
		return 0;
	return nsr_seal(buf, NSR_LABEL_CLOCK, NSR_TYPE_CLOCK, 0,
			state->boot_id, now, info, req->nkeys, req);
}

size_t nsr_build_reply(u8 *buf, enum nsr_verdict v,
		       const struct nsr_request *req,
		       const struct nsr_state *state, u64 now,
		       const u8 *info)
{
	u8 reason = nsr_reason(v);

	if (v == NSR_PROBE_ANSWERED)
		return nsr_clock_answer(buf, req, state, now, info);
	/* @req is only filled for the verdicts below. */
	if (v != NSR_ACCEPTED && v != NSR_REPEATED && !reason)
		return 0;
	if (!req->ack_wanted)
		return 0;
	if (reason)
		return nsr_seal(buf, NSR_LABEL_REFUSAL, NSR_TYPE_REFUSAL,
				reason, state->boot_id, now, NULL, 0, req);
	return nsr_seal(buf, NSR_LABEL_ACK, NSR_TYPE_ACK,
			v == NSR_REPEATED ? NSR_ACK_FLAG_REPEAT : req->ack_flags,
			req->boot_id, req->timestamp, req->status,
			req->nkeys, req);
}
