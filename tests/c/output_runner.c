// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the output builder (kernel/nsr_output_msg.c) for output_test.ts,
 * which checks every answer against node:crypto: one line per case on
 * stdin, one line out. Hex "-" means empty.
 *
 *   O <key> <addr> <request head> <index> <flags> <text>
 *     key: the 32-byte MAC key K; request head: its first 40 bytes
 *   -> <message hex>, or "refused" when the builder refuses the case
 *   K <key> <addr> <request head>
 *   -> the output key O nsr_output_seal_init() derives
 *   E <key> <nonce u64> <ad> <plaintext>
 *   -> nsr_aead_seal(): <ciphertext and tag hex>
 *
 * Built with ASan and UBSan: a report aborts the run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "line_runner.h"
#include "nsr_openssl.h"
#include "nsr_output_msg.h"

static int run_output(char **t)
{
	u8 raw[NSR_KEY_LEN], addr[NSR_ADDR_LEN], head[NSR_OUT_REQUEST_HEAD];
	u8 text[NSR_OUT_TEXT_MAX + 1];
	/* Exactly as long as the longest message: ASan sees any overrun. */
	u8 *msg = malloc(NSR_OUT_MAX_LEN);
	struct nsr_output_seal seal;
	struct nsr_mac_key *key;
	size_t n, m, len;

	if (!msg || unhex(t[1], raw, sizeof(raw), &n) || n != NSR_KEY_LEN ||
	    unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    unhex(t[3], head, sizeof(head), &n) || n != sizeof(head) ||
	    unhex(t[6], text, sizeof(text), &m))
		return -1;
	key = nsr_mac_key_new(raw);
	if (!key)
		return -1;
	nsr_output_seal_init(&seal, key, addr, head);
	len = nsr_output_build(msg, &seal, (u16)strtoul(t[4], NULL, 10),
			       (u8)strtoul(t[5], NULL, 16), text, m);
	if (len)
		puthex(msg, len);
	else
		fputs("refused", stdout);
	putchar('\n');
	nsr_output_seal_wipe(&seal);
	nsr_mac_key_free(key);
	free(msg);
	return 0;
}

static int run_key(char **t)
{
	u8 raw[NSR_KEY_LEN], addr[NSR_ADDR_LEN], head[NSR_OUT_REQUEST_HEAD];
	struct nsr_output_seal seal;
	struct nsr_mac_key *key;
	size_t n;

	if (unhex(t[1], raw, sizeof(raw), &n) || n != NSR_KEY_LEN ||
	    unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    unhex(t[3], head, sizeof(head), &n) || n != sizeof(head))
		return -1;
	key = nsr_mac_key_new(raw);
	if (!key)
		return -1;
	nsr_output_seal_init(&seal, key, addr, head);
	puthex(seal.key, sizeof(seal.key));
	putchar('\n');
	nsr_output_seal_wipe(&seal);
	nsr_mac_key_free(key);
	return 0;
}

static int run_aead(char **t)
{
	u8 key[NSR_OUT_KEY_LEN], ad[256], pt[2048], ct[2048 + NSR_OUT_TAG_LEN];
	size_t n, adlen, len;

	if (unhex(t[1], key, sizeof(key), &n) || n != sizeof(key) ||
	    unhex(t[3], ad, sizeof(ad), &adlen) ||
	    unhex(t[4], pt, sizeof(pt), &len))
		return -1;
	nsr_aead_seal(ct, pt, len, ad, adlen, strtoull(t[2], NULL, 10), key);
	puthex(ct, len + NSR_OUT_TAG_LEN);
	putchar('\n');
	return 0;
}

static const struct runner_cmd cmds[] = {
	{ "O", 7, run_output },
	{ "K", 4, run_key },
	{ "E", 5, run_aead },
};

int main(void)
{
	return runner_main("output_runner", cmds,
			   sizeof(cmds) / sizeof(cmds[0]));
}
