// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel.sysrq check for the ack's status bytes.
 *
 * handle_sysrq() applies the kernel.sysrq mask itself but says nothing
 * back, and the kernel does not export which SYSRQ_ENABLE_* bit a key
 * needs (its key table is static in drivers/tty/sysrq.c). So this file
 * mirrors that table (6.1 and 6.12 agree on it), reads the mask with the
 * exported sysrq_mask(), and does not call handle_sysrq() for a key it
 * judges refused; handle_sysrq() still checks the mask too.
 *
 * - A handler that declares no bit (q; d with lockdep; g, v and any other
 *   key a driver may register) runs only with kernel.sysrq = 1; unknown
 *   keys are judged that way too, which may refuse a key the kernel would
 *   have run, never the reverse.
 * - A key with no handler (h, punctuation, handlers compiled out of this
 *   kernel) prints the help text, which the kernel does whatever the mask
 *   is, unless kernel.sysrq = 0: then handle_sysrq() does nothing at all.
 */
#include <linux/sysrq.h>
#include "nsr_stats.h"
#include "nsr_sysrq.h"

#define NSR_SYSRQ_ALL		1	/* kernel.sysrq = 1: everything */
#define NSR_SYSRQ_ALL_ONLY	0	/* a handler that declares no bit */
#define NSR_SYSRQ_HELP		(-1)	/* no handler: prints help */

/* A handler compiled in only with @config: without it, the help text. */
#define NSR_IF(config, bit)	(IS_ENABLED(config) ? (bit) : NSR_SYSRQ_HELP)

/* The enable bit each key's handler declares in drivers/tty/sysrq.c. */
static int nsr_key_enable_bit(u8 key)
{
	if (key >= '0' && key <= '9')
		return SYSRQ_ENABLE_LOG;	/* console log level */
	switch (key) {
	case 'b':	/* reboot */
	case 'o':	/* power off (kernel/power/poweroff.c) */
		return SYSRQ_ENABLE_BOOT;
	case 'c':	/* crash */
	case 'm':	/* show memory */
	case 'p':	/* show registers */
	case 't':	/* show tasks */
	case 'w':	/* show blocked tasks */
		return SYSRQ_ENABLE_DUMP;
	case 'l':	/* backtrace all CPUs */
		return NSR_IF(CONFIG_SMP, SYSRQ_ENABLE_DUMP);
	case 'z':	/* dump ftrace buffer */
		return NSR_IF(CONFIG_TRACING, SYSRQ_ENABLE_DUMP);
	case 'd':	/* show locks */
		return NSR_IF(CONFIG_LOCKDEP, NSR_SYSRQ_ALL_ONLY);
	case 'q':	/* show timers */
		return NSR_SYSRQ_ALL_ONLY;
	case 'e':	/* SIGTERM all */
	case 'f':	/* OOM kill */
	case 'i':	/* SIGKILL all */
		return SYSRQ_ENABLE_SIGNAL;
	case 'j':	/* thaw filesystems */
		return NSR_IF(CONFIG_BLOCK, SYSRQ_ENABLE_SIGNAL);
	case 'k':	/* SAK */
	case 'r':	/* keyboard raw mode off */
		return NSR_IF(CONFIG_VT, SYSRQ_ENABLE_KEYBOARD);
	case 'n':	/* RT tasks to normal */
		return SYSRQ_ENABLE_RTNICE;
	case 's':
		return SYSRQ_ENABLE_SYNC;
	case 'u':
		return SYSRQ_ENABLE_REMOUNT;
	case 'h':	/* reserved for help */
		return NSR_SYSRQ_HELP;
	}
	if ((key >= 'a' && key <= 'z') || (key >= 'A' && key <= 'Z'))
		return NSR_SYSRQ_ALL_ONLY;	/* a driver may register it */
	return NSR_SYSRQ_HELP;	/* outside the kernel's table */
}

static bool nsr_sysctl_allows(int mask, u8 key)
{
	int bit = nsr_key_enable_bit(key);

	if (!mask)
		return false;	/* handle_sysrq() ignores every key */
	return mask == NSR_SYSRQ_ALL || bit == NSR_SYSRQ_HELP ||
	       (mask & bit);
}

/* The NSR_STATUS_* of @key under the rule @info and the mask @mask. */
static u8 nsr_key_status(const struct xt_sysrq_tginfo *info, int mask,
			 u8 key)
{
	if (!xt_sysrq_key_allowed(info, key))
		return NSR_STATUS_REFUSED_RULE;
	if (!nsr_sysctl_allows(mask, key))
		return NSR_STATUS_REFUSED_SYSCTL;
	return NSR_STATUS_EXECUTED;
}

bool nsr_sysrq_allowed(u8 key)
{
	return nsr_sysctl_allows(sysrq_mask(), key);
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
