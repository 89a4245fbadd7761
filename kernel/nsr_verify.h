/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netsysrq verifier: pure functions over a packet's bytes. They compile
 * unchanged in the kernel module and in the userspace harness under
 * tests/c/; nsr_compat.h supplies types, atomics and crypto_memneq for each.
 * Nothing here touches an skb, allocates, sleeps or uses global buffers.
 */
#ifndef NSR_VERIFY_H
#define NSR_VERIFY_H

#include "nsr_compat.h"
#include "nsr_proto.h"

/* The derived MAC key with its HMAC pads precomputed; the environment
 * (kernel glue or the OpenSSL shim) defines it. */
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
	atomic64_t last_accepted;	/* ms; starts at the module's load time */
	atomic_t refusal_tokens;	/* refilled by the caller, taken here */
};

/* What a verified (or authenticated but time-refused) request said. */
struct nsr_request {
	u64 timestamp;
	u8 nonce[NSR_NONCE_LEN];
	u8 nkeys;
	u8 keys[NSR_MAX_KEYS];
	bool ack_wanted;
};

/*
 * Judge one request with the ladder of docs/PROTOCOL.md. @key is NULL when
 * no password is configured. @out is filled for NSR_ACCEPTED and
 * NSR_REFUSED_*. Only NSR_ACCEPTED advances state->last_accepted.
 */
enum nsr_verdict nsr_verify_request(const u8 *pkt, size_t len,
				    const u8 addr[NSR_ADDR_LEN],
				    const struct nsr_mac_key *key,
				    u64 now_ms, u64 tolerance_ms,
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

#endif /* NSR_VERIFY_H */
