/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The facts an info probe's answer carries (docs/PROTOCOL.md, "Clock
 * answer"): what `send_sysrq --check` reports without running a key.
 */
#ifndef NSR_INFO_H
#define NSR_INFO_H

#include "nsr_proto.h"
#include "xt_SYSRQ.h"

/* Offsets and bits within the NSR_INFO_LEN bytes. */
#define NSR_INFO_OFF_VERSION	0	/* major, minor, patch */
#define NSR_INFO_OFF_CAPS	3
#define NSR_INFO_OFF_SYSRQ	4	/* u16 BE: kernel.sysrq */
#define NSR_INFO_OFF_TOLERANCE	6	/* u16 BE: seconds, 65535 at most */
#define NSR_INFO_OFF_RULE_KEYS	8	/* the rule's key set, 12 bytes */
#define NSR_INFO_CAP_NO_ACK	0x01
#define NSR_INFO_CAP_LEGACY	0x02
#define NSR_INFO_CAP_OUTPUT	0x04	/* this kernel has the AEAD, output_max > 0 */
#define NSR_INFO_CAP_SAFE_REBOOT 0x08

/* The facts for a probe that reached rule @info, tolerance @tolerance_s. */
void nsr_info_build(u8 out[NSR_INFO_LEN], const struct xt_sysrq_tginfo *info,
		    unsigned int tolerance_s);

#endif /* NSR_INFO_H */
