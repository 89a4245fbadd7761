// SPDX-License-Identifier: GPL-2.0
/*
 * Sending a reply (ack, refusal, clock answer or output message), built
 * like nf_reject's: a fresh GFP_ATOMIC skb, routed as an output packet from
 * the request's destination to its source, sent with
 * ip_local_out()/ip6_local_out() so the OUTPUT chain sees it. A route that
 * is not unicast (or local) gets no reply. What routing needs of the
 * request is kept in a struct nsr_dest, so output messages can be sent
 * from a timer long after the request's skb is gone.
 *
 * Replies are untracked by conntrack: a tracked ack would turn the
 * client's flow into an ESTABLISHED one, and with the usual "--ctstate
 * ESTABLISHED,RELATED -j ACCEPT" rule before the SYSRQ rule the client's
 * retry from the same port would then be accepted to the closed port
 * instead of reaching the target.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/xfrm.h>
#include "nsr_reply.h"

/* The UDP header and payload, with the checksum left to the caller. */
static struct udphdr *nsr_put_udp(struct sk_buff *nskb,
				  const struct nsr_dest *d, const u8 *msg,
				  size_t len)
{
	struct udphdr *uh;

	skb_set_transport_header(nskb, nskb->len);
	uh = skb_put(nskb, sizeof(*uh));
	uh->source = d->dport;
	uh->dest = d->sport;
	uh->len = htons(sizeof(*uh) + len);
	uh->check = 0;
	skb_put_data(nskb, msg, len);
	return uh;
}

static struct sk_buff *nsr_alloc_reply(const struct dst_entry *dst,
				       size_t nethdr, size_t len)
{
	unsigned int room = LL_RESERVED_SPACE(dst->dev) + dst->header_len;
	struct sk_buff *nskb;

	nskb = alloc_skb(room + nethdr + sizeof(struct udphdr) + len +
			 dst->trailer_len, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, room);
	nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
	return nskb;
}

static int nsr_reply4(const struct nsr_dest *d, const u8 *msg, size_t len)
{
	struct net *net = d->net;
	struct flowi4 fl4 = {
		.daddr = d->saddr.s6_addr32[3],
		.saddr = d->daddr.s6_addr32[3],
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_mark = d->mark,
		.fl4_sport = d->dport,
		.fl4_dport = d->sport,
	};
	struct sk_buff *nskb;
	struct rtable *rt;
	struct iphdr *iph;
	struct udphdr *uh;
	size_t ulen = sizeof(*uh) + len;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
		ip_rt_put(rt);
		return -EHOSTUNREACH;
	}
	nskb = nsr_alloc_reply(&rt->dst, sizeof(*iph), len);
	if (!nskb) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	skb_dst_set(nskb, &rt->dst);
	nskb->protocol = htons(ETH_P_IP);
	nskb->mark = fl4.flowi4_mark;

	skb_reset_network_header(nskb);
	iph = skb_put_zero(nskb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_UDP;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	/* tot_len and the header checksum: __ip_local_out() sets them. */

	uh = nsr_put_udp(nskb, d, msg, len);
	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ulen,
				      IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return ip_local_out(net, NULL, nskb);
}

static int nsr_reply6(const struct nsr_dest *d, const u8 *msg, size_t len)
{
	struct net *net = d->net;
	struct flowi6 fl6 = {
		.daddr = d->saddr,
		.saddr = d->daddr,
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_mark = d->mark,
		.flowi6_oif = d->oif,
		.fl6_sport = d->dport,
		.fl6_dport = d->sport,
	};
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	size_t ulen = sizeof(*uh) + len;

	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		int err = dst->error;

		dst_release(dst);
		return err;
	}
	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	nskb = nsr_alloc_reply(dst, sizeof(*ip6h), len);
	if (!nskb) {
		dst_release(dst);
		return -ENOMEM;
	}
	skb_dst_set(nskb, dst);
	nskb->protocol = htons(ETH_P_IPV6);
	nskb->mark = fl6.flowi6_mark;

	skb_reset_network_header(nskb);
	ip6h = skb_put_zero(nskb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	/* payload_len: __ip6_local_out() sets it. */

	uh = nsr_put_udp(nskb, d, msg, len);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen,
				    IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return ip6_local_out(net, NULL, nskb);
}

void nsr_dest_of(struct nsr_dest *d, const struct sk_buff *skb,
		 const struct xt_action_param *par, const struct nsr_pkt *p)
{
	const struct net_device *in = xt_in(par);

	d->net = xt_net(par);
	d->family = xt_family(par);
	d->saddr = p->saddr;
	d->daddr = p->daddr;
	d->sport = p->sport;
	d->dport = p->dport;
	d->oif = 0;
	if (d->family == NFPROTO_IPV4) {
		d->mark = IP4_REPLY_MARK(d->net, skb->mark);
		return;
	}
	d->mark = IP6_REPLY_MARK(d->net, skb->mark);
	/* A link-local source is only reachable through its interface. */
	if (__ipv6_addr_needs_scope_id(__ipv6_addr_type(&p->saddr)) && in)
		d->oif = in->ifindex;
}

bool nsr_send(const struct nsr_dest *d, const u8 *msg, size_t len)
{
	int err;

	if (d->family == NFPROTO_IPV4)
		err = nsr_reply4(d, msg, len);
	else
		err = nsr_reply6(d, msg, len);
	/* Congestion (NET_XMIT_CN) still sent it; anything else did not. */
	if (net_xmit_eval(err)) {
		nsr_count_event(NSR_EV_REPLY_FAILED);
		return false;
	}
	return true;
}

bool nsr_reply(const struct sk_buff *skb, const struct xt_action_param *par,
	       const struct nsr_pkt *p, const u8 *msg, size_t len)
{
	struct nsr_dest d;

	nsr_dest_of(&d, skb, par, p);
	return nsr_send(&d, msg, len);
}
