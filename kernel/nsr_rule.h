/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which rules the SYSRQ target accepts (checkentry) and what a rule's
 * removal releases (destroy).
 */
#ifndef NSR_RULE_H
#define NSR_RULE_H

#include <linux/netfilter/x_tables.h>

int nsr_rule_check(const struct xt_tgchk_param *par);
void nsr_rule_destroy(const struct xt_tgdtor_param *par);

#endif /* NSR_RULE_H */
