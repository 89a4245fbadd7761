// SPDX-License-Identifier: GPL-2.0
/*
 * Attack stories against the verifier's key ids and server keys (issue
 * 14, docs/PROTOCOL.md "Keys"). Each story plays one or two servers (key
 * sets, replay states) and clients through nsr_verify_request() and
 * nsr_build_reply(), and fails if a packet made for one server or key acts
 * anywhere else, if an unknown key costs a hash or gets an answer, if a
 * removed key still acts, or if a reply is not sealed with the request's
 * key, key id and address A.
 *
 * Prints "<story> ok" or "<story> FAILED: <why>" per story; exits 1 if any
 * failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_packets.h"

#define NOW		1800000000000ULL
#define TOLERANCE	60000ULL
#define KID		0x8f3a01c2u	/* one admin secret's id */
#define KID_NEXT	0x9b00d1e5u	/* the next admin secret's */

static const u8 password_key[NSR_KEY_LEN] = "story password key, no secret..";
static const u8 key_a[NSR_KEY_LEN] = "server A's key, not a secret....";
static const u8 key_b[NSR_KEY_LEN] = "server B's key, not a secret....";
static const u8 key_next[NSR_KEY_LEN] = "next admin secret's key for A...";
static const u8 info[NSR_INFO_LEN] = "facts: 24 bytes of them";
static const u8 zero[NSR_ADDR_LEN];
/* Two clouds' first VMs: the same private address 10.0.0.4. */
static const u8 dst[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 4 };
/* Another of server A's own addresses. */
static const u8 dst2[NSR_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };

struct server {
	struct nsr_keys *keys;
	struct nsr_state st;
	unsigned int runs;	/* requests whose keys ran */
};

static int failed;

static void verdict(const char *story, bool ok, const char *why)
{
	printf("%s %s%s\n", story, ok ? "ok" : "FAILED: ", ok ? "" : why);
	failed |= !ok;
}

static void server_init(struct server *s, u8 boot_byte)
{
	u8 boot[NSR_BOOT_ID_LEN];

	memset(boot, boot_byte, sizeof(boot));
	s->keys = nsr_keys_new();
	nsr_state_init(&s->st, boot, NOW, 0, 0);
	s->runs = 0;
}

static bool server_add(struct server *s, u32 id, const u8 *raw)
{
	return s->keys && !nsr_keys_add(s->keys, id, raw);
}

/* One packet in at @now (and a token's time later); its reply out. */
static enum nsr_verdict server_receive(struct server *s, const u8 *pkt,
				       size_t len, const u8 *to, u64 now,
				       u8 *reply, size_t *rlen)
{
	struct nsr_clock clock = {
		.now = now, .tolerance = TOLERANCE, .mono = now - NOW,
	};
	struct nsr_request req;
	enum nsr_verdict v;
	u8 unused[NSR_MAX_MSG_LEN];
	size_t n;

	v = nsr_verify_request(pkt, len, to, s->keys, &clock, &s->st,
			       &nsr_judge_all, &req);
	n = nsr_build_reply(reply ? reply : unused, v, &req, &s->st, now,
			    info);
	if (rlen)
		*rlen = n;
	s->runs += v == NSR_ACCEPTED;
	return v;
}

/* A client's key: @raw under @id. */
struct client {
	struct nsr_keys *own;
	struct nsr_test_key key;
};

static void client_init(struct client *c, u32 id, const u8 *raw)
{
	c->own = nsr_keys_one(id, raw);
	c->key.id = id;
	c->key.mac = c->own ? nsr_find_key(c->own, id) : NULL;
}

static size_t request(u8 *p, const struct client *c, const struct server *s,
		      u64 ts, u8 seed, const char *keys)
{
	return nsr_test_request(p, &c->key, dst, s->st.boot_id, ts, seed, keys,
				true);
}

/*
 * Does @reply verify under @raw with @label and address @a, and echo key
 * id @id?
 */
static bool sealed_with(const u8 *reply, size_t rlen, const char *label,
			const u8 *raw, u32 id, const u8 *a)
{
	struct nsr_mac_key *k = nsr_mac_key_new(raw);
	u8 tag[NSR_TAG_LEN];
	bool ok;

	if (!k || rlen < NSR_FIXED_LEN)
		return false;
	nsr_mac(k, (const u8 *)label, a, reply, rlen - NSR_TAG_LEN, tag);
	ok = !memcmp(tag, reply + rlen - NSR_TAG_LEN, NSR_TAG_LEN) &&
	     get_unaligned_be32(reply + NSR_OFF_KEY_ID) == id;
	nsr_mac_key_free(k);
	return ok;
}

/*
 * Servers A and B, in two clouds, both see themselves at 10.0.0.4 and hold
 * keys of the same admin secret (same id), each its own. A request and a
 * probe made for A, with B's boot id and clock, are sent to B.
 */
static void other_server_same_address(void)
{
	struct server a, b;
	struct client for_a;
	u8 p[NSR_MAX_MSG_LEN];
	size_t len, rlen = 1, plen, prlen = 1;
	enum nsr_verdict v, pv;

	server_init(&a, 0xa0);
	server_init(&b, 0xb0);
	client_init(&for_a, KID, key_a);
	if (!server_add(&a, KID, key_a) || !server_add(&b, KID, key_b) ||
	    !for_a.key.mac) {
		verdict("other-server-same-address", false, "setup");
		return;
	}
	len = request(p, &for_a, &b, NOW, 1, "b");
	v = server_receive(&b, p, len, dst, NOW, NULL, &rlen);
	plen = nsr_test_probe(p, &for_a.key, dst, 2, true);
	pv = server_receive(&b, p, plen, dst, NOW, NULL, &prlen);
	verdict("other-server-same-address",
		v == NSR_BAD_MAC && pv == NSR_BAD_MAC && !rlen && !prlen &&
		!b.runs && atomic64_read(&b.st.floor) == 0,
		"a packet made for server A was taken by server B");
}

/*
 * An id the server does not hold, on a request and an info probe: no
 * hash, no token, no answer, no state change.
 */
static void unknown_key_costs_nothing(void)
{
	struct server s;
	struct client c;
	u8 p[NSR_MAX_MSG_LEN], q[NSR_MAX_MSG_LEN];
	unsigned long hashes;
	unsigned int tokens;
	size_t len, qlen, rlen = 1, qrlen = 1;
	enum nsr_verdict v, qv;

	server_init(&s, 0xc0);
	client_init(&c, KID_NEXT, key_next);
	if (!server_add(&s, NSR_PASSWORD_KEY_ID, password_key) ||
	    !server_add(&s, KID, key_a) || !c.key.mac) {
		verdict("unknown-key-costs-nothing", false, "setup");
		return;
	}
	tokens = nsr_bucket_tokens(&s.st.refusals, 0);
	len = request(p, &c, &s, NOW, 1, "s");
	qlen = nsr_test_probe(q, &c.key, dst, 2, true);
	hashes = nsr_hash_calls;
	v = server_receive(&s, p, len, dst, NOW, NULL, &rlen);
	qv = server_receive(&s, q, qlen, dst, NOW, NULL, &qrlen);
	verdict("unknown-key-costs-nothing",
		v == NSR_UNKNOWN_KEY && qv == NSR_UNKNOWN_KEY &&
		nsr_hash_calls == hashes && !rlen && !qrlen && !s.runs &&
		atomic64_read(&s.st.floor) == 0 &&
		nsr_bucket_tokens(&s.st.refusals, 0) == tokens,
		"an unknown key id cost a hash, a token or an answer");
}

/*
 * Request R under key KID is accepted; KID is removed: R's retry and a
 * new request under KID are refused. KID installed again: R never runs
 * again (the state, shared by every key, remembers it).
 */
static void removed_key_refused(void)
{
	struct server s;
	struct client c;
	u8 r[NSR_MAX_MSG_LEN], n[NSR_MAX_MSG_LEN];
	size_t rlen, nlen;
	enum nsr_verdict v1, v2, v3, v4;

	server_init(&s, 0xd0);
	client_init(&c, KID, key_a);
	if (!server_add(&s, KID, key_a) || !c.key.mac) {
		verdict("removed-key-refused", false, "setup");
		return;
	}
	rlen = request(r, &c, &s, NOW, 1, "s");
	v1 = server_receive(&s, r, rlen, dst, NOW, NULL, NULL);
	nsr_keys_remove(s.keys, KID);
	nlen = request(n, &c, &s, NOW + 1000, 2, "u");
	v2 = server_receive(&s, r, rlen, dst, NOW + 500, NULL, NULL);
	v3 = server_receive(&s, n, nlen, dst, NOW + 1000, NULL, NULL);
	server_add(&s, KID, key_a);
	v4 = server_receive(&s, r, rlen, dst, NOW + 2000, NULL, NULL);
	verdict("removed-key-refused",
		v1 == NSR_ACCEPTED && v2 == NSR_UNKNOWN_KEY &&
		v3 == NSR_UNKNOWN_KEY && v4 != NSR_ACCEPTED && s.runs == 1,
		"a removed key's request acted");
}

/*
 * Rotation: the next admin secret's key is installed next to the old one;
 * both act, and share the floor (a request under the old key older than
 * one accepted under the new is refused); the old key removed, only the
 * new one acts.
 */
static void rotation_shares_the_state(void)
{
	struct server s;
	struct client old, next;
	u8 p[NSR_MAX_MSG_LEN], late[NSR_MAX_MSG_LEN];
	size_t len, llen;
	enum nsr_verdict v1, v2, v3, v4, v5;

	server_init(&s, 0xe0);
	client_init(&old, KID, key_a);
	client_init(&next, KID_NEXT, key_next);
	if (!server_add(&s, KID, key_a) || !old.key.mac || !next.key.mac) {
		verdict("rotation-shares-the-state", false, "setup");
		return;
	}
	len = request(p, &old, &s, NOW, 1, "s");
	v1 = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	server_add(&s, KID_NEXT, key_next);
	llen = request(late, &old, &s, NOW + 100, 2, "u");
	len = request(p, &next, &s, NOW + 200, 3, "s");
	v2 = server_receive(&s, p, len, dst, NOW + 200, NULL, NULL);
	/* Made before the new key's request, arriving after it. */
	v3 = server_receive(&s, late, llen, dst, NOW + 300, NULL, NULL);
	len = request(p, &old, &s, NOW + 400, 4, "u");
	v4 = server_receive(&s, p, len, dst, NOW + 400, NULL, NULL);
	nsr_keys_remove(s.keys, KID);
	len = request(p, &old, &s, NOW + 500, 5, "b");
	v5 = server_receive(&s, p, len, dst, NOW + 500, NULL, NULL);
	verdict("rotation-shares-the-state",
		v1 == NSR_ACCEPTED && v2 == NSR_ACCEPTED &&
		v3 == NSR_REFUSED_REPLAY && v4 == NSR_ACCEPTED &&
		v5 == NSR_UNKNOWN_KEY && s.runs == 3,
		"rotation lost a request or let one act out of order");
}

/*
 * A server-key request's retry sent to another of the server's addresses
 * (the client's route changed, or NAT) is the same packet: re-acked, not
 * run. In password mode the address is under the MAC: not recognised as a
 * copy, and its tag fails there.
 */
static void retry_to_another_address(void)
{
	struct server s;
	struct client by_key, by_password;
	u8 p[NSR_MAX_MSG_LEN], q[NSR_MAX_MSG_LEN], ack[NSR_MAX_MSG_LEN];
	size_t len, qlen, alen = 0;
	enum nsr_verdict v1, v2, v3, v4;

	server_init(&s, 0xf0);
	client_init(&by_key, KID, key_a);
	client_init(&by_password, NSR_PASSWORD_KEY_ID, password_key);
	if (!server_add(&s, KID, key_a) ||
	    !server_add(&s, NSR_PASSWORD_KEY_ID, password_key) ||
	    !by_key.key.mac || !by_password.key.mac) {
		verdict("retry-to-another-address", false, "setup");
		return;
	}
	len = request(p, &by_key, &s, NOW, 1, "s");
	v1 = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	v2 = server_receive(&s, p, len, dst2, NOW + 1000, ack, &alen);
	qlen = request(q, &by_password, &s, NOW + 2000, 2, "u");
	v3 = server_receive(&s, q, qlen, dst, NOW + 2000, NULL, NULL);
	v4 = server_receive(&s, q, qlen, dst2, NOW + 3000, NULL, NULL);
	verdict("retry-to-another-address",
		v1 == NSR_ACCEPTED && v2 == NSR_REPEATED &&
		alen == len && ack[NSR_OFF_FLAGS] == NSR_ACK_FLAG_REPEAT &&
		sealed_with(ack, alen, NSR_LABEL_ACK, key_a, KID, zero) &&
		v3 == NSR_ACCEPTED && v4 == NSR_BAD_MAC && s.runs == 2,
		"a retry ran again, or a password packet moved address");
}

/*
 * The right id with the wrong MAC: another key under the id, the server
 * key with the destination as A (a client that binds the address), a
 * password packet relabelled with a server key's id and back.
 */
static void wrong_key_under_right_id(void)
{
	struct server s;
	struct client other, by_key, by_password;
	u8 p[NSR_MAX_MSG_LEN];
	size_t len;
	enum nsr_verdict v[4];

	server_init(&s, 0x10);
	client_init(&other, KID, key_b);
	client_init(&by_key, KID, key_a);
	client_init(&by_password, NSR_PASSWORD_KEY_ID, password_key);
	if (!server_add(&s, KID, key_a) ||
	    !server_add(&s, NSR_PASSWORD_KEY_ID, password_key) ||
	    !other.key.mac || !by_key.key.mac || !by_password.key.mac) {
		verdict("wrong-key-under-right-id", false, "setup");
		return;
	}
	len = request(p, &other, &s, NOW, 1, "s");
	v[0] = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	len = request(p, &by_key, &s, NOW, 2, "s");
	nsr_test_seal(p, NSR_LABEL_REQUEST, by_key.key.mac, dst, len);
	v[1] = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	len = request(p, &by_password, &s, NOW, 3, "s");
	put_unaligned_be32(KID, p + NSR_OFF_KEY_ID);
	v[2] = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	len = request(p, &by_key, &s, NOW, 4, "s");
	put_unaligned_be32(NSR_PASSWORD_KEY_ID, p + NSR_OFF_KEY_ID);
	v[3] = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	verdict("wrong-key-under-right-id",
		v[0] == NSR_BAD_MAC && v[1] == NSR_BAD_MAC &&
		v[2] == NSR_BAD_MAC && v[3] == NSR_BAD_MAC && !s.runs,
		"a packet acted under a key or address it was not made with");
}

/*
 * Every answer to a server-key packet (ack, refusal, clock answer) names
 * its key id and verifies only under that key with A = 16 zero bytes.
 */
static void replies_sealed_with_request_key(void)
{
	struct server s;
	struct client c;
	u8 p[NSR_MAX_MSG_LEN], r[3][NSR_MAX_MSG_LEN];
	size_t len, rlen[3] = { 0 };
	static const char *const labels[3] = {
		NSR_LABEL_ACK, NSR_LABEL_REFUSAL, NSR_LABEL_CLOCK
	};
	bool ok = true;
	int i;

	server_init(&s, 0x20);
	client_init(&c, KID, key_a);
	if (!server_add(&s, KID, key_a) ||
	    !server_add(&s, NSR_PASSWORD_KEY_ID, password_key) || !c.key.mac) {
		verdict("replies-sealed-with-request-key", false, "setup");
		return;
	}
	len = request(p, &c, &s, NOW, 1, "s");
	ok &= server_receive(&s, p, len, dst, NOW, r[0], &rlen[0]) ==
	      NSR_ACCEPTED;
	len = request(p, &c, &s, NOW + 3600000, 2, "s");
	ok &= server_receive(&s, p, len, dst, NOW, r[1], &rlen[1]) ==
	      NSR_REFUSED_FUTURE;
	len = nsr_test_probe(p, &c.key, dst, 3, false);
	ok &= server_receive(&s, p, len, dst, NOW, r[2], &rlen[2]) ==
	      NSR_PROBE_ANSWERED;
	for (i = 0; i < 3; i++)
		ok &= sealed_with(r[i], rlen[i], labels[i], key_a, KID, zero) &&
		      !sealed_with(r[i], rlen[i], labels[i], key_a, KID, dst) &&
		      !sealed_with(r[i], rlen[i], labels[i], password_key, KID,
				   zero);
	verdict("replies-sealed-with-request-key", ok,
		"a reply was not sealed with the request's key, id and A");
}

/*
 * The info probe: 80 bytes in, 80 out, the facts in the body, the state
 * untouched; its padding must be zero and its count 0 or 24, checked
 * before any hash.
 */
static void info_probe(void)
{
	struct server s;
	struct client c;
	u8 p[NSR_MAX_MSG_LEN], q[NSR_MAX_MSG_LEN], r[NSR_MAX_MSG_LEN];
	size_t len, rlen = 0;
	unsigned long hashes;
	enum nsr_verdict v, bad_body, bad_count;
	bool unhashed;

	server_init(&s, 0x30);
	client_init(&c, KID, key_a);
	if (!server_add(&s, KID, key_a) || !c.key.mac) {
		verdict("info-probe", false, "setup");
		return;
	}
	len = nsr_test_probe(p, &c.key, dst, 1, true);
	v = server_receive(&s, p, len, dst, NOW, r, &rlen);
	/* Sealed, so that only the padding rung can refuse them. */
	p[NSR_OFF_KEYS + 5] = 1;
	nsr_test_seal(p, NSR_LABEL_PROBE, c.key.mac, zero, len);
	nsr_test_probe(q, &c.key, dst, 1, true);
	q[NSR_OFF_COUNT] = NSR_MAX_KEYS;
	nsr_test_seal(q, NSR_LABEL_PROBE, c.key.mac, zero,
		      NSR_FIXED_LEN + NSR_MAX_KEYS);
	hashes = nsr_hash_calls;
	bad_body = server_receive(&s, p, len, dst, NOW, NULL, NULL);
	bad_count = server_receive(&s, q, NSR_FIXED_LEN + NSR_MAX_KEYS, dst,
				   NOW, NULL, NULL);
	unhashed = nsr_hash_calls == hashes;
	verdict("info-probe",
		v == NSR_PROBE_ANSWERED &&
		rlen == NSR_FIXED_LEN + NSR_INFO_LEN &&
		r[NSR_OFF_COUNT] == NSR_INFO_LEN &&
		!memcmp(r + NSR_OFF_KEYS, info, NSR_INFO_LEN) &&
		sealed_with(r, rlen, NSR_LABEL_CLOCK, key_a, KID, zero) &&
		bad_body == NSR_BAD_KEY_CHAR &&
		bad_count == NSR_BAD_KEY_COUNT &&
		unhashed && !s.runs && atomic64_read(&s.st.floor) == 0 &&
		!s.st.last_len,
		"the info probe's answer or checks are wrong");
}

int main(void)
{
	other_server_same_address();
	unknown_key_costs_nothing();
	removed_key_refused();
	rotation_shares_the_state();
	retry_to_another_address();
	wrong_key_under_right_id();
	replies_sealed_with_request_key();
	info_probe();
	return failed;
}
