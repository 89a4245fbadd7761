// SPDX-License-Identifier: GPL-2.0
/*
 * Runs shared vectors through the C verifier. vectors_test.ts turns the
 * JSON files of tests/vectors/ into one line per case on stdin; this prints
 * one line per case with what the verifier did. Hex "-" means empty or null.
 *
 *   R <keys> <addr> <now> <tolerance_ms> <boot id> <floor> <last hex>
 *     <last statuses hex> <last address hex> <tokens> <packet> <info>
 *     keys: "-" (nothing configured), or comma-separated "<id>=<key>",
 *     id 8 hex digits (00000000: the password's), key "p:<password hex>"
 *     or "k:<32-byte key hex>"; addr: the packet's destination; info: an
 *     info probe's answer body
 *   -> <verdict> <floor after> <tokens after> <last hex after>
 *      <last address hex after> <reply hex>
 *   Keys are judged all executed (status 00).
 *
 *   L <password hex> <dst text> <last_seqno> <packet>
 *   -> <verdict> <last_seqno after> <keys hex>
 *
 *   A <keys> <key id> <addr> <boot id> <timestamp> <nonce> <statuses>
 *     <repeat 0|1>
 *   F <keys> <key id> <addr> <boot id> <server_ms> <nonce> <reason>
 *   C <keys> <key id> <addr> <boot id> <server_ms> <nonce> <info>
 *   (build an ack, a refusal, a clock answer — with <info>, an info
 *   probe's — sealed with the key under <key id>) -> <reply hex>
 */
#include <stdio.h>
#include <stdlib.h>

#include "line_runner.h"
#include "nsr_packets.h"

#define MONO		1000000	/* the refusal bucket's clock, ms */

/* One key of a key spec: "p:<password hex>" or "k:<key hex>". */
static int raw_key(const char *spec, u8 key[NSR_KEY_LEN])
{
	u8 raw[NSR_PASSWORD_MAX];
	size_t n;

	if (!strncmp(spec, "k:", 2))
		return unhex(spec + 2, key, NSR_KEY_LEN, &n) ||
		       n != NSR_KEY_LEN ? -1 : 0;
	if (!strncmp(spec, "p:", 2))
		return unhex(spec + 2, raw, sizeof(raw), &n) ||
		       nsr_derive_key((const char *)raw, n, key) ? -1 : 0;
	return -1;
}

/*
 * The key set for a key spec ("-": NULL, nothing configured). PBKDF2 is
 * slow, so the last set is cached; *@bad is set on a malformed spec.
 */
static struct nsr_keys *keys_for(const char *spec, bool *bad)
{
	static char last_spec[RUNNER_LINE_MAX];
	static struct nsr_keys *last;
	char copy[RUNNER_LINE_MAX], *item, *rest = copy;
	u8 key[NSR_KEY_LEN];

	*bad = false;
	if (!strcmp(spec, "-"))
		return NULL;
	if (last && !strcmp(spec, last_spec))
		return last;
	nsr_keys_free(last);
	last_spec[0] = 0;
	last = nsr_keys_new();
	snprintf(copy, sizeof(copy), "%s", spec);
	while (last && (item = strsep(&rest, ","))) {
		char *eq = strchr(item, '=');

		if (!eq || eq - item != 8 || raw_key(eq + 1, key) ||
		    nsr_keys_add(last, (u32)strtoul(item, NULL, 16), key)) {
			nsr_keys_free(last);
			last = NULL;
		}
	}
	*bad = !last;
	if (last)
		snprintf(last_spec, sizeof(last_spec), "%s", spec);
	return last;
}

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
	u8 addr[NSR_ADDR_LEN], pkt[RUNNER_LINE_MAX / 2], reply[NSR_MAX_MSG_LEN];
	u8 info[NSR_INFO_LEN];
	bool bad;
	struct nsr_keys *keys = keys_for(t[1], &bad);
	u64 now = strtoull(t[3], NULL, 10);
	struct nsr_clock clock = {
		.now = now,
		.tolerance = strtoull(t[4], NULL, 10),
		.mono = MONO,
	};
	struct nsr_request req = { 0 };
	struct nsr_state st;
	enum nsr_verdict v;
	size_t n, m, rlen = 0;

	if (bad || unhex(t[2], addr, sizeof(addr), &n) || n != NSR_ADDR_LEN ||
	    load_state(t, now, &st) || unhex(t[12], info, sizeof(info), &m) ||
	    unhex(t[11], pkt, sizeof(pkt), &n))
		return -1;
	v = nsr_verify_request(pkt, n, addr, keys, &clock, &st, &nsr_judge_all,
			       &req);
	if (keys)
		rlen = nsr_build_reply(reply, v, &req, &st, now,
				       m ? info : NULL);
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
	u8 password[NSR_PASSWORD_MAX], pkt[RUNNER_LINE_MAX / 2];
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

/* The request a reply answers: its key, key id and address A. */
static int reply_key(char **t, struct nsr_request *req)
{
	static const u8 zero[NSR_ADDR_LEN];
	bool bad;
	struct nsr_keys *keys = keys_for(t[1], &bad);
	size_t n;

	if (!keys || strlen(t[2]) != 8 ||
	    unhex(t[3], req->addr, NSR_ADDR_LEN, &n) || n != NSR_ADDR_LEN)
		return -1;
	req->key_id = (u32)strtoul(t[2], NULL, 16);
	req->key = nsr_find_key(keys, req->key_id);
	if (req->key_id != NSR_PASSWORD_KEY_ID)
		memcpy(req->addr, zero, NSR_ADDR_LEN);
	return req->key ? 0 : -1;
}

/* nsr_build_reply() for an A, F or C line. */
static int run_build(char **t)
{
	u8 boot[NSR_BOOT_ID_LEN], reply[NSR_MAX_MSG_LEN], info[NSR_INFO_LEN];
	struct nsr_request req = { .ack_wanted = true };
	u64 time = strtoull(t[5], NULL, 10);
	struct nsr_state st;
	enum nsr_verdict v;
	size_t n;

	if (reply_key(t, &req) ||
	    unhex(t[4], boot, sizeof(boot), &n) || n != NSR_BOOT_ID_LEN ||
	    unhex(t[6], req.nonce, NSR_NONCE_LEN, &n) || n != NSR_NONCE_LEN)
		return -1;
	nsr_state_init(&st, boot, 0, 0, MONO);
	memcpy(req.boot_id, boot, sizeof(boot));
	if (t[0][0] == 'A') {
		if (unhex(t[7], req.status, sizeof(req.status), &n) || !n)
			return -1;
		req.nkeys = (u8)n;
		req.timestamp = time;
		v = atoi(t[8]) ? NSR_REPEATED : NSR_ACCEPTED;
	} else if (t[0][0] == 'F') {
		v = refused_by(atoi(t[7]));
	} else {
		if (unhex(t[7], info, sizeof(info), &n) ||
		    (n && n != NSR_INFO_LEN))
			return -1;
		req.nkeys = (u8)n;
		v = NSR_PROBE_ANSWERED;
	}
	puthex(reply, nsr_build_reply(reply, v, &req, &st, time, info));
	putchar('\n');
	return 0;
}

static const struct runner_cmd cmds[] = {
	{ "R", 13, run_request },
	{ "L", 5, run_legacy },
	{ "A", 9, run_build },
	{ "F", 8, run_build },
	{ "C", 8, run_build },
};

int main(void)
{
	return runner_main("vector_runner", cmds,
			   sizeof(cmds) / sizeof(cmds[0]));
}
