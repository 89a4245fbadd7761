/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test packets for the C harness: v2 requests and probes sealed with the
 * verifier's own nsr_mac() environment, a judge that executes every key,
 * and a fresh replay state. Only the tests' setup; never the oracle (the
 * shared vectors are built with Web Crypto by tests/vectors/generate.ts).
 */
#ifndef NSR_PACKETS_H
#define NSR_PACKETS_H

#include "nsr_openssl.h"

/* A judge that lets every key run (status 00). */
extern const struct nsr_judge nsr_judge_all;

/* The client's key: the MAC key and the id it goes under. */
struct nsr_test_key {
	const struct nsr_mac_key *mac;
	u32 id;
};

/*
 * The address A a client puts under its MAC: the server's address @dst
 * for the password's key (id 0), 16 zero bytes for a server key.
 */
const u8 *nsr_test_addr(const struct nsr_test_key *key,
			const u8 dst[NSR_ADDR_LEN]);

/* Seal @p (@len bytes, tag last) with @label, @key and exactly @addr. */
size_t nsr_test_seal(u8 *p, const char *label, const struct nsr_mac_key *key,
		     const u8 addr[NSR_ADDR_LEN], size_t len);

/*
 * A sealed request into @p (NSR_MAX_MSG_LEN bytes) to server address @dst
 * for @boot_id at @ts, nonce filled with @seed, keys @keys; returns its
 * length.
 */
size_t nsr_test_request(u8 *p, const struct nsr_test_key *key,
			const u8 dst[NSR_ADDR_LEN],
			const u8 boot_id[NSR_BOOT_ID_LEN], u64 ts, u8 seed,
			const char *keys, bool ack_wanted);

/*
 * A sealed probe into @p; @info: an info probe (24 zero body bytes).
 * Returns its length.
 */
size_t nsr_test_probe(u8 *p, const struct nsr_test_key *key,
		      const u8 dst[NSR_ADDR_LEN], u8 seed, bool info);

#endif /* NSR_PACKETS_H */
