/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The SYSRQ target's per-rule options, shared by the kernel module and the
 * iptables extension (libxt_SYSRQ.c). Fixed size, no pointers, no padding
 * the compiler chooses: the same 16 bytes on every architecture.
 */
#ifndef _XT_SYSRQ_H
#define _XT_SYSRQ_H

#include <linux/types.h>

/* Revision 0 is xtables-addons' SYSRQ, which has no options. */
#define XT_SYSRQ_REVISION	1

#define XT_SYSRQ_LEGACY		0x01	/* also the text format */
#define XT_SYSRQ_NO_ACK		0x02	/* no ack, no refusal */
#define XT_SYSRQ_FLAGS		(XT_SYSRQ_LEGACY | XT_SYSRQ_NO_ACK)

/* Keys are the printable ASCII characters 0x21..0x7e: 94 of them. */
#define XT_SYSRQ_KEY_MIN	0x21
#define XT_SYSRQ_KEY_MAX	0x7e
#define XT_SYSRQ_NKEYS		(XT_SYSRQ_KEY_MAX - XT_SYSRQ_KEY_MIN + 1)
#define XT_SYSRQ_KEYSET_LEN	12	/* 96 bits; the top two stay 0 */

struct xt_sysrq_tginfo {
	/* Key k is allowed when bit (k - 0x21) is set: byte (k - 0x21) / 8,
	 * bit (k - 0x21) % 8, least significant first. */
	__u8 keyset[XT_SYSRQ_KEYSET_LEN];
	__u8 flags;		/* XT_SYSRQ_* */
	__u8 reserved[3];	/* zero */
};

static inline int xt_sysrq_key_allowed(const struct xt_sysrq_tginfo *info,
				       unsigned int key)
{
	unsigned int bit = key - XT_SYSRQ_KEY_MIN;

	if (key < XT_SYSRQ_KEY_MIN || key > XT_SYSRQ_KEY_MAX)
		return 0;
	return (info->keyset[bit / 8] >> (bit % 8)) & 1;
}

#endif /* _XT_SYSRQ_H */
