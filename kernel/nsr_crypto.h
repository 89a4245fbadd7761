/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's side of the verifier's crypto contract (nsr_verify.h): the
 * MAC key with its HMAC pads precomputed, the PBKDF2 that derives it, and
 * the legacy format's digests.
 */
#ifndef NSR_CRYPTO_H
#define NSR_CRYPTO_H

#include "nsr_crypto_compat.h"
#include "nsr_verify.h"

/*
 * HMAC-SHA256 with its pads already hashed (nsr_crypto_compat.h): a MAC
 * then costs the message's blocks plus one outer block, and the key itself
 * is not kept.
 */
struct nsr_mac_key {
	struct nsr_hmac_key hmac;
};

/* The password as typed, for the legacy format's digests. */
struct nsr_legacy_key {
	u8 password[NSR_PASSWORD_MAX];
	size_t len;
};

/* Sets up the legacy SHA-1 and runs the self-test: 0 or -errno. */
int nsr_crypto_init(void);
void nsr_crypto_exit(void);

/* Known answers through this kernel's HMAC, SHA-256 and SHA-1 wiring. */
int nsr_crypto_selftest(void);

/* Whether the legacy format's SHA-1 is there (checkentry asks). */
bool nsr_legacy_available(void);

/* K = PBKDF2-HMAC-SHA256(password, NSR_KDF_SALT, NSR_KDF_ITERATIONS, 32)
 * as its pad states. Process context only: it takes about 0.1 s. */
void nsr_derive_key(struct nsr_mac_key *key, const u8 *password, size_t len);

#endif /* NSR_CRYPTO_H */
