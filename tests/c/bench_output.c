// SPDX-License-Identifier: GPL-2.0
/*
 * The output builder's cost, for callgrind.ts: building one output message
 * of 1024 text bytes (kernel/nsr_output_msg.c) next to a bare
 * ChaCha20-Poly1305 of the same bytes with the same 42 bytes of AD, and
 * deriving one request's output key O next to one HMAC-SHA256 of the same
 * 72 bytes. Each case runs ITERATIONS times with callgrind's collection on
 * only around the loop, then dumps under the case's name; run it under
 * `valgrind --tool=callgrind --collect-atstart=no`.
 *
 * Prints "<case> <HMAC-SHA256 computations per iteration>" per case on
 * stdout (callgrind.ts's hash column).
 */
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

#include "nsr_openssl.h"
#include "nsr_output_msg.h"

#define ITERATIONS	1000	/* must match callgrind.ts */

static const u8 test_key[NSR_KEY_LEN] = "bench key, not a secret........";
static const u8 addr[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };
static u8 request[NSR_OUT_REQUEST_HEAD];
static u8 text[NSR_OUT_TEXT_MAX];
static u8 msg[NSR_OUT_MAX_LEN];

static void done(const char *name, int hashes)
{
	CALLGRIND_DUMP_STATS_AT(name);
	printf("%s %d\n", name, hashes);
}

static void run_build(const struct nsr_output_seal *seal)
{
	int i;

	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		if (!nsr_output_build(msg, seal, (u16)i, 0, text,
				      sizeof(text)))
			exit(1);
	CALLGRIND_TOGGLE_COLLECT;
	done("OUTPUT_1024", 0);
}

static void run_aead_baseline(const struct nsr_output_seal *seal)
{
	int i;

	memcpy(msg, seal->head, NSR_OUT_OFF_INDEX);
	msg[NSR_OUT_OFF_INDEX] = 0;
	msg[NSR_OUT_OFF_INDEX + 1] = 0;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		nsr_aead_seal(msg + NSR_OUT_OFF_TEXT, text, sizeof(text), msg,
			      NSR_OUT_OFF_TEXT, (u64)i, seal->key);
	CALLGRIND_TOGGLE_COLLECT;
	done("CHACHA_1024", 0);
}

static void run_key(const struct nsr_mac_key *key)
{
	struct nsr_output_seal seal;
	int i;

	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		nsr_output_seal_init(&seal, key, addr, request);
	CALLGRIND_TOGGLE_COLLECT;
	done("OUTPUT_KEY", 1);
}

static void run_hmac_baseline(const struct nsr_mac_key *key)
{
	u8 in[NSR_LABEL_LEN + NSR_ADDR_LEN + NSR_OUT_REQUEST_HEAD], out[32];
	int i;

	memcpy(in, NSR_LABEL_OUTPUT, NSR_LABEL_LEN);
	memcpy(in + NSR_LABEL_LEN, addr, NSR_ADDR_LEN);
	memcpy(in + NSR_LABEL_LEN + NSR_ADDR_LEN, request, sizeof(request));
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		nsr_hmac_baseline(key, in, sizeof(in), out);
	CALLGRIND_TOGGLE_COLLECT;
	done("HMAC_72", 1);
}

int main(void)
{
	struct nsr_mac_key *key = nsr_mac_key_new(test_key);
	struct nsr_output_seal seal;
	size_t i;

	if (!key)
		return 1;
	for (i = 0; i < sizeof(request); i++)
		request[i] = (u8)(i * 7);
	for (i = 0; i < sizeof(text); i++)
		text[i] = (u8)(' ' + i % 95);
	nsr_output_seal_init(&seal, key, addr, request);
	/* OpenSSL sets itself up on first use: keep that out of the counts. */
	nsr_output_build(msg, &seal, 0, 0, text, sizeof(text));
	run_build(&seal);
	run_aead_baseline(&seal);
	run_key(key);
	run_hmac_baseline(key);
	nsr_output_seal_wipe(&seal);
	nsr_mac_key_free(key);
	return 0;
}
