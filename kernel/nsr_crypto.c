// SPDX-License-Identifier: GPL-2.0
/*
 * Crypto for the verifier, legal in softirq on every kernel we build for:
 *
 * HMAC-SHA256 and SHA-256 come from lib/crypto through nsr_crypto_compat.h
 * (the library's own HMAC on 6.17+, the same construction on its SHA-256
 * before). They are built in (no module to load, no transform to allocate,
 * nothing that can fail per packet) and keep their whole state in a plain
 * struct. So the two pad states are computed once per password and copied
 * onto the stack per packet: about three compressions for a request, no
 * allocation, no shared scratch buffer. (The crypto API's "hmac(sha256)"
 * would do the same work behind a transform whose lifetime the RCU key
 * swap would also have to manage.)
 *
 * The legacy format needs SHA-1. From 6.17 lib/crypto has it with an
 * incremental API; before, only a bare compression function, so there it
 * uses a "sha1" shash transform allocated at load with SHASH_DESC_ON_STACK
 * per packet (sync, no allocation). Kernels of 6.17+ may build without
 * that transform (CONFIG_CRYPTO_SHA1 unset, as in our 6.18 and 7.1 test
 * kernels), never without the library.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include "nsr_crypto.h"
#ifdef NSR_HAVE_LIB_SHA1
#include <crypto/sha1.h>
#else
#include <crypto/hash.h>
#endif

static const u8 nsr_comma = ',';

#ifdef NSR_HAVE_LIB_SHA1

static void nsr_sha1_init(void)
{
}

void nsr_crypto_exit(void)
{
}

bool nsr_legacy_available(void)
{
	return true;
}

static int nsr_legacy_sha1(const struct nsr_legacy_key *key,
			   const u8 *prefix, size_t prefix_len,
			   const char *dst, size_t dst_len, u8 *digest)
{
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, prefix, prefix_len);
	sha1_update(&ctx, dst, dst_len);
	sha1_update(&ctx, &nsr_comma, 1);
	sha1_update(&ctx, key->password, key->len);
	sha1_final(&ctx, digest);
	return 0;
}

#else /* the "sha1" shash */

static struct crypto_shash *nsr_sha1;

static void nsr_sha1_init(void)
{
	struct crypto_shash *tfm = crypto_alloc_shash("sha1", 0, 0);

	/* Only --sysrq-legacy rules need it; checkentry refuses them. */
	if (IS_ERR(tfm)) {
		pr_warn("no sha1 (%ld): --sysrq-legacy rules unavailable\n",
			PTR_ERR(tfm));
		return;
	}
	nsr_sha1 = tfm;
}

void nsr_crypto_exit(void)
{
	if (nsr_sha1)
		crypto_free_shash(nsr_sha1);
	nsr_sha1 = NULL;
}

bool nsr_legacy_available(void)
{
	return nsr_sha1;
}

static int nsr_legacy_sha1(const struct nsr_legacy_key *key,
			   const u8 *prefix, size_t prefix_len,
			   const char *dst, size_t dst_len, u8 *digest)
{
	SHASH_DESC_ON_STACK(desc, nsr_sha1);
	int err;

	if (!nsr_sha1)
		return -ENOENT;
	desc->tfm = nsr_sha1;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, prefix, prefix_len) ?:
	      crypto_shash_update(desc, dst, dst_len) ?:
	      crypto_shash_update(desc, &nsr_comma, 1) ?:
	      crypto_shash_update(desc, key->password, key->len) ?:
	      crypto_shash_final(desc, digest);
	shash_desc_zero(desc);
	return err;
}

#endif /* NSR_HAVE_LIB_SHA1 */

/* Refuses to load on a wrong known answer (nsr_crypto_selftest.c). */
int nsr_crypto_init(void)
{
	int err;

	nsr_sha1_init();
	err = nsr_crypto_selftest();
	if (err)
		nsr_crypto_exit();
	return err;
}

void nsr_mac(const struct nsr_mac_key *key, const u8 label[NSR_LABEL_LEN],
	     const u8 addr[NSR_ADDR_LEN], const u8 *msg, size_t len,
	     u8 tag[NSR_TAG_LEN])
{
	struct nsr_hmac h;
	u8 full[SHA256_DIGEST_SIZE];

	nsr_hmac_init(&h, &key->hmac);
	nsr_hmac_update(&h, label, NSR_LABEL_LEN);
	nsr_hmac_update(&h, addr, NSR_ADDR_LEN);
	nsr_hmac_update(&h, msg, len);
	nsr_hmac_final(&h, full);
	memcpy(tag, full, NSR_TAG_LEN);
	memzero_explicit(full, sizeof(full));
}

/*
 * PBKDF2 (RFC 8018) for one output block, which is all 32 bytes need:
 * U1 = HMAC(P, S || INT(1)), Ui = HMAC(P, Ui-1), K = U1 ^ ... ^ Uc.
 */
void nsr_derive_key(struct nsr_mac_key *key, const u8 *password, size_t len)
{
	static const u8 salt[] = NSR_KDF_SALT "\0\0\0\1";
	struct nsr_hmac_key prf;
	u8 u[SHA256_DIGEST_SIZE];
	u8 k[SHA256_DIGEST_SIZE];
	int i, j;

	BUILD_BUG_ON(sizeof(salt) != NSR_KDF_SALT_LEN + 4 + 1);
	BUILD_BUG_ON(NSR_KEY_LEN != SHA256_DIGEST_SIZE);
	nsr_hmac_setkey(&prf, password, len);
	nsr_hmac_oneshot(&prf, salt, NSR_KDF_SALT_LEN + 4, u);
	memcpy(k, u, sizeof(k));
	for (i = 1; i < NSR_KDF_ITERATIONS; i++) {
		nsr_hmac_oneshot(&prf, u, sizeof(u), u);
		for (j = 0; j < SHA256_DIGEST_SIZE; j++)
			k[j] ^= u[j];
		if (!(i & 1023))
			cond_resched();
	}
	nsr_hmac_setkey(&key->hmac, k, sizeof(k));

	memzero_explicit(&prf, sizeof(prf));
	memzero_explicit(u, sizeof(u));
	memzero_explicit(k, sizeof(k));
}

int nsr_legacy_digest(const struct nsr_legacy_key *key, bool sha256,
		      const u8 *prefix, size_t prefix_len,
		      const char *dst, size_t dst_len,
		      u8 digest[NSR_LEGACY_DIGEST_MAX])
{
	struct nsr_sha256 st;

	if (!sha256)
		return nsr_legacy_sha1(key, prefix, prefix_len, dst, dst_len,
				       digest);
	nsr_sha256_init(&st);
	nsr_sha256_update(&st, prefix, prefix_len);
	nsr_sha256_update(&st, dst, dst_len);
	nsr_sha256_update(&st, &nsr_comma, 1);
	nsr_sha256_update(&st, key->password, key->len);
	nsr_sha256_final(&st, digest);
	return 0;
}
