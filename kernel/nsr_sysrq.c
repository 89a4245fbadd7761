// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel.sysrq check for the ack's status bytes.
 *
 * handle_sysrq() applies the kernel.sysrq mask itself but says nothing
 * back, and the kernel does not export which SYSRQ_ENABLE_* bit a key
 * needs (its key table is static in drivers/tty/sysrq.c). So this file
 * mirrors that table for the keys the kernel itself defines (6.1 and 6.12
 * agree on them), reads the mask with the exported sysrq_mask(), and does
 * not call handle_sysrq() for a key it judges refused. Keys another driver
 * may register ('a', 'g', 'v', 'x', 'y', upper case) need the whole mask
 * (kernel.sysrq = 1), as a handler registered without a bit does. 'h' and
 * keys with no handler at all only print the help text, which the kernel
 * does whatever the mask. handle_sysrq() still checks the mask too.
 */
#include <linux/sysrq.h>
#include "nsr_stats.h"
#include "nsr_sysrq.h"

#define NSR_SYSRQ_ALL		1	/* kernel.sysrq = 1: everything */
#define NSR_SYSRQ_HELP		(-1)	/* prints help: never refused */

/* The enable bit each key's handler declares in drivers/tty/sysrq.c. */
static int nsr_key_enable_bit(u8 key)
{
	if (key >= '0' && key <= '9')
		return SYSRQ_ENABLE_LOG;	/* console log level */
	switch (key) {
	case 'b':	/* reboot */
	case 'o':	/* power off */
		return SYSRQ_ENABLE_BOOT;
	case 'c':	/* crash */
	case 'd':	/* show locks */
	case 'l':	/* backtrace all CPUs */
	case 'm':	/* show memory */
	case 'p':	/* show registers */
	case 'q':	/* show timers */
	case 't':	/* show tasks */
	case 'w':	/* show blocked tasks */
	case 'z':	/* dump ftrace buffer */
		return SYSRQ_ENABLE_DUMP;
	case 'e':	/* SIGTERM all */
	case 'f':	/* OOM kill */
	case 'i':	/* SIGKILL all */
	case 'j':	/* thaw filesystems */
		return SYSRQ_ENABLE_SIGNAL;
	case 'k':	/* SAK */
	case 'r':	/* keyboard raw mode off */
		return SYSRQ_ENABLE_KEYBOARD;
	case 'n':	/* RT tasks to normal */
		return SYSRQ_ENABLE_RTNICE;
	case 's':
		return SYSRQ_ENABLE_SYNC;
	case 'u':
		return SYSRQ_ENABLE_REMOUNT;
	case 'h':
		return NSR_SYSRQ_HELP;
	}
	if ((key >= 'a' && key <= 'z') || (key >= 'A' && key <= 'Z'))
		return 0;	/* driver-registered: needs kernel.sysrq = 1 */
	return NSR_SYSRQ_HELP;	/* no handler can exist for it */
}

static bool nsr_sysctl_allows(int mask, u8 key)
{
	int bit = nsr_key_enable_bit(key);

	return bit == NSR_SYSRQ_HELP || mask == NSR_SYSRQ_ALL ||
	       (mask & bit);
}

u8 nsr_key_status(const struct xt_sysrq_tginfo *info, int mask, u8 key)
{
	if (!xt_sysrq_key_allowed(info, key))
		return NSR_STATUS_REFUSED_RULE;
	if (!nsr_sysctl_allows(mask, key))
		return NSR_STATUS_REFUSED_SYSCTL;
	return NSR_STATUS_EXECUTED;
}

void nsr_judge_keys(const struct xt_sysrq_tginfo *info, const u8 *keys,
		    size_t n, u8 *status)
{
	int mask = sysrq_mask();
	size_t i;

	for (i = 0; i < n; i++)
		status[i] = nsr_key_status(info, mask, keys[i]);
}

static void nsr_run_key(u8 key, u8 status)
{
	switch (status) {
	case NSR_STATUS_EXECUTED:
		nsr_count_event(NSR_EV_KEY_EXECUTED);
		handle_sysrq(key);
		break;
	case NSR_STATUS_REFUSED_RULE:
		nsr_count_event(NSR_EV_KEY_REFUSED_RULE);
		break;
	default:
		nsr_count_event(NSR_EV_KEY_REFUSED_SYSCTL);
		break;
	}
}

void nsr_run_keys(const u8 *keys, const u8 *status, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		nsr_run_key(keys[i], status[i]);
}

void nsr_judge_and_run(const struct xt_sysrq_tginfo *info, const u8 *keys,
		       size_t n)
{
	int mask = sysrq_mask();
	size_t i;

	for (i = 0; i < n; i++)
		nsr_run_key(keys[i], nsr_key_status(info, mask, keys[i]));
}
