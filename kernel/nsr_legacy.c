// SPDX-License-Identifier: GPL-2.0
/*
 * The xtables-addons text format, "<keys>,<seqno>,<salt>,<hexdigest>", as
 * one pure function (docs/PROTOCOL.md, "Legacy format"). Unlike the module
 * it replaces, it compares the whole digest in constant time and keeps its
 * sequence number with a compare-and-exchange.
 */
#include "nsr_verify.h"

/* The offsets of the first three commas: where the four fields end. */
static bool nsr_find_commas(const u8 *pkt, size_t len, size_t comma[3])
{
	size_t pos = 0;
	int i;

	for (i = 0; i < 3; i++) {
		const u8 *c = memchr(pkt + pos, ',', len - pos);

		if (!c)
			return false;
		comma[i] = (size_t)(c - pkt);
		pos = comma[i] + 1;
	}
	return true;
}

/* Decimal digits only, at least one, no overflow of u64. */
static bool nsr_parse_seqno(const u8 *s, size_t n, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned int d = s[i] - '0';

		if (d > 9 || v > (~0ULL - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int nsr_hex_nibble(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lowercase hex only: one spelling per digest, as xtables-addons sends. */
static bool nsr_parse_hex(const u8 *s, size_t n, u8 *out)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		int hi = nsr_hex_nibble(s[2 * i]);
		int lo = nsr_hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (u8)(hi << 4 | lo);
	}
	return true;
}

static bool nsr_legacy_digest_ok(const u8 *pkt, const u8 *want,
				 size_t want_len, size_t prefix_len,
				 const char *dst, size_t dst_len,
				 const struct nsr_legacy_key *key)
{
	u8 got[NSR_LEGACY_DIGEST_MAX];
	bool ok;

	ok = nsr_legacy_digest(key, want_len == NSR_LEGACY_DIGEST_MAX, pkt,
			       prefix_len, dst, dst_len, got) == 0 &&
	     !crypto_memneq(got, want, want_len);
	memzero_explicit(got, sizeof(got));
	return ok;
}

/* The fields of a well-formed legacy request. */
struct nsr_legacy_fields {
	size_t comma[3];	/* where the first three fields end */
	u64 seqno;
	u8 want[NSR_LEGACY_DIGEST_MAX];
	size_t hex_len;
};

/* Rungs 2 and 3: the shape, without the password. */
static enum nsr_verdict nsr_legacy_parse(const u8 *pkt, size_t len,
					 struct nsr_legacy_fields *f)
{
	size_t *comma = f->comma;

	if (len > NSR_LEGACY_MAX_LEN)
		return NSR_BAD_LENGTH;
	if (len && pkt[len - 1] == '\n')
		len--;
	/* 1 to 16 keys, as in v2: one request must not run hundreds. */
	if (!nsr_find_commas(pkt, len, comma) || comma[0] == 0 ||
	    comma[0] > NSR_MAX_KEYS)
		return NSR_BAD_FORMAT;
	if (!nsr_parse_seqno(pkt + comma[0] + 1,
			     comma[1] - comma[0] - 1, &f->seqno))
		return NSR_BAD_FORMAT;
	f->hex_len = len - comma[2] - 1;
	if (f->hex_len != NSR_LEGACY_SHA1_HEX &&
	    f->hex_len != NSR_LEGACY_SHA256_HEX)
		return NSR_BAD_FORMAT;
	if (!nsr_parse_hex(pkt + comma[2] + 1, f->hex_len, f->want))
		return NSR_BAD_FORMAT;
	return NSR_ACCEPTED;
}

bool nsr_legacy_shaped(const u8 *pkt, size_t len)
{
	struct nsr_legacy_fields f;

	return nsr_legacy_parse(pkt, len, &f) == NSR_ACCEPTED;
}

enum nsr_verdict nsr_verify_legacy(const u8 *pkt, size_t len,
				   const char *dst, size_t dst_len,
				   const struct nsr_legacy_key *key,
				   atomic64_t *last_seqno,
				   struct nsr_legacy_request *out)
{
	struct nsr_legacy_fields f;
	enum nsr_verdict v;

	if (!key)
		return NSR_NO_PASSWORD;
	v = nsr_legacy_parse(pkt, len, &f);
	if (v != NSR_ACCEPTED)
		return v;
	if (!nsr_keys_ok(pkt, f.comma[0]))
		return NSR_BAD_KEY_CHAR;
	if (f.seqno <= (u64)atomic64_read(last_seqno))
		return NSR_REPLAY;
	if (!nsr_legacy_digest_ok(pkt, f.want, f.hex_len / 2, f.comma[2] + 1,
				  dst, dst_len, key))
		return NSR_BAD_MAC;
	if (!nsr_advance(last_seqno, f.seqno))
		return NSR_REPLAY;
	out->seqno = f.seqno;
	out->keys = pkt;
	out->nkeys = f.comma[0];
	return NSR_ACCEPTED;
}
