/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending: a reply (ack, refusal, clock answer, output message) from a
 * request's destination back to its source.
 */
#ifndef NSR_REPLY_H
#define NSR_REPLY_H

#include <linux/netfilter/x_tables.h>
#include "nsr_payload.h"

/*
 * Where a reply goes and how it is routed, kept apart from the request's
 * skb: output messages leave from a timer. Whoever keeps one past the
 * packet holds a reference on @net.
 */
struct nsr_dest {
	struct net *net;
	struct in6_addr saddr;	/* the request's source: the reply's dest */
	struct in6_addr daddr;	/* the request's destination */
	__be16 sport;
	__be16 dport;
	u32 mark;		/* the reply's mark (fwmark_reflect) */
	int oif;		/* a link-local IPv6 source's interface */
	u8 family;		/* NFPROTO_IPV4 (addresses mapped) or _IPV6 */
};

/* Fill @d for answering @p, received as @skb by the rule @par. */
void nsr_dest_of(struct nsr_dest *d, const struct sk_buff *skb,
		 const struct xt_action_param *par, const struct nsr_pkt *p);

/* Send @msg to @d (GFP_ATOMIC); false (and counted) if it could not be
 * routed, built or sent. Any context but hard IRQ. */
bool nsr_send(const struct nsr_dest *d, const u8 *msg, size_t len);

/* Send @msg from @p's destination back to its source, as nsr_send(). */
bool nsr_reply(const struct sk_buff *skb, const struct xt_action_param *par,
	       const struct nsr_pkt *p, const u8 *msg, size_t len);

#endif /* NSR_REPLY_H */
