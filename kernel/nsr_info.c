// SPDX-License-Identifier: GPL-2.0
/*
 * The info probe's facts: the module's version, the rule's options, the
 * kernel.sysrq mask, the past window and the rule's key set, read when the
 * probe is answered (so a changed sysctl shows at once). Nothing secret:
 * only a key holder gets the answer, and it says nothing about keys.
 */
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/sysrq.h>
#include "nsr_compat.h"
#include "nsr_info.h"
#include "nsr_output.h"
#include "nsr_version.h"

void nsr_info_build(u8 out[NSR_INFO_LEN], const struct xt_sysrq_tginfo *info,
		    unsigned int tolerance_s)
{
	u8 caps = 0;

	BUILD_BUG_ON(NSR_INFO_OFF_RULE_KEYS + XT_SYSRQ_KEYSET_LEN >
		     NSR_INFO_LEN);
	memset(out, 0, NSR_INFO_LEN);
	out[NSR_INFO_OFF_VERSION] = NSR_MODULE_VERSION_MAJOR;
	out[NSR_INFO_OFF_VERSION + 1] = NSR_MODULE_VERSION_MINOR;
	out[NSR_INFO_OFF_VERSION + 2] = NSR_MODULE_VERSION_PATCH;
	if (info->flags & XT_SYSRQ_NO_ACK)
		caps |= NSR_INFO_CAP_NO_ACK;
	if (info->flags & XT_SYSRQ_LEGACY)
		caps |= NSR_INFO_CAP_LEGACY;
	/* A rule that answers nothing sends no output either. */
	if (nsr_output_capable() && !(info->flags & XT_SYSRQ_NO_ACK))
		caps |= NSR_INFO_CAP_OUTPUT;
	caps |= NSR_INFO_CAP_SAFE_REBOOT;	/* every rule: nsr_rescue.c */
	out[NSR_INFO_OFF_CAPS] = caps;
	put_unaligned_be16((u16)clamp(sysrq_mask(), 0, 0xffff),
			   out + NSR_INFO_OFF_SYSRQ);
	put_unaligned_be16((u16)min(tolerance_s, 0xffffu),
			   out + NSR_INFO_OFF_TOLERANCE);
	memcpy(out + NSR_INFO_OFF_RULE_KEYS, info->keyset,
	       XT_SYSRQ_KEYSET_LEN);
}
