/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/crypto's SHA-256 and HMAC-SHA256 under one set of names on every
 * kernel the module builds for, so that nsr_crypto.c is written once.
 *
 * Linux 6.17 gave SHA-256 a typed context (struct sha256_ctx in place of
 * struct sha256_state: upstream b86ced882b8e) and added HMAC-SHA256 with
 * prepared keys (077833cd6009), both usable in any context. There the
 * wrappers below are the library's own calls. Before 6.17 the HMAC is
 * built here on sha256_update()/sha256_final(), which 6.1 to 6.16 export
 * unchanged: pads hashed once per key, the inner state copied per message.
 * Either way a message costs its own blocks plus one outer block: three
 * SHA-256 compressions for a one-key request. Per message the library
 * copies 64 bytes of prepared state, the older path 2 x 104; and from
 * 6.17 the library's compression is the CPU's (SHA-NI, AVX2 on x86:
 * CRYPTO_LIB_SHA256_ARCH), where 6.1 and 6.12's lib/crypto is generic C.
 *
 * Wrapper structs and nsr_ names rather than the 6.17 names themselves:
 * a distribution kernel that backports the library must not collide with
 * us. A version test, not __has_include, because sparse 0.6.4 cannot
 * parse the latter.
 */
#ifndef NSR_CRYPTO_COMPAT_H
#define NSR_CRYPTO_COMPAT_H

#include <crypto/sha2.h>
#include <linux/string.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)

/* lib/crypto's SHA-1 has an incremental API too (struct sha1_ctx). */
#define NSR_HAVE_LIB_SHA1 1

struct nsr_sha256 {
	struct sha256_ctx ctx;
};

static inline void nsr_sha256_init(struct nsr_sha256 *s)
{
	sha256_init(&s->ctx);
}

static inline void nsr_sha256_update(struct nsr_sha256 *s, const u8 *data,
				     size_t len)
{
	sha256_update(&s->ctx, data, len);
}

/* Also wipes @s. */
static inline void nsr_sha256_final(struct nsr_sha256 *s,
				    u8 out[SHA256_DIGEST_SIZE])
{
	sha256_final(&s->ctx, out);
}

struct nsr_hmac_key {
	struct hmac_sha256_key key;
};

struct nsr_hmac {
	struct hmac_sha256_ctx ctx;
};

static inline void nsr_hmac_setkey(struct nsr_hmac_key *k, const u8 *raw,
				   size_t len)
{
	hmac_sha256_preparekey(&k->key, raw, len);
}

static inline void nsr_hmac_init(struct nsr_hmac *h,
				 const struct nsr_hmac_key *k)
{
	hmac_sha256_init(&h->ctx, &k->key);
}

static inline void nsr_hmac_update(struct nsr_hmac *h, const u8 *data,
				   size_t len)
{
	hmac_sha256_update(&h->ctx, data, len);
}

/* Also wipes @h. */
static inline void nsr_hmac_final(struct nsr_hmac *h,
				  u8 out[SHA256_DIGEST_SIZE])
{
	hmac_sha256_final(&h->ctx, out);
}

#else /* 6.1 .. 6.16 */

struct nsr_sha256 {
	struct sha256_state st;
};

static inline void nsr_sha256_init(struct nsr_sha256 *s)
{
	sha256_init(&s->st);
}

static inline void nsr_sha256_update(struct nsr_sha256 *s, const u8 *data,
				     size_t len)
{
	sha256_update(&s->st, data, len);
}

/* Also wipes @s. */
static inline void nsr_sha256_final(struct nsr_sha256 *s,
				    u8 out[SHA256_DIGEST_SIZE])
{
	sha256_final(&s->st, out);
}

/* SHA-256 after the block key ^ ipad, and after the block key ^ opad. */
struct nsr_hmac_key {
	struct sha256_state istate;
	struct sha256_state ostate;
};

/* Points at its key's outer state: the key must outlive the message. */
struct nsr_hmac {
	struct sha256_state inner;
	const struct sha256_state *ostate;
};

/* The pad states of @raw (RFC 2104), hashed first if longer than a block. */
static inline void nsr_hmac_setkey(struct nsr_hmac_key *k, const u8 *raw,
				   size_t len)
{
	u8 block[SHA256_BLOCK_SIZE] = { 0 };
	u8 pad[SHA256_BLOCK_SIZE];
	int i;

	if (len > SHA256_BLOCK_SIZE)
		sha256(raw, len, block);
	else
		memcpy(block, raw, len);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] = block[i] ^ 0x36;
	sha256_init(&k->istate);
	sha256_update(&k->istate, pad, sizeof(pad));
	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] = block[i] ^ 0x5c;
	sha256_init(&k->ostate);
	sha256_update(&k->ostate, pad, sizeof(pad));

	memzero_explicit(block, sizeof(block));
	memzero_explicit(pad, sizeof(pad));
}

static inline void nsr_hmac_init(struct nsr_hmac *h,
				 const struct nsr_hmac_key *k)
{
	h->inner = k->istate;
	h->ostate = &k->ostate;
}

static inline void nsr_hmac_update(struct nsr_hmac *h, const u8 *data,
				   size_t len)
{
	sha256_update(&h->inner, data, len);
}

/* The outer hash over the inner digest; also wipes @h. */
static inline void nsr_hmac_final(struct nsr_hmac *h,
				  u8 out[SHA256_DIGEST_SIZE])
{
	u8 ihash[SHA256_DIGEST_SIZE];

	sha256_final(&h->inner, ihash);
	h->inner = *h->ostate;
	sha256_update(&h->inner, ihash, sizeof(ihash));
	sha256_final(&h->inner, out);
	memzero_explicit(ihash, sizeof(ihash));
	h->ostate = NULL;
}

#endif /* LINUX_VERSION_CODE */

/* HMAC-SHA256 of one buffer under a prepared key. */
static inline void nsr_hmac_oneshot(const struct nsr_hmac_key *k,
				    const u8 *data, size_t len,
				    u8 out[SHA256_DIGEST_SIZE])
{
	struct nsr_hmac h;

	nsr_hmac_init(&h, k);
	nsr_hmac_update(&h, data, len);
	nsr_hmac_final(&h, out);
}

#endif /* NSR_CRYPTO_COMPAT_H */
