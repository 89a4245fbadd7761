/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The skb side of the target: find a request's UDP payload safely, and
 * send a reply to where it came from. Everything between is pure bytes.
 */
#ifndef NSR_SKB_H
#define NSR_SKB_H

#include <linux/netfilter/x_tables.h>
#include <linux/in6.h>
#include "nsr_stats.h"

/* One received datagram; IPv4 addresses are stored IPv4-mapped. */
struct nsr_pkt {
	struct in6_addr saddr;
	struct in6_addr daddr;	/* the protocol's address A */
	__be16 sport;
	__be16 dport;
	const u8 *data;		/* the payload, in the skb or copied */
	size_t len;
};

/*
 * Fill @p from the UDP datagram @skb, copying the payload into @buf
 * (@buflen bytes) only if the skb is not linear there. Returns false, with
 * the reason in @why, for fragments, a UDP length other than the packet's,
 * a payload longer than @buflen, or broadcast and multicast addresses.
 */
bool nsr_udp_payload(const struct sk_buff *skb, u8 family, struct nsr_pkt *p,
		     u8 *buf, size_t buflen, enum nsr_event *why);

/* Send @msg from @p's destination back to its source (GFP_ATOMIC);
 * false (and counted) if it could not be routed, built or sent. */
bool nsr_reply(const struct sk_buff *skb, const struct xt_action_param *par,
	       const struct nsr_pkt *p, const u8 *msg, size_t len);

#endif /* NSR_SKB_H */
