/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending: a reply (ack or refusal) from a request's destination back to
 * its source.
 */
#ifndef NSR_REPLY_H
#define NSR_REPLY_H

#include <linux/netfilter/x_tables.h>
#include "nsr_payload.h"

/* Send @msg from @p's destination back to its source (GFP_ATOMIC);
 * false (and counted) if it could not be routed, built or sent. */
bool nsr_reply(const struct sk_buff *skb, const struct xt_action_param *par,
	       const struct nsr_pkt *p, const u8 *msg, size_t len);

#endif /* NSR_REPLY_H */
