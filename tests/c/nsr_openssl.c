// SPDX-License-Identifier: GPL-2.0
/*
 * nsr_mac() and nsr_legacy_digest() on OpenSSL 3. The HMAC context is keyed
 * once (pads precomputed) and duplicated per message, as the kernel glue
 * reuses its keyed state; the duplicate is what makes nsr_mac() reentrant.
 */
#include <stdlib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "nsr_openssl.h"

unsigned long nsr_hash_calls;
void (*nsr_mac_hook)(void);

struct nsr_mac_key {
	EVP_MAC_CTX *ctx;	/* keyed: ready for update */
};

struct nsr_legacy_key {
	char password[NSR_PASSWORD_MAX];
	size_t len;
};

/* The password's key and the server keys: one more than the server's. */
#define KEYS_MAX	(NSR_SERVER_KEYS_MAX + 1)

struct nsr_keys {
	unsigned int n;
	u32 id[KEYS_MAX];
	struct nsr_mac_key *mac[KEYS_MAX];
};

struct nsr_mac_key *nsr_mac_key_new(const u8 key[NSR_KEY_LEN])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 digest, 0),
		OSSL_PARAM_construct_end(),
	};
	struct nsr_mac_key *k = calloc(1, sizeof(*k));
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	if (k && mac)
		k->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!k || !k->ctx || !EVP_MAC_init(k->ctx, key, NSR_KEY_LEN, params)) {
		nsr_mac_key_free(k);
		return NULL;
	}
	return k;
}

void nsr_mac_key_free(struct nsr_mac_key *key)
{
	if (key)
		EVP_MAC_CTX_free(key->ctx);
	free(key);
}

int nsr_derive_key(const char *password, size_t len, u8 key[NSR_KEY_LEN])
{
	return PKCS5_PBKDF2_HMAC(password, (int)len,
				 (const u8 *)NSR_KDF_SALT, NSR_KDF_SALT_LEN,
				 NSR_KDF_ITERATIONS, EVP_sha256(),
				 NSR_KEY_LEN, key) == 1 ? 0 : -1;
}

/*
 * Finish a duplicated context into @out (32 bytes); aborts on failure,
 * which in a test harness is the honest answer.
 */
static void nsr_mac_final(EVP_MAC_CTX *c, u8 out[32])
{
	size_t n = 0;

	if (!EVP_MAC_final(c, out, &n, 32) || n != 32)
		abort();
	EVP_MAC_CTX_free(c);
}

void nsr_mac(const struct nsr_mac_key *key, const u8 label[NSR_LABEL_LEN],
	     const u8 addr[NSR_ADDR_LEN], const u8 *msg, size_t len,
	     u8 tag[NSR_TAG_LEN])
{
	void (*hook)(void) = nsr_mac_hook;
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(key->ctx);
	u8 full[32];

	if (hook) {
		nsr_mac_hook = NULL;
		hook();
	}

	nsr_hash_calls++;
	if (!c || !EVP_MAC_update(c, label, NSR_LABEL_LEN) ||
	    !EVP_MAC_update(c, addr, NSR_ADDR_LEN) ||
	    !EVP_MAC_update(c, msg, len))
		abort();
	nsr_mac_final(c, full);
	memcpy(tag, full, NSR_TAG_LEN);
	memzero_explicit(full, sizeof(full));
}

void nsr_hmac_baseline(const struct nsr_mac_key *key, const u8 *msg,
		       size_t len, u8 out[32])
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(key->ctx);

	if (!c || !EVP_MAC_update(c, msg, len))
		abort();
	nsr_mac_final(c, out);
}

struct nsr_keys *nsr_keys_new(void)
{
	return calloc(1, sizeof(struct nsr_keys));
}

/* The index of @id in @keys, or -1. */
static int nsr_keys_index(const struct nsr_keys *keys, u32 id)
{
	unsigned int i;

	for (i = 0; i < keys->n; i++)
		if (keys->id[i] == id)
			return (int)i;
	return -1;
}

const struct nsr_mac_key *nsr_find_key(const struct nsr_keys *keys, u32 id)
{
	int i = nsr_keys_index(keys, id);

	return i < 0 ? NULL : keys->mac[i];
}

int nsr_keys_add(struct nsr_keys *keys, u32 id, const u8 key[NSR_KEY_LEN])
{
	struct nsr_mac_key *mac;

	if (keys->n == KEYS_MAX || nsr_keys_index(keys, id) >= 0)
		return -1;
	mac = nsr_mac_key_new(key);
	if (!mac)
		return -1;
	keys->id[keys->n] = id;
	keys->mac[keys->n++] = mac;
	return 0;
}

int nsr_keys_remove(struct nsr_keys *keys, u32 id)
{
	int i = nsr_keys_index(keys, id);

	if (i < 0)
		return -1;
	nsr_mac_key_free(keys->mac[i]);
	keys->n--;
	keys->id[i] = keys->id[keys->n];
	keys->mac[i] = keys->mac[keys->n];
	return 0;
}

void nsr_keys_free(struct nsr_keys *keys)
{
	unsigned int i;

	if (!keys)
		return;
	for (i = 0; i < keys->n; i++)
		nsr_mac_key_free(keys->mac[i]);
	free(keys);
}

struct nsr_keys *nsr_keys_one(u32 id, const u8 key[NSR_KEY_LEN])
{
	struct nsr_keys *keys = nsr_keys_new();

	if (keys && nsr_keys_add(keys, id, key)) {
		nsr_keys_free(keys);
		return NULL;
	}
	return keys;
}

struct nsr_legacy_key *nsr_legacy_key_new(const char *password, size_t len)
{
	struct nsr_legacy_key *k;

	if (len > NSR_PASSWORD_MAX)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (k) {
		memcpy(k->password, password, len);
		k->len = len;
	}
	return k;
}

void nsr_legacy_key_free(struct nsr_legacy_key *key)
{
	if (key)
		memzero_explicit(key, sizeof(*key));
	free(key);
}

int nsr_legacy_digest(const struct nsr_legacy_key *key, bool sha256,
		      const u8 *prefix, size_t prefix_len,
		      const char *dst, size_t dst_len,
		      u8 digest[NSR_LEGACY_DIGEST_MAX])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	nsr_hash_calls++;
	ok = c && EVP_DigestInit_ex(c, sha256 ? EVP_sha256() : EVP_sha1(),
				    NULL) &&
	     EVP_DigestUpdate(c, prefix, prefix_len) &&
	     EVP_DigestUpdate(c, dst, dst_len) &&
	     EVP_DigestUpdate(c, ",", 1) &&
	     EVP_DigestUpdate(c, key->password, key->len) &&
	     EVP_DigestFinal_ex(c, digest, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}
