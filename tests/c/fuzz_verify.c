// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over nsr_verify_request() and nsr_verify_legacy(), built
 * with AddressSanitizer and UBSan (make -C tests/c fuzz). Besides memory
 * errors it traps on any broken promise of the ladder: a verdict out of
 * range, a hash for a cheap rejection, state moved by a packet that did not
 * act (other than an authentic future one, which raises the floor), a
 * reply larger than its packet or not sealed with the request's key, key
 * id and address, a re-signed packet failing its MAC, a packet accepted
 * twice, or an authentic packet refused now and accepted when its time
 * comes.
 *
 * Input: an 8-byte control header, then the packet.
 *   [0] mode: bit 0 legacy; bit 1 re-sign (valid tag or digest); bit 2
 *       legacy SHA-256; bit 3 legacy trailing "\n"; bit 4 IPv6 address;
 *       bit 5 the state's boot id written into the packet (before the
 *       re-sign); bit 6 the packet is the state's last accepted request;
 *       bit 7 the server key's id written into the packet (before the
 *       re-sign, which uses the key the packet's id names)
 *   [1] refusal tokens (0..7; the bucket holds at most 5)
 *   [2..3] now - timestamp, s16, in units of 64 ms
 *   [4..5] timestamp - floor, s16 (legacy: seqno - last seqno)
 *   [6..7] tolerance in units of 64 ms
 * Times are relative to the packet's own timestamp so that the fuzzer
 * reaches every time rung, including wrap-around near 0 and 2^64.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_packets.h"

#define CTL_LEN		8
#define MODE_LEGACY	0x01
#define MODE_RESIGN	0x02
#define MODE_SHA256	0x04
#define MODE_NEWLINE	0x08
#define MODE_IPV6	0x10
#define MODE_BOOT	0x20
#define MODE_LAST	0x40
#define MODE_SERVER_KEY	0x80
/* The bucket's clock stands still: its own table test moves it. */
#define MONO_MS		1000000ULL

#define check(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "broken: %s (line %d)\n", #cond, \
				__LINE__);				\
			abort();					\
		}							\
	} while (0)

static const u8 test_key[NSR_KEY_LEN] = "fuzzing key, not a secret......";
static const u8 server_key[NSR_KEY_LEN] = "fuzzing server key, not secret.";
#define SERVER_KEY_ID	0x8f3a01c2u
static const u8 zero_addr[NSR_ADDR_LEN];
/* What an info probe's answer carries: any 24 bytes will do here. */
static const u8 info[NSR_INFO_LEN] = "fuzzing facts, 24 bytes";
static const char test_password[] = "fuzzing password, not a secret";
static const u8 addr4[NSR_ADDR_LEN] = {
	[10] = 0xff, [11] = 0xff, 192, 0, 2, 7
};
static const u8 addr6[NSR_ADDR_LEN] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const char dst4[] = "192.0.2.7";
static const char dst6[] = "2001:0db8:0000:0000:0000:0000:0000:0007";
static const u8 boot[NSR_BOOT_ID_LEN] = { 0xb0, 0x07, 1, 2, 3, 4, 5, 6 };

/* The password's key (id 0) and one server key. */
static struct nsr_keys *server_keys;
static struct nsr_legacy_key *legacy_key;

static s64 s16_at(const u8 *p)
{
	return (int16_t)(p[0] << 8 | p[1]);
}

static bool is_cheap(enum nsr_verdict v)
{
	return (v >= NSR_NO_PASSWORD && v <= NSR_BAD_KEY_CHAR) ||
	       v == NSR_UNKNOWN_KEY;
}

/* Verdicts that compute no hash. */
static bool is_unhashed(enum nsr_verdict v)
{
	return is_cheap(v) || v == NSR_STALE || v == NSR_REPLAY ||
	       v == NSR_WRONG_BOOT || v == NSR_REPEATED;
}

/* Verdicts that take a refusal token (when there is one). */
static bool takes_token(enum nsr_verdict v)
{
	return v == NSR_BAD_MAC || v == NSR_REPEATED ||
	       (v >= NSR_REFUSED_STALE && v <= NSR_REFUSED_REPLAY) ||
	       v == NSR_REFUSED_BOOT;
}

/* The key id in @pkt, if it is long enough to have one, else 0. */
static u32 key_id_of(const u8 *pkt, size_t len)
{
	return len >= NSR_OFF_KEY_ID + NSR_KEY_ID_LEN ?
	       get_unaligned_be32(pkt + NSR_OFF_KEY_ID) : 0;
}

/* The address A under key id @id: the destination, or zeros. */
static const u8 *mode_addr(u32 id, const u8 *addr)
{
	return id == NSR_PASSWORD_KEY_ID ? addr : zero_addr;
}

/*
 * Make @pkt valid where the mode asks: the state's boot id, the server
 * key's id, a good tag under the key the packet names (the password's if
 * it names none).
 */
static void prepare(const u8 *ctl, u8 *pkt, size_t len, const u8 *addr)
{
	const char *label = len > NSR_OFF_TYPE &&
			    pkt[NSR_OFF_TYPE] == NSR_TYPE_PROBE ?
			    NSR_LABEL_PROBE : NSR_LABEL_REQUEST;
	const struct nsr_mac_key *key;
	u32 id;

	if (ctl[0] & MODE_BOOT && len >= NSR_OFF_BOOT + NSR_BOOT_ID_LEN)
		memcpy(pkt + NSR_OFF_BOOT, boot, NSR_BOOT_ID_LEN);
	if (ctl[0] & MODE_SERVER_KEY &&
	    len >= NSR_OFF_KEY_ID + NSR_KEY_ID_LEN)
		put_unaligned_be32(SERVER_KEY_ID, pkt + NSR_OFF_KEY_ID);
	id = key_id_of(pkt, len);
	key = nsr_find_key(server_keys, id);
	if (!key) {
		id = NSR_PASSWORD_KEY_ID;
		key = nsr_find_key(server_keys, id);
	}
	if (ctl[0] & MODE_RESIGN && len >= NSR_TAG_LEN)
		nsr_mac(key, (const u8 *)label, mode_addr(id, addr), pkt,
			len - NSR_TAG_LEN, pkt + len - NSR_TAG_LEN);
}

/* A reply is sealed with the request's key, key id and address A. */
static void check_sealed(const u8 *reply, size_t rlen, const u8 *pkt,
			 size_t len, const u8 *addr)
{
	static const char *const labels[] = {
		[NSR_TYPE_ACK] = NSR_LABEL_ACK,
		[NSR_TYPE_REFUSAL] = NSR_LABEL_REFUSAL,
		[NSR_TYPE_CLOCK] = NSR_LABEL_CLOCK,
	};
	u32 id = key_id_of(pkt, len);
	u8 type = reply[NSR_OFF_TYPE], tag[NSR_TAG_LEN];

	check(rlen >= NSR_FIXED_LEN && get_unaligned_be32(reply +
	      NSR_OFF_KEY_ID) == id && type >= NSR_TYPE_ACK &&
	      type <= NSR_TYPE_CLOCK && nsr_find_key(server_keys, id));
	check(!memcmp(reply + NSR_OFF_NONCE, pkt + NSR_OFF_NONCE,
		      NSR_NONCE_LEN));
	nsr_mac(nsr_find_key(server_keys, id), (const u8 *)labels[type],
		mode_addr(id, addr), reply, rlen - NSR_TAG_LEN, tag);
	check(!memcmp(tag, reply + rlen - NSR_TAG_LEN, NSR_TAG_LEN));
}

/* An authentic packet that did not act now never acts later either. */
static void check_never_later(const u8 *pkt, size_t len, const u8 *addr,
			      struct nsr_clock when, struct nsr_state *st,
			      u64 ts)
{
	u64 later[3] = { when.now, ts, ts + NSR_FUTURE_SLACK_MS };
	struct nsr_request req;
	int i;

	nsr_bucket_init(&st->refusals, NSR_BUCKET_TOKENS, when.mono);
	for (i = 0; i < 3; i++) {
		/* The protocol clock never goes back. */
		if (later[i] < when.now)
			continue;
		when.now = later[i];
		check(nsr_verify_request(pkt, len, addr, server_keys, &when, st,
					 &nsr_judge_all, &req) !=
		      NSR_ACCEPTED);
	}
}

static void fuzz_request(const u8 *ctl, u8 *pkt, size_t len)
{
	const u8 *addr = ctl[0] & MODE_IPV6 ? addr6 : addr4;
	u64 ts, now, floor;
	struct nsr_clock when = { .mono = MONO_MS };
	unsigned int tokens;
	unsigned long hashes;
	u8 reply[NSR_MAX_MSG_LEN];
	struct nsr_request req;
	struct nsr_state st;
	enum nsr_verdict v;
	size_t rlen;

	prepare(ctl, pkt, len, addr);
	ts = len >= NSR_OFF_TIME + 8 ? get_unaligned_be64(pkt + NSR_OFF_TIME) :
				       0;
	now = ts + (u64)(s16_at(ctl + 2) * 64);
	floor = ts - (u64)s16_at(ctl + 4);
	when.now = now;
	when.tolerance = (u64)(ctl[6] << 8 | ctl[7]) * 64;
	/* A real state's floor is at or above its last request's time. */
	if (ctl[0] & MODE_LAST && len <= NSR_MAX_MSG_LEN && floor < ts)
		floor = ts;
	nsr_state_init(&st, boot, now, 0, MONO_MS);
	atomic64_set(&st.floor, (s64)floor);
	if (ctl[0] & MODE_LAST && len <= NSR_MAX_MSG_LEN) {
		memcpy(st.last, pkt, len);
		st.last_len = (u8)len;
		memcpy(st.last_addr, mode_addr(key_id_of(pkt, len), addr),
		       NSR_ADDR_LEN);
	}
	nsr_bucket_init(&st.refusals, ctl[1] & 7, MONO_MS);
	tokens = nsr_bucket_tokens(&st.refusals, MONO_MS);	/* at most 5 */
	hashes = nsr_hash_calls;
	v = nsr_verify_request(pkt, len, addr, server_keys, &when, &st,
			       &nsr_judge_all, &req);

	check(v < NSR_VERDICT_COUNT && v != NSR_BAD_FORMAT);
	if (is_unhashed(v))
		check(nsr_hash_calls == hashes);
	else
		check(nsr_hash_calls == hashes + 1);
	if (v == NSR_ACCEPTED)
		check((u64)atomic64_read(&st.floor) == ts && ts > floor &&
		      st.last_len == len && !memcmp(st.last, pkt, len) &&
		      !memcmp(st.last_addr, mode_addr(key_id_of(pkt, len),
						      addr), NSR_ADDR_LEN));
	else if (v == NSR_FUTURE || v == NSR_REFUSED_FUTURE)
		check((u64)atomic64_read(&st.floor) == ts && ts > floor &&
		      ts > now && ts - now > NSR_FUTURE_SLACK_MS);
	else
		check((u64)atomic64_read(&st.floor) == floor);
	if (nsr_bucket_tokens(&st.refusals, MONO_MS) != tokens)
		check(tokens > 0 && takes_token(v) &&
		      nsr_bucket_tokens(&st.refusals, MONO_MS) == tokens - 1);
	if (ctl[0] & MODE_RESIGN)
		check(v != NSR_BAD_MAC);
	rlen = nsr_build_reply(reply, v, &req, &st, now, info);
	check(rlen <= len);
	if (rlen)
		check_sealed(reply, rlen, pkt, len, addr);
	if (v == NSR_ACCEPTED || v == NSR_REPEATED)
		check(!req.ack_wanted || rlen == len);
	if (v == NSR_PROBE_ANSWERED)
		check(rlen == len);
	if (is_cheap(v) || v == NSR_BAD_MAC || v == NSR_PROBE_ANSWERED)
		return;
	/* Authentic (or unjudged): again, then and later, never accepted. */
	check_never_later(pkt, len, addr, when, &st, ts);
}

/* Replace everything after the third comma with the right digest. */
static size_t resign_legacy(const u8 *ctl, const u8 *in, size_t len, u8 *out,
			    const char *dst)
{
	bool sha256 = ctl[0] & MODE_SHA256;
	u8 digest[NSR_LEGACY_DIGEST_MAX];
	size_t i, n = 0, commas = 0, dlen = sha256 ? 32 : 20;

	while (n < len && commas < 3)
		if (in[n++] == ',')
			commas++;
	memcpy(out, in, n);
	if (commas < 3 || nsr_legacy_digest(legacy_key, sha256, in, n, dst,
					    strlen(dst), digest))
		return n;
	for (i = 0; i < dlen; i++)
		snprintf((char *)out + n + 2 * i, 3, "%02x", digest[i]);
	n += 2 * dlen;
	if (ctl[0] & MODE_NEWLINE)
		out[n++] = '\n';
	return n;
}

/* The seqno field, read loosely (wrapping), to place the last seqno near it. */
static u64 seqno_of(const u8 *pkt, size_t n)
{
	const u8 *p = memchr(pkt, ',', n);
	u64 v = 0;

	if (!p)
		return 0;
	while (++p < pkt + n && *p >= '0' && *p <= '9')
		v = v * 10 + (u64)(*p - '0');
	return v;
}

static void fuzz_legacy(const u8 *ctl, const u8 *data, size_t len)
{
	const char *dst = ctl[0] & MODE_IPV6 ? dst6 : dst4;
	size_t cap = len + 2 * NSR_LEGACY_DIGEST_MAX + 1;
	u8 *pkt = malloc(cap);
	struct nsr_legacy_request req = { 0 };
	u64 last;
	unsigned long hashes;
	enum nsr_verdict v;
	atomic64_t st;
	size_t n;

	if (!pkt)
		return;
	n = ctl[0] & MODE_RESIGN ? resign_legacy(ctl, data, len, pkt, dst) :
				   (memcpy(pkt, data, len), len);
	/* Exact-size copy so ASan sees any read past the end. */
	pkt = realloc(pkt, n ? n : 1);
	last = seqno_of(pkt, n) - (u64)s16_at(ctl + 4);
	atomic64_set(&st, (s64)last);
	hashes = nsr_hash_calls;
	v = nsr_verify_legacy(pkt, n, dst, strlen(dst), legacy_key, &st, &req);

	check(v < NSR_VERDICT_COUNT);
	check(v == NSR_ACCEPTED || (u64)atomic64_read(&st) == last);
	if (v != NSR_BAD_MAC && v != NSR_ACCEPTED)
		check(nsr_hash_calls == hashes);
	if (ctl[0] & MODE_RESIGN)
		check(v != NSR_BAD_MAC);
	if (v == NSR_ACCEPTED) {
		check(req.keys == pkt && req.nkeys > 0 && req.nkeys < n);
		check((u64)atomic64_read(&st) == req.seqno);
		v = nsr_verify_legacy(pkt, n, dst, strlen(dst), legacy_key,
				      &st, &req);
		check(v == NSR_REPLAY);
	}
	free(pkt);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 ctl[CTL_LEN], *pkt;

	if (!server_keys) {
		server_keys = nsr_keys_one(NSR_PASSWORD_KEY_ID, test_key);
		check(server_keys &&
		      !nsr_keys_add(server_keys, SERVER_KEY_ID, server_key));
		legacy_key = nsr_legacy_key_new(test_password,
						strlen(test_password));
		check(legacy_key);
	}
	if (size < CTL_LEN)
		return 0;
	memcpy(ctl, data, CTL_LEN);
	data += CTL_LEN;
	size -= CTL_LEN;
	if (ctl[0] & MODE_LEGACY) {
		fuzz_legacy(ctl, data, size);
		return 0;
	}
	pkt = malloc(size ? size : 1);	/* exact size, writable for re-sign */
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	fuzz_request(ctl, pkt, size);
	free(pkt);
	return 0;
}
