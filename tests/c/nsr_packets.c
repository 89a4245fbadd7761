// SPDX-License-Identifier: GPL-2.0
/* Test packets for the C harness; see nsr_packets.h. */
#include "nsr_packets.h"

static void judge_all(const void *ctx, const u8 *keys, unsigned int n,
		      u8 *status)
{
	(void)ctx;
	(void)keys;
	memset(status, NSR_STATUS_EXECUTED, n);
}

const struct nsr_judge nsr_judge_all = { .fn = judge_all };

static const u8 zero_addr[NSR_ADDR_LEN];

const u8 *nsr_test_addr(const struct nsr_test_key *key,
			const u8 dst[NSR_ADDR_LEN])
{
	return key->id == NSR_PASSWORD_KEY_ID ? dst : zero_addr;
}

size_t nsr_test_seal(u8 *p, const char *label, const struct nsr_mac_key *key,
		     const u8 addr[NSR_ADDR_LEN], size_t len)
{
	nsr_mac(key, (const u8 *)label, addr, p, len - NSR_TAG_LEN,
		p + len - NSR_TAG_LEN);
	return len;
}

static void header(u8 *p, u8 type, u8 flags, u8 count, u32 key_id)
{
	memcpy(p, "NSRQ", 4);
	p[NSR_OFF_VERSION] = NSR_VERSION;
	p[NSR_OFF_TYPE] = type;
	p[NSR_OFF_FLAGS] = flags;
	p[NSR_OFF_COUNT] = count;
	put_unaligned_be32(key_id, p + NSR_OFF_KEY_ID);
}

size_t nsr_test_request(u8 *p, const struct nsr_test_key *key,
			const u8 dst[NSR_ADDR_LEN],
			const u8 boot_id[NSR_BOOT_ID_LEN], u64 ts, u8 seed,
			const char *keys, bool ack_wanted)
{
	size_t n = strlen(keys);

	memset(p, 0, NSR_MAX_MSG_LEN);
	header(p, NSR_TYPE_REQUEST, ack_wanted ? NSR_FLAG_ACK_WANTED : 0,
	       (u8)n, key->id);
	memcpy(p + NSR_OFF_BOOT, boot_id, NSR_BOOT_ID_LEN);
	put_unaligned_be64(ts, p + NSR_OFF_TIME);
	memset(p + NSR_OFF_NONCE, seed, NSR_NONCE_LEN);
	memcpy(p + NSR_OFF_KEYS, keys, n);
	return nsr_test_seal(p, NSR_LABEL_REQUEST, key->mac,
			     nsr_test_addr(key, dst), NSR_FIXED_LEN + n);
}

size_t nsr_test_probe(u8 *p, const struct nsr_test_key *key,
		      const u8 dst[NSR_ADDR_LEN], u8 seed, bool info)
{
	u8 n = info ? NSR_INFO_LEN : 0;

	memset(p, 0, NSR_MAX_MSG_LEN);
	header(p, NSR_TYPE_PROBE, 0, n, key->id);
	memset(p + NSR_OFF_NONCE, seed, NSR_NONCE_LEN);
	return nsr_test_seal(p, NSR_LABEL_PROBE, key->mac,
			     nsr_test_addr(key, dst), NSR_FIXED_LEN + n);
}
