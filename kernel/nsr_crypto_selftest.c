// SPDX-License-Identifier: GPL-2.0
/*
 * Known answers for the crypto the verifier uses, checked at every load.
 *
 * nsr_crypto_compat.h wires HMAC-SHA256 and SHA-256 differently before and
 * from 6.17, and the legacy SHA-1 comes from the crypto API or lib/crypto:
 * a kernel whose API moved again could build and still compute the wrong
 * thing. A module that cannot compute a MAC must not load. The checks run
 * through the same calls as a packet: nsr_hmac_* as nsr_mac() and the
 * PBKDF2 use them, and nsr_legacy_digest() itself. Microseconds at load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/printk.h>
#include "nsr_crypto.h"

/* RFC 4231 test case 2, the message fed in two pieces. */
static bool nsr_kat_hmac_short_key(void)
{
	static const u8 want[SHA256_DIGEST_SIZE] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	static const u8 msg[] = "what do ya want for nothing?";
	struct nsr_hmac_key key;
	struct nsr_hmac h;
	u8 got[SHA256_DIGEST_SIZE];

	nsr_hmac_setkey(&key, (const u8 *)"Jefe", 4);
	nsr_hmac_init(&h, &key);
	nsr_hmac_update(&h, msg, 10);
	nsr_hmac_update(&h, msg + 10, sizeof(msg) - 1 - 10);
	nsr_hmac_final(&h, got);
	return !memcmp(got, want, sizeof(want));
}

/* RFC 4231 test case 6: a key longer than a block is hashed first. */
static bool nsr_kat_hmac_long_key(void)
{
	static const u8 want[SHA256_DIGEST_SIZE] = {
		0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f,
		0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
		0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
		0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54,
	};
	static const u8 msg[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	struct nsr_hmac_key key;
	u8 raw[131];
	u8 got[SHA256_DIGEST_SIZE];

	memset(raw, 0xaa, sizeof(raw));
	nsr_hmac_setkey(&key, raw, sizeof(raw));
	nsr_hmac_oneshot(&key, msg, sizeof(msg) - 1, got);
	return !memcmp(got, want, sizeof(want));
}

/*
 * The legacy digest H("h,1,c2FsdA==," "192.0.2.7" "," "pw"), SHA-256 and,
 * when this kernel has it, SHA-1.
 */
static bool nsr_kat_legacy(bool sha256)
{
	static const u8 want256[SHA256_DIGEST_SIZE] = {
		0xf3, 0xc3, 0x01, 0xb7, 0x0c, 0xc0, 0x6d, 0xd9,
		0x81, 0x24, 0xe5, 0xd8, 0x94, 0x5b, 0x7e, 0x83,
		0x78, 0x38, 0xb9, 0x66, 0x4e, 0x8b, 0x04, 0xb4,
		0x2f, 0x5d, 0x86, 0xd0, 0xce, 0x99, 0x93, 0xfa,
	};
	static const u8 want1[20] = {
		0x4b, 0xa4, 0x53, 0x8e, 0xa6, 0xd0, 0x09, 0x75,
		0xa3, 0xc6, 0xcc, 0x9e, 0xf6, 0xdc, 0x90, 0x7d,
		0xf8, 0xff, 0xb9, 0x90,
	};
	static const u8 prefix[] = "h,1,c2FsdA==,";
	static const char dst[] = "192.0.2.7";
	struct nsr_legacy_key key = { .password = "pw", .len = 2 };
	u8 got[NSR_LEGACY_DIGEST_MAX];

	if (nsr_legacy_digest(&key, sha256, prefix, sizeof(prefix) - 1,
			      dst, sizeof(dst) - 1, got))
		return false;
	return sha256 ? !memcmp(got, want256, sizeof(want256)) :
			!memcmp(got, want1, sizeof(want1));
}

int nsr_crypto_selftest(void)
{
	if (!nsr_kat_hmac_short_key() || !nsr_kat_hmac_long_key()) {
		pr_err("HMAC-SHA256 self-test failed: not loading\n");
		return -EINVAL;
	}
	if (!nsr_kat_legacy(true) ||
	    (nsr_legacy_available() && !nsr_kat_legacy(false))) {
		pr_err("legacy digest self-test failed: not loading\n");
		return -EINVAL;
	}
	return 0;
}
