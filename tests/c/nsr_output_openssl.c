// SPDX-License-Identifier: GPL-2.0
/*
 * The output builder's crypto hooks (kernel/nsr_output_msg.h) on OpenSSL 3:
 * HMAC-SHA256 through the MAC key of nsr_openssl.c, and RFC 8439
 * ChaCha20-Poly1305 through EVP. A thin shim: no cipher code of ours.
 */
#include <stdlib.h>
#include <openssl/evp.h>

#include "nsr_openssl.h"
#include "nsr_output_msg.h"

void nsr_hmac_full(const struct nsr_mac_key *key, const u8 *msg, size_t len,
		   u8 out[NSR_OUT_KEY_LEN])
{
	nsr_hmac_baseline(key, msg, len, out);
}

/* The 96-bit nonce of the kernel library: 4 zero bytes, then LE64. */
static void nsr_nonce96(u64 nonce, u8 iv[12])
{
	int i;

	memset(iv, 0, 4);
	for (i = 0; i < 8; i++)
		iv[4 + i] = (u8)(nonce >> (8 * i));
}

/* Aborts on an OpenSSL failure: in a test harness, the honest answer. */
void nsr_aead_seal(u8 *dst, const u8 *src, size_t len, const u8 *ad,
		   size_t adlen, u64 nonce, const u8 key[NSR_OUT_KEY_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	u8 iv[12];
	int n;

	nsr_nonce96(nonce, iv);
	if (!c || !EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, key,
				      iv) ||
	    !EVP_EncryptUpdate(c, NULL, &n, ad, (int)adlen) ||
	    (len && !EVP_EncryptUpdate(c, dst, &n, src, (int)len)) ||
	    !EVP_EncryptFinal_ex(c, dst + len, &n) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, NSR_OUT_TAG_LEN,
				 dst + len))
		abort();
	EVP_CIPHER_CTX_free(c);
}
