/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which requested keys may run (the rule's key set, the kernel.sysrq mask),
 * and running them.
 */
#ifndef NSR_SYSRQ_H
#define NSR_SYSRQ_H

#include "nsr_proto.h"
#include "xt_SYSRQ.h"

/* The status of each of @n keys, with kernel.sysrq read once. */
void nsr_judge_keys(const struct xt_sysrq_tginfo *info, const u8 *keys,
		    size_t n, u8 *status);

/* Whether kernel.sysrq lets handle_sysrq() run @key now. */
bool nsr_sysrq_allowed(u8 key);

/* Run the keys whose status is NSR_STATUS_EXECUTED, in order. */
void nsr_run_keys(const u8 *keys, const u8 *status, size_t n);

#endif /* NSR_SYSRQ_H */
