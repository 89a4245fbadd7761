// SPDX-License-Identifier: GPL-2.0
/*
 * Crypto for the verifier, legal in softirq on Debian's 6.1 and 6.12:
 *
 * HMAC-SHA256 is built on lib/crypto's sha256_update()/sha256_final(),
 * which exist with the same signatures in both kernels, are built in
 * (no module to load, no transform to allocate, nothing that can fail per
 * packet) and keep their whole state in a plain struct sha256_state. So
 * the two pad states are computed once per password and copied onto the
 * stack per packet: about three compressions for a request, no allocation,
 * no shared scratch buffer. (The crypto API's "hmac(sha256)" would do the
 * same work behind a transform whose lifetime the RCU key swap would also
 * have to manage.)
 *
 * The legacy format needs SHA-1, which lib/crypto in these kernels offers
 * only as a bare compression function; it uses a "sha1" shash transform
 * allocated at load with SHASH_DESC_ON_STACK per packet (sync, no
 * allocation). Its SHA-256 digests use lib/crypto like the MAC.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include "nsr_crypto.h"

#define NSR_HMAC_BLOCK	SHA256_BLOCK_SIZE

static struct crypto_shash *nsr_sha1;

int nsr_crypto_init(void)
{
	struct crypto_shash *tfm = crypto_alloc_shash("sha1", 0, 0);

	/* Only --sysrq-legacy rules need it; checkentry refuses them. */
	if (IS_ERR(tfm)) {
		pr_warn("no sha1 (%ld): --sysrq-legacy rules unavailable\n",
			PTR_ERR(tfm));
		return 0;
	}
	nsr_sha1 = tfm;
	return 0;
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

/* The HMAC pad states for @raw, hashed first if longer than a block. */
static void nsr_hmac_setkey(struct nsr_mac_key *key, const u8 *raw,
			    size_t len)
{
	u8 block[NSR_HMAC_BLOCK] = { 0 };
	u8 pad[NSR_HMAC_BLOCK];
	int i;

	if (len > NSR_HMAC_BLOCK)
		sha256(raw, len, block);
	else
		memcpy(block, raw, len);

	for (i = 0; i < NSR_HMAC_BLOCK; i++)
		pad[i] = block[i] ^ 0x36;
	sha256_init(&key->inner);
	sha256_update(&key->inner, pad, sizeof(pad));
	for (i = 0; i < NSR_HMAC_BLOCK; i++)
		pad[i] = block[i] ^ 0x5c;
	sha256_init(&key->outer);
	sha256_update(&key->outer, pad, sizeof(pad));

	memzero_explicit(block, sizeof(block));
	memzero_explicit(pad, sizeof(pad));
}

/* The outer hash over @inner's digest; @st is wiped by sha256_final(). */
static void nsr_hmac_finish(const struct nsr_mac_key *key,
			    struct sha256_state *st,
			    u8 out[SHA256_DIGEST_SIZE])
{
	u8 ihash[SHA256_DIGEST_SIZE];

	sha256_final(st, ihash);
	*st = key->outer;
	sha256_update(st, ihash, sizeof(ihash));
	sha256_final(st, out);
	memzero_explicit(ihash, sizeof(ihash));
}

void nsr_mac(const struct nsr_mac_key *key, const u8 label[NSR_LABEL_LEN],
	     const u8 addr[NSR_ADDR_LEN], const u8 *msg, size_t len,
	     u8 tag[NSR_TAG_LEN])
{
	struct sha256_state st = key->inner;
	u8 full[SHA256_DIGEST_SIZE];

	sha256_update(&st, label, NSR_LABEL_LEN);
	sha256_update(&st, addr, NSR_ADDR_LEN);
	sha256_update(&st, msg, len);
	nsr_hmac_finish(key, &st, full);
	memcpy(tag, full, NSR_TAG_LEN);
	memzero_explicit(full, sizeof(full));
}

/* One HMAC of @len bytes under @key, for PBKDF2. */
static void nsr_hmac(const struct nsr_mac_key *key, const u8 *msg,
		     size_t len, u8 out[SHA256_DIGEST_SIZE])
{
	struct sha256_state st = key->inner;

	sha256_update(&st, msg, len);
	nsr_hmac_finish(key, &st, out);
}

/*
 * PBKDF2 (RFC 8018) for one output block, which is all 32 bytes need:
 * U1 = HMAC(P, S || INT(1)), Ui = HMAC(P, Ui-1), K = U1 ^ ... ^ Uc.
 */
void nsr_derive_key(struct nsr_mac_key *key, const u8 *password, size_t len)
{
	static const u8 salt[] = NSR_KDF_SALT "\0\0\0\1";
	struct nsr_mac_key prf;
	u8 u[SHA256_DIGEST_SIZE];
	u8 k[SHA256_DIGEST_SIZE];
	int i, j;

	BUILD_BUG_ON(sizeof(salt) != NSR_KDF_SALT_LEN + 4 + 1);
	BUILD_BUG_ON(NSR_KEY_LEN != SHA256_DIGEST_SIZE);
	nsr_hmac_setkey(&prf, password, len);
	nsr_hmac(&prf, salt, NSR_KDF_SALT_LEN + 4, u);
	memcpy(k, u, sizeof(k));
	for (i = 1; i < NSR_KDF_ITERATIONS; i++) {
		nsr_hmac(&prf, u, sizeof(u), u);
		for (j = 0; j < SHA256_DIGEST_SIZE; j++)
			k[j] ^= u[j];
		if (!(i & 1023))
			cond_resched();
	}
	nsr_hmac_setkey(key, k, sizeof(k));

	memzero_explicit(&prf, sizeof(prf));
	memzero_explicit(u, sizeof(u));
	memzero_explicit(k, sizeof(k));
}

static const u8 nsr_comma = ',';

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

int nsr_legacy_digest(const struct nsr_legacy_key *key, bool sha256,
		      const u8 *prefix, size_t prefix_len,
		      const char *dst, size_t dst_len,
		      u8 digest[NSR_LEGACY_DIGEST_MAX])
{
	struct sha256_state st;

	if (!sha256)
		return nsr_legacy_sha1(key, prefix, prefix_len, dst, dst_len,
				       digest);
	sha256_init(&st);
	sha256_update(&st, prefix, prefix_len);
	sha256_update(&st, dst, dst_len);
	sha256_update(&st, &nsr_comma, 1);
	sha256_update(&st, key->password, key->len);
	sha256_final(&st, digest);
	return 0;
}
