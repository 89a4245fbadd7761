/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netsysrq verifier: pure functions over a packet's bytes and the
 * replay state the caller passes. They compile unchanged in the kernel
 * module and in the userspace harness under tests/c/; nsr_compat.h supplies
 * types, atomics, the state's lock and crypto_memneq for each. Nothing here
 * touches an skb, allocates or uses global buffers; the only wait is the
 * state's lock, held for a compare and a copy, never across a hash.
 */
#ifndef NSR_VERIFY_H
#define NSR_VERIFY_H

#include "nsr_bucket.h"
#include "nsr_compat.h"
#include "nsr_proto.h"

/*
 * A MAC key with its HMAC pads precomputed; the environment (kernel glue
 * or the OpenSSL shim) defines it.
 */
struct nsr_mac_key;

/*
 * The keys a server holds (docs/PROTOCOL.md, "Keys"): the password's
 * derived key under key id NSR_PASSWORD_KEY_ID, if a password is set, and
 * up to NSR_SERVER_KEYS_MAX server keys, each under its own id. The
 * environment defines it and nsr_find_key(): the key that @id names, or
 * NULL. One lookup per packet, no hash: the verifier never tries keys.
 */
struct nsr_keys;

#define NSR_PASSWORD_KEY_ID	0	/* the password's key; A = dst */
#define NSR_SERVER_KEYS_MAX	8

const struct nsr_mac_key *nsr_find_key(const struct nsr_keys *keys, u32 id);

/*
 * Supplied by the environment: the first NSR_TAG_LEN bytes of
 * HMAC-SHA256(key, label || addr || msg[0 .. len)).
 */
void nsr_mac(const struct nsr_mac_key *key, const u8 label[NSR_LABEL_LEN],
	     const u8 addr[NSR_ADDR_LEN], const u8 *msg, size_t len,
	     u8 tag[NSR_TAG_LEN]);

/*
 * The replay state of one password (docs/PROTOCOL.md, "The server's state"),
 * shared by every CPU. The boot id and the clock base never change after
 * nsr_state_init(); the floor and the last accepted request change together
 * under @lock; @floor is also read without it, as a hint that the locked
 * check confirms.
 */
struct nsr_state {
	u8 boot_id[NSR_BOOT_ID_LEN];
	u64 base_wall_ms;		/* wall clock when the state was made */
	u64 base_boot_ns;		/* CLOCK_BOOTTIME then */
	atomic64_t floor;		/* ms; only rises */
	struct nsr_bucket refusals;	/* pays for work on packets that
					 * cannot act, and for their answers */
	nsr_lock_t lock;
	u8 last[NSR_FIXED_LEN + NSR_MAX_KEYS];	/* the last accepted
						 * request */
	u8 last_len;			/* 0: none accepted yet */
	u8 last_addr[NSR_ADDR_LEN];	/* its MAC's address A */
	u8 last_status[NSR_MAX_KEYS];	/* what its keys got */
};

/*
 * A fresh state: @boot_id (random, not all zero: the caller draws it),
 * floor 0, nothing accepted, a full refusal budget at @mono_ms. A packet
 * for this boot id cannot exist yet, so floor 0 replays nothing.
 */
void nsr_state_init(struct nsr_state *state,
		    const u8 boot_id[NSR_BOOT_ID_LEN], u64 wall_ms,
		    u64 boot_ns, u64 mono_ms);

/*
 * The protocol clock at CLOCK_BOOTTIME @boot_ns: the wall clock at
 * nsr_state_init() plus the time since, so no wall-clock step moves it.
 */
u64 nsr_state_now(const struct nsr_state *state, u64 boot_ns);

/* The server's time as it judges a packet, all in ms. */
struct nsr_clock {
	u64 now;	/* the protocol clock (nsr_state_now()) */
	u64 tolerance;	/* the past window (the module parameter) */
	u64 mono;	/* monotonic: the refusal bucket's */
};

/*
 * Decides the status of each of @n keys of an authentic request before it
 * is committed, so that the state stores them with it (a retry's re-ack
 * then repeats them); @ctx is the caller's (the kernel: the rule).
 */
struct nsr_judge {
	void (*fn)(const void *ctx, const u8 *keys, unsigned int n,
		   u8 *status);
	const void *ctx;
};

/*
 * What an authenticated packet said, and what its answer needs: the key
 * its id named and the address A of that key's mode, with which the
 * answer is sealed.
 */
struct nsr_request {
	u8 type;			/* NSR_TYPE_REQUEST or _PROBE */
	u8 boot_id[NSR_BOOT_ID_LEN];
	u64 timestamp;
	u32 key_id;
	u8 nonce[NSR_NONCE_LEN];
	u8 nkeys;			/* a probe: its count, 0 or 24 */
	u8 keys[NSR_MAX_KEYS];		/* a request's only */
	u8 status[NSR_MAX_KEYS];	/* ACCEPTED and REPEATED */
	bool ack_wanted;
	bool output_wanted;
	u8 ack_flags;			/* the caller's, for an ACCEPTED ack:
					 * output follows, or is busy */
	bool safe_reboot;		/* SAFE_REBOOT: keys is "b" */
	bool only_if_synced;
	const struct nsr_mac_key *key;	/* in @keys: valid while they are */
	u8 addr[NSR_ADDR_LEN];		/* the MAC's A: dst (id 0) or zeros */
};

/*
 * Judge one packet (a request or a probe) with the ladder of
 * docs/PROTOCOL.md. @addr is the packet's destination address; @keys is
 * NULL when neither a password nor a server key is configured (then
 * @state may be NULL too). @out is filled for every verdict past the frame
 * rungs, its key and address for every verdict past rung K; its statuses
 * for NSR_ACCEPTED (from @judge) and NSR_REPEATED (the stored ones). Only
 * NSR_ACCEPTED (floor, last request), NSR_FUTURE and NSR_REFUSED_FUTURE
 * (floor) change the state.
 */
enum nsr_verdict nsr_verify_request(const u8 *pkt, size_t len,
				    const u8 addr[NSR_ADDR_LEN],
				    const struct nsr_keys *keys,
				    const struct nsr_clock *clock,
				    struct nsr_state *state,
				    const struct nsr_judge *judge,
				    struct nsr_request *out);

/*
 * The answer to verdict @v into @buf (NSR_MAX_MSG_LEN bytes), sealed with
 * the request's key, key id and address A: the ack (ACCEPTED; REPEATED
 * with flag REPEAT), the refusal (REFUSED_*: the state's boot id and @now)
 * or the clock answer (PROBE_ANSWERED), whose body for an info probe is
 * the NSR_INFO_LEN bytes of @info (the server's facts; the caller's, as
 * the verifier knows no module or rule). Returns its length, or 0 when @v
 * gets no answer, the request did not ask for one, or an info probe's
 * @info is NULL. A rule's --sysrq-no-ack is the caller's to apply.
 */
size_t nsr_build_reply(u8 *buf, enum nsr_verdict v,
		       const struct nsr_request *req,
		       const struct nsr_state *state, u64 now,
		       const u8 *info);

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

/*
 * Whether @pkt has the legacy format's shape (rungs 2 and 3: at most 256
 * bytes, three commas, 1 to 16 keys, a decimal seqno, a 40 or 64 digit
 * lowercase hex digest): the target passes on what is not (docs/PROTOCOL.md,
 * "Packets that are not ours").
 */
bool nsr_legacy_shaped(const u8 *pkt, size_t len);

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
