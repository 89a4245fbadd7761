// SPDX-License-Identifier: GPL-2.0
/*
 * Building output messages (docs/PROTOCOL.md, "Output (type 6)"). No skb,
 * no allocation, no globals: the session (nsr_output.c) owns the buffers;
 * the crypto comes from the environment (nsr_output_msg.h).
 *
 * Nonces never repeat: O is new for every accepted request (its bytes
 * 8..24, boot id and time, are unique to it: PROTOCOL.md's argument), and
 * within one request each index is sealed once.
 */
#include "nsr_output_msg.h"

void nsr_output_seal_init(struct nsr_output_seal *seal,
			  const struct nsr_mac_key *key,
			  const u8 addr[NSR_ADDR_LEN], const u8 *request)
{
	u8 in[NSR_LABEL_LEN + NSR_ADDR_LEN + NSR_OUT_REQUEST_HEAD];
	u8 *head = seal->head;

	memcpy(in, NSR_LABEL_OUTPUT, NSR_LABEL_LEN);	/* with its NUL */
	memcpy(in + NSR_LABEL_LEN, addr, NSR_ADDR_LEN);
	memcpy(in + NSR_LABEL_LEN + NSR_ADDR_LEN, request,
	       NSR_OUT_REQUEST_HEAD);
	nsr_hmac_full(key, in, sizeof(in), seal->key);

	head[NSR_OFF_MAGIC] = NSR_MAGIC_0;
	head[NSR_OFF_MAGIC + 1] = NSR_MAGIC_1;
	head[NSR_OFF_MAGIC + 2] = NSR_MAGIC_2;
	head[NSR_OFF_MAGIC + 3] = NSR_MAGIC_3;
	head[NSR_OFF_VERSION] = NSR_VERSION;
	head[NSR_OFF_TYPE] = NSR_TYPE_OUTPUT;
	head[NSR_OFF_FLAGS] = 0;
	head[NSR_OFF_COUNT] = 0;
	memcpy(head + NSR_OUT_OFF_ID, request + NSR_OUT_OFF_ID,
	       NSR_OUT_ID_LEN);
	memzero_explicit(in, sizeof(in));
}

void nsr_output_seal_wipe(struct nsr_output_seal *seal)
{
	memzero_explicit(seal, sizeof(*seal));
}

/* TRUNCATED and UNFINISHED only on the last message; nothing unknown. */
static bool nsr_output_flags_ok(u8 flags)
{
	const u8 known = NSR_OUT_FLAG_LAST | NSR_OUT_FLAG_TRUNCATED |
			 NSR_OUT_FLAG_UNFINISHED;

	if (flags & ~known)
		return false;
	return (flags & NSR_OUT_FLAG_LAST) || !(flags & ~NSR_OUT_FLAG_LAST);
}

size_t nsr_output_build(u8 *buf, const struct nsr_output_seal *seal,
			u16 index, u8 flags, const u8 *text, size_t m)
{
	if (m > NSR_OUT_TEXT_MAX || !nsr_output_flags_ok(flags))
		return 0;
	memcpy(buf, seal->head, NSR_OUT_OFF_INDEX);
	buf[NSR_OFF_FLAGS] = flags;
	buf[NSR_OUT_OFF_INDEX] = (u8)(index >> 8);
	buf[NSR_OUT_OFF_INDEX + 1] = (u8)index;
	/* AD: bytes 0..42, so header, request id and index are bound too. */
	nsr_aead_seal(buf + NSR_OUT_OFF_TEXT, text, m, buf, NSR_OUT_OFF_TEXT,
		      index, seal->key);
	return NSR_OUT_FIXED_LEN + m;
}
