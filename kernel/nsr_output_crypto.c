// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's side of the output builder's crypto (nsr_output_msg.h):
 * HMAC-SHA256 through the MAC key's precomputed pads (nsr_crypto_compat.h),
 * and ChaCha20-Poly1305 from lib/crypto (chacha20poly1305_encrypt(), whose
 * 64-bit nonce is the RFC 8439 nonce 00 00 00 00 || le64), synchronous and
 * allocation-free, legal in softirq.
 *
 * The library exists only where CONFIG_CRYPTO_LIB_CHACHA20POLY1305 is set
 * (built in, or a module, which modprobe then loads before ours: every
 * distribution kernel has it, WireGuard selects it). A kernel without it
 * still gets the module, without output: nsr_output_crypto_ok() says no,
 * and nothing calls nsr_aead_seal().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kconfig.h>
#include <linux/printk.h>
#include "nsr_crypto.h"
#include "nsr_output.h"
#include "nsr_output_msg.h"

#if IS_REACHABLE(CONFIG_CRYPTO_LIB_CHACHA20POLY1305)
#include <crypto/chacha20poly1305.h>
#define NSR_HAVE_AEAD 1
#else
#define NSR_HAVE_AEAD 0
#endif

static bool nsr_aead_ok;

void nsr_hmac_full(const struct nsr_mac_key *key, const u8 *msg, size_t len,
		   u8 out[NSR_OUT_KEY_LEN])
{
	BUILD_BUG_ON(NSR_OUT_KEY_LEN != SHA256_DIGEST_SIZE);
	nsr_hmac_oneshot(&key->hmac, msg, len, out);
}

void nsr_aead_seal(u8 *dst, const u8 *src, size_t len, const u8 *ad,
		   size_t adlen, u64 nonce, const u8 key[NSR_OUT_KEY_LEN])
{
#if NSR_HAVE_AEAD
	BUILD_BUG_ON(NSR_OUT_KEY_LEN != CHACHA20POLY1305_KEY_SIZE);
	BUILD_BUG_ON(NSR_OUT_TAG_LEN != CHACHA20POLY1305_AUTHTAG_SIZE);
	chacha20poly1305_encrypt(dst, src, len, ad, adlen, nonce, key);
#else
	/* Never called: nsr_output_crypto_ok() is false. Fail closed. */
	memset(dst, 0, len + NSR_OUT_TAG_LEN);
#endif
}

/*
 * A whole output message through this kernel's wiring: K = 00..1f, A =
 * a0..af, request 40..67, index 1, LAST, "netsysrq output self-test\n".
 * The expected bytes come from node:crypto (tests/c/output_test.ts checks
 * the same construction against it).
 */
static bool nsr_output_kat(void)
{
	static const u8 want[] = {
		0x74, 0xc0, 0xa8, 0x87, 0x0b, 0xb3, 0xf6, 0x8e,
		0xa9, 0x47, 0x84, 0x21, 0x3f, 0x45, 0xf9, 0x9c,
		0x30, 0xb6, 0x00, 0xf2, 0xe4, 0x49, 0xec, 0x1f,
		0x85, 0xbe, 0xcb, 0x99, 0xab, 0x59, 0xfb, 0xeb,
		0x00, 0x17, 0x5d, 0x8c, 0x0b, 0xd5, 0x36, 0x2c,
		0x30, 0x2f,
	};
	static const u8 text[] = "netsysrq output self-test\n";
	struct nsr_output_seal seal;
	struct nsr_mac_key key;
	u8 raw[NSR_KEY_LEN], addr[NSR_ADDR_LEN], req[NSR_OUT_REQUEST_HEAD];
	u8 msg[NSR_OUT_FIXED_LEN + sizeof(text) - 1];
	size_t i, len;
	bool ok;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = i;
	for (i = 0; i < sizeof(addr); i++)
		addr[i] = 0xa0 + i;
	for (i = 0; i < sizeof(req); i++)
		req[i] = 0x40 + i;
	nsr_hmac_setkey(&key.hmac, raw, sizeof(raw));
	nsr_output_seal_init(&seal, &key, addr, req);
	len = nsr_output_build(msg, &seal, 1, NSR_OUT_FLAG_LAST, text,
			       sizeof(text) - 1);
	ok = len == sizeof(msg) &&
	     !memcmp(msg + NSR_OUT_OFF_TEXT, want, sizeof(want));
	nsr_output_seal_wipe(&seal);
	memzero_explicit(&key, sizeof(key));
	return ok;
}

void nsr_output_crypto_init(void)
{
	if (!NSR_HAVE_AEAD) {
		pr_info("no output: this kernel has no ChaCha20-Poly1305 library (CONFIG_CRYPTO_LIB_CHACHA20POLY1305); requests that ask for output get an ack without it\n");
		return;
	}
	nsr_aead_ok = nsr_output_kat();
	if (!nsr_aead_ok)
		pr_err("output self-test failed: output disabled\n");
}

bool nsr_output_crypto_ok(void)
{
	return nsr_aead_ok;
}
