// SPDX-License-Identifier: GPL-2.0
/*
 * Runs shared vectors through the C verifier. vectors_test.ts turns
 * the JSON files of tests/vectors/ into one line per case on stdin; this prints one
 * line per case with what the verifier did. Hex "-" means empty or null.
 *
 *   R <key> <addr> <now> <tolerance_ms> <boot id> <floor> <last hex>
 *     <last statuses hex> <last address hex> <tokens> <packet>
 *     key: "-" (no password), "p:<password hex>" or "k:<derived key hex>"
 *   -> <verdict> <floor after> <tokens after> <last hex after>
 *      <last address hex after> <reply hex>
 *   Keys are judged all executed (status 00).
 *
 *   L <password hex> <dst text> <last_seqno> <packet>
 *   -> <verdict> <last_seqno after> <keys hex>
 *
 *   A <key> <addr> <boot id> <timestamp> <nonce> <statuses> <repeat 0|1>
 *   F <key> <addr> <boot id> <server_ms> <nonce> <reason>
 *   C <key> <addr> <boot id> <server_ms> <nonce>
 *   (build an ack, a refusal, a clock answer) -> <reply hex>
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_openssl.h"

#define LINE_MAX_LEN	8192
#define TOKENS_MAX	12
#define MONO		1000000	/* the refusal bucket's clock, ms */

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

/* The runner's judge: every key executed. */
static void judge_all(const void *ctx, const u8 *keys, unsigned int n,
		      u8 *status)
{
	(void)ctx;
	(void)keys;
	memset(status, NSR_STATUS_EXECUTED, n);
}

static const struct nsr_judge judge = { .fn = judge_all };

/* The state of an R line: boot id, floor, last request, tokens. */
static int load_state(char **t, u64 now, struct nsr_state *st)
{
	u8 boot[NSR_BOOT_ID_LEN];
	size_t n, m;

	if (unhex(t[5], boot, sizeof(boot), &n) || n != NSR_BOOT_ID_LEN)
		return -1;
	nsr_state_init(st, boot, now, 0, MONO);
	atomic64_set(&st->floor, (s64)strtoull(t[6], NULL, 10));
	if (unhex(t[7], st->last, sizeof(st->last), &n) ||
	    unhex(t[8], st->last_status, sizeof(st->last_status), &m) ||
	    unhex(t[9], st->last_addr, sizeof(st->last_addr), &m))
		return -1;
	st->last_len = (u8)n;
	nsr_bucket_init(&st->refusals, (unsigned int)atoi(t[10]), MONO);
	return 0;
}

static int run_request(char **t)
{
	u8 addr[NSR_ADDR_LEN], pkt[LINE_MAX_LEN / 2], reply[NSR_MAX_MSG_LEN];
	struct nsr_mac_key *key = strcmp(t[1], "-") ? key_for(t[1]) : NULL;
	u64 now = strtoull(t[3], NULL, 10);
	struct nsr_clock clock = {
		.now = now,
		.tolerance = strtoull(t[4], NULL, 10),
		.mono = MONO,
	};
	struct nsr_request req = { 0 };
	struct nsr_state st;
	enum nsr_verdict v;
	size_t n, rlen = 0;

	if ((strcmp(t[1], "-") && !key) ||
	    unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    load_state(t, now, &st) || unhex(t[11], pkt, sizeof(pkt), &n))
		return -1;
	v = nsr_verify_request(pkt, n, addr, key, &clock, &st, &judge, &req);
	if (key)
		rlen = nsr_build_reply(reply, v, &req, &st, now, addr, key);
	printf("%d %llu %u ", v,
	       (unsigned long long)atomic64_read(&st.floor),
	       nsr_bucket_tokens(&st.refusals, MONO));
	puthex(st.last, st.last_len);
	putchar(' ');
	puthex(st.last_addr, st.last_len ? NSR_ADDR_LEN : 0);
	putchar(' ');
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

static enum nsr_verdict refused_by(int reason)
{
	switch (reason) {
	case NSR_REASON_STALE:
		return NSR_REFUSED_STALE;
	case NSR_REASON_FUTURE:
		return NSR_REFUSED_FUTURE;
	case NSR_REASON_REPLAY:
		return NSR_REFUSED_REPLAY;
	default:
		return NSR_REFUSED_BOOT;
	}
}

/* nsr_build_reply() for an A, F or C line. */
static int run_build(char **t)
{
	u8 addr[NSR_ADDR_LEN], boot[NSR_BOOT_ID_LEN], reply[NSR_MAX_MSG_LEN];
	struct nsr_mac_key *key = key_for(t[1]);
	struct nsr_request req = { .ack_wanted = true };
	u64 time = strtoull(t[4], NULL, 10);
	struct nsr_state st;
	enum nsr_verdict v;
	size_t n;

	if (!key || unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    unhex(t[3], boot, sizeof(boot), &n) || n != NSR_BOOT_ID_LEN ||
	    unhex(t[5], req.nonce, NSR_NONCE_LEN, &n) || n != NSR_NONCE_LEN)
		return -1;
	nsr_state_init(&st, boot, 0, 0, MONO);
	memcpy(req.boot_id, boot, sizeof(boot));
	if (t[0][0] == 'A') {
		if (unhex(t[6], req.status, sizeof(req.status), &n) || !n)
			return -1;
		req.nkeys = (u8)n;
		req.timestamp = time;
		v = atoi(t[7]) ? NSR_REPEATED : NSR_ACCEPTED;
	} else if (t[0][0] == 'F') {
		v = refused_by(atoi(t[6]));
	} else {
		v = NSR_PROBE_ANSWERED;
	}
	puthex(reply, nsr_build_reply(reply, v, &req, &st, time, addr, key));
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
		if (n == 12 && !strcmp(t[0], "R"))
			err = run_request(t);
		else if (n == 5 && !strcmp(t[0], "L"))
			err = run_legacy(t);
		else if ((n == 8 && !strcmp(t[0], "A")) ||
			 (n == 7 && !strcmp(t[0], "F")) ||
			 (n == 6 && !strcmp(t[0], "C")))
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
