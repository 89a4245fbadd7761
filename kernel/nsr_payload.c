// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving a request: the target runs in LOCAL_IN, where skb->data is the
 * network header and the IP layer has trimmed the skb to the IP length.
 * The payload is read with skb_header_pointer() into the caller's stack
 * buffer, so a non-linear skb is never linearized. IPv4 datagrams arrive
 * here already reassembled (ip_local_deliver() defragments before the
 * hook), often as a non-linear skb; IPv6 fragments arrive as they are
 * (unless conntrack's defrag ran) and are refused: a request is at most
 * 72 bytes and never needs fragmenting.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>
#include "nsr_payload.h"

/*
 * One of our own addresses as the source of a packet from outside is
 * spoofed: Linux's source validation drops those before INPUT, unless
 * accept_local=1 or an AnyIP range (a local route) lets them in. A reply
 * to it would go to a local socket: refused, as for IPv6, unless the
 * packet came in on the loopback interface.
 */
static bool nsr_spoofed_local4(const struct sk_buff *skb, __be32 saddr)
{
	return !(skb->dev->flags & IFF_LOOPBACK) &&
	       inet_addr_type(dev_net(skb->dev), saddr) == RTN_LOCAL;
}

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
	    ipv4_is_lbcast(iph->saddr) || ipv4_is_zeronet(iph->saddr) ||
	    nsr_spoofed_local4(skb, iph->saddr)) {
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

/*
 * Moves @p to the skb's next datagram that fits @buflen. GRO merges one
 * shorter datagram behind longer ones (udp_gro_receive_segment()), so a
 * request can follow payloads too long to be one: each of those is
 * skipped and counted, but the last, which is left to the caller in @why.
 */
static bool nsr_udp_fetch(const struct sk_buff *skb, struct nsr_pkt *p,
			  u8 *buf, size_t buflen, enum nsr_event *why)
{
	*why = NSR_EV_MALFORMED;
	while (p->next < p->end) {
		p->len = min(p->seg, p->end - p->next);
		p->next += p->len;
		if (p->len <= buflen) {
			p->data = skb_header_pointer(skb, p->next - p->len,
						     p->len, buf);
			return p->data;
		}
		*why = NSR_EV_OVERSIZE;
		if (p->next < p->end)
			nsr_count_event(NSR_EV_OVERSIZE);
	}
	return false;
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
	p->next = thoff + sizeof(*uh);
	p->end = thoff + ulen;
	p->seg = ulen - sizeof(*uh);
	/* An empty datagram is judged too (truncated); GRO never merges one. */
	if (!p->seg) {
		p->len = 0;
		p->data = buf;
		return true;
	}
	/* GRO's UDP length covers every datagram; gso_size is one's. */
	if (skb_is_gso(skb)) {
		if (!(skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4) ||
		    !skb_shinfo(skb)->gso_size)
			return false;
		p->seg = min(p->seg, skb_shinfo(skb)->gso_size);
	}
	return nsr_udp_fetch(skb, p, buf, buflen, why);
}

bool nsr_udp_next(const struct sk_buff *skb, struct nsr_pkt *p, u8 *buf,
		  size_t buflen)
{
	enum nsr_event why;

	if (nsr_udp_fetch(skb, p, buf, buflen, &why))
		return true;
	if (why == NSR_EV_OVERSIZE)
		nsr_count_event(why);
	return false;
}
