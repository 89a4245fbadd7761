// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the payload: the target runs in LOCAL_IN, where skb->data is the
 * network header and the IP layer has trimmed the skb to the IP length.
 * The payload is read with skb_header_pointer() into the caller's stack
 * buffer, so a non-linear skb is never linearized. IPv4 datagrams arrive
 * here already reassembled (ip_local_deliver() defragments before the
 * hook), often as a non-linear skb; IPv6 fragments arrive as they are
 * (unless conntrack's defrag ran) and are refused: a request is at most
 * 64 bytes and never needs fragmenting.
 *
 * Replies are built like nf_reject's: a fresh GFP_ATOMIC skb, routed as an
 * output packet from the request's destination to its source, sent with
 * ip_local_out()/ip6_local_out() so the OUTPUT chain sees it. A route that
 * is not unicast (or local) gets no reply.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/xfrm.h>
#include "nsr_skb.h"

/* IPv4: not a fragment, to a local unicast address, from a unicast one. */
static bool nsr_find_udp4(const struct sk_buff *skb, struct nsr_pkt *p,
			  unsigned int *thoff, enum nsr_event *why)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct rtable *rt = skb_rtable(skb);

	if (ip_is_fragment(iph)) {
		*why = NSR_EV_FRAGMENT;
		return false;
	}
	if (!rt || rt->rt_type != RTN_LOCAL || ipv4_is_multicast(iph->saddr) ||
	    ipv4_is_lbcast(iph->saddr) || ipv4_is_zeronet(iph->saddr)) {
		*why = NSR_EV_NOT_UNICAST;
		return false;
	}
	if (iph->protocol != IPPROTO_UDP) {
		*why = NSR_EV_MALFORMED;
		return false;
	}
	ipv6_addr_set_v4mapped(iph->saddr, &p->saddr);
	ipv6_addr_set_v4mapped(iph->daddr, &p->daddr);
	*thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	return true;
}

/* IPv6: the UDP header past any extension headers, and no Fragment one. */
static bool nsr_find_udp6(const struct sk_buff *skb, struct nsr_pkt *p,
			  unsigned int *thoff, enum nsr_event *why)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	int flags = 0;
	bool found;

	if ((ipv6_addr_type(&ip6h->daddr) & IPV6_ADDR_MULTICAST) ||
	    (ipv6_addr_type(&ip6h->saddr) &
	     (IPV6_ADDR_MULTICAST | IPV6_ADDR_ANY))) {
		*why = NSR_EV_NOT_UNICAST;
		return false;
	}
	/*
	 * One of our own addresses as the source of a packet from outside is
	 * spoofed (IPv4's source validation drops those before INPUT; IPv6
	 * has none): never let a refusal or an ack go to a local socket.
	 */
	if (!(skb->dev->flags & IFF_LOOPBACK) &&
	    ipv6_chk_addr(dev_net(skb->dev), &ip6h->saddr, NULL, 0)) {
		*why = NSR_EV_NOT_UNICAST;
		return false;
	}
	*thoff = 0;
	found = ipv6_find_hdr(skb, thoff, IPPROTO_UDP, NULL, &flags) >= 0;
	/* Set for any fragment, first or later, found or not. */
	if (flags & IP6_FH_F_FRAG) {
		*why = NSR_EV_FRAGMENT;
		return false;
	}
	if (!found) {
		*why = NSR_EV_MALFORMED;
		return false;
	}
	p->saddr = ip6h->saddr;
	p->daddr = ip6h->daddr;
	return true;
}

bool nsr_udp_payload(const struct sk_buff *skb, u8 family, struct nsr_pkt *p,
		     u8 *buf, size_t buflen, enum nsr_event *why)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	unsigned int thoff, ulen;
	bool found;

	if (family == NFPROTO_IPV4)
		found = nsr_find_udp4(skb, p, &thoff, why);
	else
		found = nsr_find_udp6(skb, p, &thoff, why);
	if (!found)
		return false;

	*why = NSR_EV_MALFORMED;
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		return false;
	ulen = ntohs(uh->len);
	/* The UDP length must say exactly what the IP layer delivered. */
	if (ulen < sizeof(*uh) || thoff + ulen != skb->len)
		return false;
	p->sport = uh->source;
	p->dport = uh->dest;
	p->len = ulen - sizeof(*uh);
	if (p->len > buflen) {
		*why = NSR_EV_OVERSIZE;
		return false;
	}
	p->data = skb_header_pointer(skb, thoff + sizeof(*uh), p->len, buf);
	return p->data;
}

/* The UDP header and payload, with the checksum left to the caller. */
static struct udphdr *nsr_put_udp(struct sk_buff *nskb,
				  const struct nsr_pkt *p, const u8 *msg,
				  size_t len)
{
	struct udphdr *uh;

	skb_set_transport_header(nskb, nskb->len);
	uh = skb_put(nskb, sizeof(*uh));
	uh->source = p->dport;
	uh->dest = p->sport;
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
	if (nskb)
		skb_reserve(nskb, room);
	return nskb;
}

static int nsr_reply4(const struct sk_buff *skb, struct net *net,
		      const struct nsr_pkt *p, const u8 *msg, size_t len)
{
	struct flowi4 fl4 = {
		.daddr = p->saddr.s6_addr32[3],
		.saddr = p->daddr.s6_addr32[3],
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_mark = IP4_REPLY_MARK(net, skb->mark),
		.fl4_sport = p->dport,
		.fl4_dport = p->sport,
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

	uh = nsr_put_udp(nskb, p, msg, len);
	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ulen,
				      IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return ip_local_out(net, NULL, nskb);
}

static int nsr_reply6(const struct sk_buff *skb, struct net *net,
		      const struct net_device *in, const struct nsr_pkt *p,
		      const u8 *msg, size_t len)
{
	struct flowi6 fl6 = {
		.daddr = p->saddr,
		.saddr = p->daddr,
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_mark = IP6_REPLY_MARK(net, skb->mark),
		.fl6_sport = p->dport,
		.fl6_dport = p->sport,
	};
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	size_t ulen = sizeof(*uh) + len;

	/* A link-local source is only reachable through its interface. */
	if (__ipv6_addr_needs_scope_id(__ipv6_addr_type(&p->saddr)) && in)
		fl6.flowi6_oif = in->ifindex;
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

	uh = nsr_put_udp(nskb, p, msg, len);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen,
				    IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return ip6_local_out(net, NULL, nskb);
}

bool nsr_reply(const struct sk_buff *skb, const struct xt_action_param *par,
	       const struct nsr_pkt *p, const u8 *msg, size_t len)
{
	int err;

	if (xt_family(par) == NFPROTO_IPV4)
		err = nsr_reply4(skb, xt_net(par), p, msg, len);
	else
		err = nsr_reply6(skb, xt_net(par), xt_in(par), p, msg, len);
	/* Congestion (NET_XMIT_CN) still sent it; anything else did not. */
	if (net_xmit_eval(err)) {
		nsr_count_event(NSR_EV_REPLY_FAILED);
		return false;
	}
	return true;
}
