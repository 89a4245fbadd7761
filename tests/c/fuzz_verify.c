// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over nsr_verify_request() and nsr_verify_legacy(), built
 * with AddressSanitizer and UBSan (make -C tests/c fuzz). Besides memory
 * errors it traps on any broken promise of the ladder: a verdict out of
 * range, a hash for a cheap rejection, state moved by a refused packet, a
 * reply larger than its request, a re-signed packet failing its MAC, or a
 * packet accepted twice.
 *
 * Input: an 8-byte control header, then the packet.
 *   [0] mode: bit 0 legacy; bit 1 re-sign (valid tag or digest); bit 2
 *       legacy SHA-256; bit 3 legacy trailing "\n"; bit 4 IPv6 address
 *   [1] refusal tokens (0..7; the bucket holds at most 5)
 *   [2..3] now - timestamp, s16, in units of 64 ms
 *   [4..5] timestamp - last accepted, s16 (legacy: seqno - last seqno)
 *   [6..7] tolerance in units of 64 ms
 * Times are relative to the packet's own timestamp so that the fuzzer
 * reaches every time rung, including wrap-around near 0 and 2^64.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsr_openssl.h"

#define CTL_LEN		8
#define MODE_LEGACY	0x01
#define MODE_RESIGN	0x02
#define MODE_SHA256	0x04
#define MODE_NEWLINE	0x08
#define MODE_IPV6	0x10
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
static const char test_password[] = "fuzzing password, not a secret";
static const u8 addr4[NSR_ADDR_LEN] = {
	[10] = 0xff, [11] = 0xff, 192, 0, 2, 7
};
static const u8 addr6[NSR_ADDR_LEN] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const char dst4[] = "192.0.2.7";
static const char dst6[] = "2001:0db8:0000:0000:0000:0000:0000:0007";

static struct nsr_mac_key *mac_key;
static struct nsr_legacy_key *legacy_key;

static s64 s16_at(const u8 *p)
{
	return (int16_t)(p[0] << 8 | p[1]);
}

static bool is_cheap(enum nsr_verdict v)
{
	return v >= NSR_NO_PASSWORD && v <= NSR_BAD_KEY_CHAR;
}

static void fuzz_request(const u8 *ctl, u8 *pkt, size_t len)
{
	const u8 *addr = ctl[0] & MODE_IPV6 ? addr6 : addr4;
	u64 ts = len >= 16 ? get_unaligned_be64(pkt + NSR_OFF_TIME) : 0;
	u64 now = ts + (u64)(s16_at(ctl + 2) * 64);
	const struct nsr_clock when = {
		.now = now,
		.tolerance = (u64)(ctl[6] << 8 | ctl[7]) * 64,
		.mono = MONO_MS,
	};
	u64 last = ts - (u64)s16_at(ctl + 4);
	unsigned int tokens;
	unsigned long hashes = nsr_hash_calls;
	u8 reply[NSR_MAX_MSG_LEN], status[NSR_MAX_KEYS] = { 0 };
	struct nsr_request req;
	struct nsr_state st;
	enum nsr_verdict v;

	if (ctl[0] & MODE_RESIGN && len >= NSR_TAG_LEN)
		nsr_mac(mac_key, (const u8 *)NSR_LABEL_REQUEST, addr, pkt,
			len - NSR_TAG_LEN, pkt + len - NSR_TAG_LEN);
	hashes = nsr_hash_calls;
	atomic64_set(&st.last_accepted, (s64)last);
	nsr_bucket_init(&st.refusals, ctl[1] & 7, MONO_MS);
	tokens = nsr_bucket_tokens(&st.refusals, MONO_MS);	/* at most 5 */
	v = nsr_verify_request(pkt, len, addr, mac_key, &when, &st, &req);

	check(v < NSR_VERDICT_COUNT && v != NSR_BAD_FORMAT);
	check(v == NSR_ACCEPTED ?
	      (u64)atomic64_read(&st.last_accepted) == ts && ts > last :
	      (u64)atomic64_read(&st.last_accepted) == last);
	if (is_cheap(v) || v == NSR_STALE || v == NSR_FUTURE ||
	    v == NSR_REPLAY)
		check(nsr_hash_calls == hashes);
	if (nsr_bucket_tokens(&st.refusals, MONO_MS) != tokens)
		check(tokens > 0 &&
		      nsr_bucket_tokens(&st.refusals, MONO_MS) == tokens - 1 &&
		      (v == NSR_BAD_MAC || v >= NSR_REFUSED_STALE));
	if (ctl[0] & MODE_RESIGN)
		check(v != NSR_BAD_MAC);
	if (v >= NSR_REFUSED_STALE && v <= NSR_REFUSED_REPLAY)
		check(nsr_build_refusal(reply, &req, NSR_REASON_STALE, now,
					addr, mac_key) <= len);
	if (v != NSR_ACCEPTED)
		return;
	check(nsr_build_ack(reply, &req, status, addr, mac_key) == len);
	/* The same packet again, with budget to spare: never accepted. */
	nsr_bucket_init(&st.refusals, 1, MONO_MS);
	v = nsr_verify_request(pkt, len, addr, mac_key, &when, &st, &req);
	check(v == NSR_REPLAY || v == NSR_REFUSED_REPLAY);
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

	if (!mac_key) {
		mac_key = nsr_mac_key_new(test_key);
		legacy_key = nsr_legacy_key_new(test_password,
						strlen(test_password));
		check(mac_key && legacy_key);
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
