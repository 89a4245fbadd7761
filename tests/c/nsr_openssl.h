/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace environment of the verifier: HMAC-SHA256, SHA-1 and SHA-256
 * from OpenSSL's libcrypto in place of the kernel's crypto API. A thin shim:
 * no hash code of ours.
 */
#ifndef NSR_OPENSSL_H
#define NSR_OPENSSL_H

#include "nsr_verify.h"

/*
 * Counts nsr_mac() and nsr_legacy_digest() calls, so tests and the bench
 * can prove that a cheap rejection computed no hash.
 */
extern unsigned long nsr_hash_calls;

/*
 * When set, the next nsr_mac() call clears it and calls it first: a story
 * can run another CPU's verification in the middle of one (race stories).
 */
extern void (*nsr_mac_hook)(void);

/* A MAC key from the 32-byte derived key, its HMAC pads computed once. */
struct nsr_mac_key *nsr_mac_key_new(const u8 key[NSR_KEY_LEN]);
void nsr_mac_key_free(struct nsr_mac_key *key);

/* The protocol's PBKDF2-HMAC-SHA256 of @password into @key; 0 on success. */
int nsr_derive_key(const char *password, size_t len, u8 key[NSR_KEY_LEN]);

/*
 * One HMAC-SHA256 of @msg with the key's precomputed pads: the bench's
 * baseline, the least work the MAC needs.
 */
void nsr_hmac_baseline(const struct nsr_mac_key *key, const u8 *msg,
		       size_t len, u8 out[32]);

/*
 * A server's key set (struct nsr_keys of nsr_verify.h): keys added under
 * their ids, id NSR_PASSWORD_KEY_ID being the password's. The set owns its
 * MAC keys. nsr_keys_add() fails (-1) on a duplicate id, a full set or no
 * memory; nsr_keys_remove() on an unknown id.
 */
struct nsr_keys *nsr_keys_new(void);
int nsr_keys_add(struct nsr_keys *keys, u32 id, const u8 key[NSR_KEY_LEN]);
int nsr_keys_remove(struct nsr_keys *keys, u32 id);
void nsr_keys_free(struct nsr_keys *keys);

/* A set of one key, or NULL (no memory). */
struct nsr_keys *nsr_keys_one(u32 id, const u8 key[NSR_KEY_LEN]);

struct nsr_legacy_key *nsr_legacy_key_new(const char *password, size_t len);
void nsr_legacy_key_free(struct nsr_legacy_key *key);

#endif /* NSR_OPENSSL_H */
