// SPDX-License-Identifier: GPL-2.0
/*
 * Runs shared vectors through the C verifier. vectors_test.ts turns
 * the JSON files of tests/vectors/ into one line per case on stdin; this prints one
 * line per case with what the verifier did. Hex "-" means empty or null.
 *
 *   R <key> <addr> <now> <tolerance_ms> <last_accepted> <tokens> <packet>
 *     key: "-" (no password), "p:<password hex>" or "k:<derived key hex>"
 *   -> <verdict> <last_accepted after> <tokens after> <reply hex>
 *
 *   L <password hex> <dst text> <last_seqno> <packet>
 *   -> <verdict> <last_seqno after> <keys hex>
 *
 *   A <key> <addr> <timestamp> <nonce hex> <statuses hex>  (build an ack)
 *   F <key> <addr> <server_ms> <nonce hex> <reason>  (build a refusal)
 *   -> <reply hex>
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_openssl.h"

#define LINE_MAX_LEN	8192
#define TOKENS_MAX	9

static int unhex(const char *s, u8 *out, size_t max, size_t *len)
{
	size_t n = strcmp(s, "-") ? strlen(s) : 0;
	size_t i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (u8)b;
	}
	*len = n / 2;
	return 0;
}

static void puthex(const u8 *b, size_t n)
{
	size_t i;

	if (!n)
		putchar('-');
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

/* The MAC key for a key spec; PBKDF2 is slow, so the last one is cached. */
static struct nsr_mac_key *key_for(const char *spec)
{
	static char last_spec[LINE_MAX_LEN];
	static struct nsr_mac_key *last;
	u8 raw[NSR_PASSWORD_MAX], key[NSR_KEY_LEN];
	size_t n;

	if (last && !strcmp(spec, last_spec))
		return last;
	nsr_mac_key_free(last);
	last = NULL;
	last_spec[0] = 0;
	if (!strncmp(spec, "k:", 2)) {
		if (unhex(spec + 2, key, sizeof(key), &n) || n != NSR_KEY_LEN)
			return NULL;
	} else if (!strncmp(spec, "p:", 2)) {
		if (unhex(spec + 2, raw, sizeof(raw), &n) ||
		    nsr_derive_key((const char *)raw, n, key))
			return NULL;
	} else {
		return NULL;
	}
	last = nsr_mac_key_new(key);
	snprintf(last_spec, sizeof(last_spec), "%s", spec);
	return last;
}

static u8 reason_of(enum nsr_verdict v)
{
	return v == NSR_REFUSED_STALE ? NSR_REASON_STALE :
	       v == NSR_REFUSED_FUTURE ? NSR_REASON_FUTURE : NSR_REASON_REPLAY;
}

static int run_request(char **t)
{
	u8 addr[NSR_ADDR_LEN], pkt[LINE_MAX_LEN / 2], reply[NSR_MAX_MSG_LEN];
	u8 status[NSR_MAX_KEYS] = { 0 };
	struct nsr_mac_key *key = strcmp(t[1], "-") ? key_for(t[1]) : NULL;
	/* The vectors hold no monotonic clock: the bucket's is now too. */
	u64 now = strtoull(t[3], NULL, 10);
	const struct nsr_clock when = {
		.now = now,
		.tolerance = strtoull(t[4], NULL, 10),
		.mono = now,
	};
	struct nsr_request req;
	struct nsr_state st;
	enum nsr_verdict v;
	size_t n, rlen = 0;

	if ((strcmp(t[1], "-") && !key) ||
	    unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    unhex(t[7], pkt, sizeof(pkt), &n))
		return -1;
	atomic64_set(&st.last_accepted, (s64)strtoull(t[5], NULL, 10));
	nsr_bucket_init(&st.refusals, (unsigned int)atoi(t[6]), now);
	v = nsr_verify_request(pkt, n, addr, key, &when, &st, &req);
	if (v == NSR_ACCEPTED && req.ack_wanted)
		rlen = nsr_build_ack(reply, &req, status, addr, key);
	else if (v >= NSR_REFUSED_STALE && v <= NSR_REFUSED_REPLAY &&
		 req.ack_wanted)
		rlen = nsr_build_refusal(reply, &req, reason_of(v), now, addr,
					 key);
	printf("%d %llu %u ", v,
	       (unsigned long long)atomic64_read(&st.last_accepted),
	       nsr_bucket_tokens(&st.refusals, now));
	puthex(reply, rlen);
	putchar('\n');
	return 0;
}

static int run_legacy(char **t)
{
	u8 password[NSR_PASSWORD_MAX], pkt[LINE_MAX_LEN / 2];
	struct nsr_legacy_key *key = NULL;
	struct nsr_legacy_request req = { 0 };
	atomic64_t last;
	enum nsr_verdict v;
	size_t plen, n;

	if (unhex(t[1], password, sizeof(password), &plen) ||
	    unhex(t[4], pkt, sizeof(pkt), &n))
		return -1;
	if (plen) {
		key = nsr_legacy_key_new((char *)password, plen);
		if (!key)
			return -1;
	}
	atomic64_set(&last, (s64)strtoull(t[3], NULL, 10));
	v = nsr_verify_legacy(pkt, n, t[2], strlen(t[2]), key, &last, &req);
	printf("%d %llu ", v, (unsigned long long)atomic64_read(&last));
	puthex(req.keys, v == NSR_ACCEPTED ? req.nkeys : 0);
	putchar('\n');
	nsr_legacy_key_free(key);
	return 0;
}

/* nsr_build_ack() or nsr_build_refusal() for the request in @t. */
static int run_build(char **t)
{
	u8 addr[NSR_ADDR_LEN], status[NSR_MAX_KEYS], reply[NSR_MAX_MSG_LEN];
	struct nsr_mac_key *key = key_for(t[1]);
	struct nsr_request req = { 0 };
	size_t n, rlen;

	if (!key || unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    unhex(t[4], req.nonce, NSR_NONCE_LEN, &n) || n != NSR_NONCE_LEN)
		return -1;
	if (t[0][0] == 'A') {
		if (unhex(t[5], status, sizeof(status), &n) || !n)
			return -1;
		req.nkeys = (u8)n;
		req.timestamp = strtoull(t[3], NULL, 10);
		rlen = nsr_build_ack(reply, &req, status, addr, key);
	} else {
		rlen = nsr_build_refusal(reply, &req, (u8)atoi(t[5]),
					 strtoull(t[3], NULL, 10), addr, key);
	}
	puthex(reply, rlen);
	putchar('\n');
	return 0;
}

int main(void)
{
	static char line[LINE_MAX_LEN];
	unsigned int lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *t[TOKENS_MAX + 1] = { NULL };
		int n = 0, err;

		lineno++;
		for (t[0] = strtok(line, "\n "); t[n] && n < TOKENS_MAX;)
			t[++n] = strtok(NULL, "\n ");
		if (n == 8 && !strcmp(t[0], "R"))
			err = run_request(t);
		else if (n == 5 && !strcmp(t[0], "L"))
			err = run_legacy(t);
		else if (n == 6 && (!strcmp(t[0], "A") || !strcmp(t[0], "F")))
			err = run_build(t);
		else
			err = -1;
		if (err) {
			fprintf(stderr, "vector_runner: bad input line %u\n",
				lineno);
			return 2;
		}
	}
	return 0;
}
