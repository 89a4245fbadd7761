// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier's cost per packet by verdict, for callgrind.ts. Each case
 * runs ITERATIONS packets with callgrind's collection switched on only
 * around the loop, then dumps its counts under the case's name; run it
 * under `valgrind --tool=callgrind --collect-atstart=no`. The baselines are
 * the least work the MACs need: one HMAC-SHA256 of the same bytes with its
 * pads precomputed, and one SHA-1 of the legacy digest's input.
 *
 * Prints "<case> <hash calls per packet>" per case on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <valgrind/callgrind.h>

#include "nsr_packets.h"

#define ITERATIONS	1000
#define NOW		1800000000000ULL
#define TOLERANCE	300000ULL
#define TOKEN_MS	1000	/* the bucket's clock per packet: a token each */

static const u8 test_key[NSR_KEY_LEN] = "bench key, not a secret........";
static const char password[] = "bench password, not a secret";
static const u8 addr[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };
static const char dst[] = "192.0.2.7";

static const u8 boot[NSR_BOOT_ID_LEN] = { 0xb0, 0x07, 1, 2, 3, 4, 5, 6 };
static const u8 other_boot[NSR_BOOT_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/*
 * The server's keys: the password's and a full set of server keys, so
 * that a server key's lookup is the longest there can be. The client
 * uses the password's key unless a case says otherwise.
 */
static struct nsr_keys *server_keys;
static struct nsr_test_key client;
#define SERVER_KEY_LAST	(0x80000000u + NSR_SERVER_KEYS_MAX)
static struct nsr_legacy_key *lkey;
/* One packet per iteration, so each accepted one is newer than the last. */
static u8 pkts[ITERATIONS][NSR_LEGACY_MAX_LEN];
static size_t lens[ITERATIONS];

/* Requests at @ts, @ts + 1, ...; a zero tag unless @sign. */
static void fill_requests(u64 ts, const char *keys, bool sign)
{
	int i;

	for (i = 0; i < ITERATIONS; i++) {
		lens[i] = nsr_test_request(pkts[i], &client, addr, boot,
					   ts + (u64)i, (u8)i, keys, true);
		if (!sign)
			memset(pkts[i] + lens[i] - NSR_TAG_LEN, 0,
			       NSR_TAG_LEN);
	}
}

static void fill_probes(void)
{
	int i;

	for (i = 0; i < ITERATIONS; i++)
		lens[i] = nsr_test_probe(pkts[i], &client, addr, (u8)i, false);
}

static void fill_legacy(void)
{
	u8 digest[NSR_LEGACY_DIGEST_MAX];
	int i, j, n;

	for (i = 0; i < ITERATIONS; i++) {
		n = snprintf((char *)pkts[i], NSR_LEGACY_MAX_LEN,
			     "s,%d,c2FsdHNhbHRzYWx0,", 1800000001 + i);
		nsr_legacy_digest(lkey, false, pkts[i], (size_t)n, dst,
				  strlen(dst), digest);
		for (j = 0; j < 20; j++)
			n += sprintf((char *)pkts[i] + n, "%02x", digest[j]);
		lens[i] = (size_t)n;
	}
}

/*
 * Verify every prepared packet with collection on; dump as @name. The
 * state's floor is NOW - 60 s; with @tokens, the bucket's clock moves a
 * token's time per packet (a token each), else it stands still, empty;
 * with @first_is_last, the first packet is the last accepted request.
 * Every packet must get verdict @want, or the bench measured the wrong
 * thing: it exits.
 */
static void run_requests(const char *name, enum nsr_verdict want,
			 bool tokens, bool first_is_last)
{
	unsigned long hashes = nsr_hash_calls;
	struct nsr_clock when = { .now = NOW, .tolerance = TOLERANCE };
	struct nsr_request req;
	struct nsr_state st;
	int i, wrong = 0;

	nsr_state_init(&st, boot, NOW, 0, 0);
	atomic64_set(&st.floor, (s64)(NOW - 60000));
	if (!tokens)
		nsr_bucket_init(&st.refusals, 0, 0);
	if (first_is_last) {
		memcpy(st.last, pkts[0], lens[0]);
		st.last_len = (u8)lens[0];
		memcpy(st.last_addr, addr, NSR_ADDR_LEN);
	}
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++) {
		when.mono = tokens ? (u64)i * TOKEN_MS : 0;
		wrong += nsr_verify_request(pkts[i], lens[i], addr,
					    server_keys, &when, &st,
					    &nsr_judge_all, &req) != want;
	}
	CALLGRIND_TOGGLE_COLLECT;
	if (wrong) {
		fprintf(stderr, "%s: %d packets not %d\n", name, wrong, want);
		exit(1);
	}
	CALLGRIND_DUMP_STATS_AT(name);
	printf("%s %.2f\n", name, (double)(nsr_hash_calls - hashes) /
	       ITERATIONS);
}

static void run_legacy(const char *name)
{
	unsigned long hashes = nsr_hash_calls;
	struct nsr_legacy_request req;
	atomic64_t last;
	int i;

	atomic64_set(&last, 1800000000);
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		nsr_verify_legacy(pkts[i], lens[i], dst, strlen(dst), lkey,
				  &last, &req);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	printf("%s %.2f\n", name, (double)(nsr_hash_calls - hashes) /
	       ITERATIONS);
}

/* One HMAC-SHA256 of label || addr || body per packet, pads precomputed. */
static void run_hmac_baseline(const char *name, unsigned int nkeys)
{
	u8 in[NSR_LABEL_LEN + NSR_ADDR_LEN + NSR_MAX_MSG_LEN], out[32];
	size_t body = NSR_OFF_KEYS + nkeys;
	int i;

	memcpy(in, NSR_LABEL_REQUEST, NSR_LABEL_LEN);
	memcpy(in + NSR_LABEL_LEN, addr, NSR_ADDR_LEN);
	memcpy(in + NSR_LABEL_LEN + NSR_ADDR_LEN, pkts[0], body);
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		nsr_hmac_baseline(client.mac, in,
				  NSR_LABEL_LEN + NSR_ADDR_LEN + body, out);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	printf("%s 1.00\n", name);
}

/* One SHA-1 of the legacy digest's input, as one buffer. */
static void run_sha1_baseline(const char *name)
{
	u8 in[NSR_LEGACY_MAX_LEN + 64 + NSR_PASSWORD_MAX], out[20];
	size_t n = lens[0] - 40;
	int i;

	memcpy(in, pkts[0], n);
	n += (size_t)sprintf((char *)in + n, "%s,%s", dst, password);
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < ITERATIONS; i++)
		EVP_Digest(in, n, out, NULL, EVP_sha1(), NULL);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	printf("%s 1.00\n", name);
}

static void set_lens(size_t len)
{
	int i;

	for (i = 0; i < ITERATIONS; i++)
		lens[i] = len;
}

static void set_byte(size_t off, u8 value)
{
	int i;

	for (i = 0; i < ITERATIONS; i++)
		pkts[i][off] = value;
}

/* Every packet a copy of the first. */
static void set_all_first(void)
{
	int i;

	for (i = 1; i < ITERATIONS; i++) {
		memcpy(pkts[i], pkts[0], lens[0]);
		lens[i] = lens[0];
	}
}

/* OpenSSL initialises itself on first use; keep that out of the counts. */
static void warm_up(void)
{
	struct nsr_clock when = { .now = NOW, .tolerance = TOLERANCE };
	struct nsr_request req;
	struct nsr_state st;
	u8 out[32];

	nsr_state_init(&st, boot, NOW, 0, 0);
	fill_requests(NOW, "s", true);
	nsr_verify_request(pkts[0], lens[0], addr, server_keys, &when,
			   &st, &nsr_judge_all, &req);
	nsr_hmac_baseline(client.mac, pkts[0], lens[0], out);
	EVP_Digest(pkts[0], lens[0], out, NULL, EVP_sha1(), NULL);
}

/* The password's key (id 0), then NSR_SERVER_KEYS_MAX server keys. */
static struct nsr_keys *make_keys(void)
{
	struct nsr_keys *k = nsr_keys_new();
	u8 raw[NSR_KEY_LEN];
	u32 id;

	if (!k || nsr_keys_add(k, NSR_PASSWORD_KEY_ID, test_key))
		return NULL;
	for (id = 0x80000001u; id <= SERVER_KEY_LAST; id++) {
		memcpy(raw, test_key, sizeof(raw));
		raw[0] = (u8)id;
		if (nsr_keys_add(k, id, raw))
			return NULL;
	}
	return k;
}

static void use_key(u32 id)
{
	client.id = id;
	client.mac = nsr_find_key(server_keys, id);
}

int main(void)
{
	server_keys = make_keys();
	lkey = nsr_legacy_key_new(password, strlen(password));
	if (!server_keys || !lkey)
		return 1;
	use_key(NSR_PASSWORD_KEY_ID);
	warm_up();

	fill_requests(NOW, "s", false);
	set_lens(NSR_HEADER_LEN - 1);
	run_requests("TRUNCATED", NSR_TRUNCATED, true, false);
	set_lens(NSR_FIXED_LEN + 1);
	set_byte(NSR_OFF_MAGIC + 3, 'X');
	run_requests("BAD_MAGIC", NSR_BAD_MAGIC, true, false);
	fill_requests(NOW, "s", false);
	set_byte(NSR_OFF_VERSION, NSR_VERSION - 1);
	run_requests("BAD_VERSION", NSR_BAD_VERSION, true, false);
	fill_requests(NOW, "s", false);
	set_byte(NSR_OFF_TYPE, NSR_TYPE_ACK);
	run_requests("BAD_TYPE", NSR_BAD_TYPE, true, false);
	fill_requests(NOW, "s", false);
	set_lens(NSR_FIXED_LEN + 2);
	run_requests("BAD_LENGTH", NSR_BAD_LENGTH, true, false);
	fill_requests(NOW, "s", true);
	set_byte(NSR_OFF_BOOT, other_boot[0]);
	run_requests("WRONG_BOOT", NSR_WRONG_BOOT, false, false);
	fill_requests(NOW - TOLERANCE - 1 - ITERATIONS, "s", true);
	run_requests("STALE", NSR_STALE, false, false);
	fill_requests(NOW - 60000 - ITERATIONS, "s", true);
	run_requests("REPLAY", NSR_REPLAY, false, false);
	fill_requests(NOW - 60000, "s", true);
	set_all_first();
	run_requests("REPEATED", NSR_REPEATED, true, true);
	fill_requests(NOW, "s", false);	/* a zero tag */
	run_requests("BAD_MAC", NSR_BAD_MAC, true, false);
	fill_requests(NOW, "s", true);
	run_requests("ACCEPTED", NSR_ACCEPTED, true, false);
	run_hmac_baseline("HMAC_1", 1);
	fill_requests(NOW - TOLERANCE - 1 - ITERATIONS, "s", true);
	run_requests("REFUSED_STALE", NSR_REFUSED_STALE, true, false);
	fill_requests(NOW + 3600000, "s", true);
	run_requests("REFUSED_FUTURE", NSR_REFUSED_FUTURE, true, false);
	fill_probes();
	run_requests("PROBE_ANSWERED", NSR_PROBE_ANSWERED, true, false);
	fill_requests(NOW, "reisubREISUB!~09", true);
	run_requests("ACCEPTED_16", NSR_ACCEPTED, true, false);
	run_hmac_baseline("HMAC_16", NSR_MAX_KEYS);
	/* A server key, the last of a full set (issue 14). */
	use_key(SERVER_KEY_LAST);
	fill_requests(NOW, "s", true);
	run_requests("ACCEPTED_KEY", NSR_ACCEPTED, true, false);
	fill_requests(NOW, "s", true);
	set_byte(NSR_OFF_KEY_ID + 3, 0x7f);	/* an id nobody installed */
	run_requests("UNKNOWN_KEY", NSR_UNKNOWN_KEY, true, false);
	use_key(NSR_PASSWORD_KEY_ID);
	fill_legacy();
	run_legacy("LEGACY");
	run_sha1_baseline("SHA1");

	nsr_keys_free(server_keys);
	nsr_legacy_key_free(lkey);
	return 0;
}
