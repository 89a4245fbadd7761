/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receiving: a request's UDP payload, found in an skb and copied out with
 * its length bounded. Everything after it is pure bytes (nsr_verify.h).
 */
#ifndef NSR_PAYLOAD_H
#define NSR_PAYLOAD_H

#include <linux/in6.h>
#include <linux/skbuff.h>
#include "nsr_stats.h"

/* One received datagram; IPv4 addresses are stored IPv4-mapped. */
struct nsr_pkt {
	struct in6_addr saddr;
	struct in6_addr daddr;	/* the protocol's address A */
	__be16 sport;
	__be16 dport;
	const u8 *data;		/* the payload, in the skb or copied */
	size_t len;
	/* Where the skb's next datagram starts, where they end, their size. */
	unsigned int next;
	unsigned int end;
	unsigned int seg;
};

/*
 * Fill @p from the UDP datagram @skb, copying the payload into @buf
 * (@buflen bytes) only if the skb is not linear there. Returns false, with
 * the reason in @why, for fragments, a UDP length other than the packet's,
 * a payload longer than @buflen (in a GRO skb: no datagram that fits; the
 * others skipped are counted as oversize here), or broadcast and multicast
 * addresses.
 */
bool nsr_udp_payload(const struct sk_buff *skb, u8 family, struct nsr_pkt *p,
		     u8 *buf, size_t buflen, enum nsr_event *why);

/*
 * GRO can hand LOCAL_IN one skb holding several datagrams of one flow, one
 * after another behind a single header (seen on 6.18: two requests of the
 * same size sent back to back arrived as one payload of twice the size),
 * all of one size but the last, which may be shorter (seen: a request sent
 * right after 1400 bytes of junk). nsr_udp_payload() yields the first that
 * fits @buflen; this moves @p to the next that fits, false when there is
 * none, counting those too long as oversize.
 */
bool nsr_udp_next(const struct sk_buff *skb, struct nsr_pkt *p, u8 *buf,
		  size_t buflen);

#endif /* NSR_PAYLOAD_H */
