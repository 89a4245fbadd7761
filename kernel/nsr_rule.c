// SPDX-License-Identifier: GPL-2.0
/*
 * The SYSRQ target's rule checks. A rule is refused, with a message that
 * says why, when it is outside the initial network namespace, in the nat
 * table, not for UDP, without a UDP destination port (where the rule's
 * matches can be seen: iptables-legacy), with options this module does not
 * know, or with --sysrq-legacy when the plaintext password is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <net/net_namespace.h>
#include "nsr_crypto.h"
#include "nsr_legacy_secret.h"
#include "nsr_rule.h"
#include "xt_SYSRQ.h"

/* The parts of an ipt_entry or ip6t_entry the checks read. */
struct nsr_entry {
	u8 proto;
	bool proto_inverted;
	const u8 *matches;	/* the first match */
	unsigned int matches_len;
	bool unseen;		/* nft_compat: the matches are not shown */
};

static void nsr_entry_of(const struct xt_tgchk_param *par,
			 struct nsr_entry *e)
{
	if (par->family == NFPROTO_IPV4) {
		const struct ipt_entry *e4 = par->entryinfo;

		e->proto = e4->ip.proto;
		e->proto_inverted = e4->ip.invflags & XT_INV_PROTO;
		e->matches = e4->elems;
		e->unseen = e4->target_offset < sizeof(*e4);
		e->matches_len = e->unseen ? 0 :
				 e4->target_offset - sizeof(*e4);
	} else {
		const struct ip6t_entry *e6 = par->entryinfo;

		e->proto = e6->ipv6.proto;
		e->proto_inverted = e6->ipv6.invflags & XT_INV_PROTO;
		e->matches = e6->elems;
		e->unseen = e6->target_offset < sizeof(*e6);
		e->matches_len = e->unseen ? 0 :
				 e6->target_offset - sizeof(*e6);
	}
}

/* A match that keeps the rule to some UDP destination ports. */
static bool nsr_match_limits_dport(const struct xt_entry_match *m)
{
	const struct xt_match *match = m->u.kernel.match;

	if (!strcmp(match->name, "udp")) {
		const struct xt_udp *udp = (const void *)m->data;

		return !(udp->invflags & XT_UDP_INV_DSTPT) &&
		       (udp->dpts[0] != 0 || udp->dpts[1] != 0xffff);
	}
	if (!strcmp(match->name, "multiport") && match->revision == 1) {
		const struct xt_multiport_v1 *mp = (const void *)m->data;

		return mp->flags == XT_MULTIPORT_DESTINATION && !mp->invert;
	}
	return false;
}

/*
 * Whether the rule matches a UDP destination port. x_tables checked the
 * matches (and their sizes) before the target. nft_compat hands the target
 * a zeroed entry with no matches (target_offset 0): iptables-nft turns
 * --dport into native nftables expressions the target cannot see, so
 * there the rule is accepted unseen: the target passes on every packet
 * that is not netsysrq's, so such a rule cannot swallow other traffic
 * (docs/PROTOCOL.md, "Packets that are not ours").
 */
static bool nsr_rule_has_dport(const struct nsr_entry *e)
{
	unsigned int pos = 0;

	while (pos + sizeof(struct xt_entry_match) <= e->matches_len) {
		const struct xt_entry_match *m = (const void *)(e->matches + pos);

		if (m->u.match_size < sizeof(*m))
			return false;
		if (nsr_match_limits_dport(m))
			return true;
		pos += m->u.match_size;
	}
	return false;
}

/* Known flags, zero reserved bytes, and keys only within 0x21..0x7e. */
static bool nsr_info_ok(const struct xt_sysrq_tginfo *info)
{
	const u8 top = (1 << (XT_SYSRQ_NKEYS % 8)) - 1;

	BUILD_BUG_ON(XT_SYSRQ_KEYSET_LEN != DIV_ROUND_UP(XT_SYSRQ_NKEYS, 8));
	BUILD_BUG_ON(sizeof(*info) != 16);
	return !(info->flags & ~XT_SYSRQ_FLAGS) &&
	       !memchr_inv(info->reserved, 0, sizeof(info->reserved)) &&
	       !(info->keyset[XT_SYSRQ_KEYSET_LEN - 1] & ~top) &&
	       memchr_inv(info->keyset, 0, sizeof(info->keyset));
}

/* Where the rule sits: the initial namespace, and not the nat table. */
static int nsr_rule_place(const struct xt_tgchk_param *par)
{
	/*
	 * SysRq acts on the whole machine and the replay state is global: a
	 * rule in another namespace (one an unprivileged user can create
	 * with a user namespace) must not reach it.
	 */
	if (!net_eq(par->net, &init_net)) {
		pr_info_ratelimited("SYSRQ target: only valid in the initial network namespace\n");
		return -EPERM;
	}
	/* nat sees only a flow's first packet: a retry would never reach it. */
	if (!strcmp(par->table, "nat")) {
		pr_info_ratelimited("SYSRQ target: not valid in the nat table (it sees only the first packet of a flow); use the filter table\n");
		return -EINVAL;
	}
	return 0;
}

static int nsr_rule_match(const struct xt_tgchk_param *par)
{
	struct nsr_entry e;

	nsr_entry_of(par, &e);
	if (e.proto != IPPROTO_UDP || e.proto_inverted) {
		pr_info_ratelimited("SYSRQ target: only valid for UDP: add -p udp to the rule\n");
		return -EINVAL;
	}
	if (!e.unseen && !nsr_rule_has_dport(&e)) {
		pr_info_ratelimited("SYSRQ target: the rule must match a UDP destination port (-p udp --dport 9): without one it would take every UDP packet\n");
		return -EINVAL;
	}
	return 0;
}

static int nsr_rule_legacy(const struct xt_sysrq_tginfo *info)
{
	if (!(info->flags & XT_SYSRQ_LEGACY))
		return 0;
	if (!nsr_legacy_available()) {
		pr_info_ratelimited("SYSRQ target: --sysrq-legacy needs the kernel's sha1, which did not load\n");
		return -EOPNOTSUPP;
	}
	if (nsr_legacy_rule_get()) {
		pr_info_ratelimited("SYSRQ target: --sysrq-legacy needs the password again (its plaintext is wiped when no legacy rule uses it): write it to /sys/module/xt_SYSRQ/parameters/passwd, then add the rule\n");
		return -ENOKEY;
	}
	return 0;
}

int nsr_rule_check(const struct xt_tgchk_param *par)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	int err;

	err = nsr_rule_place(par);
	if (!err)
		err = nsr_rule_match(par);
	if (!err && !nsr_info_ok(info)) {
		pr_info_ratelimited("SYSRQ target: invalid options (empty key set or unknown flags); is libxt_SYSRQ.so this module's version?\n");
		err = -EINVAL;
	}
	/* Last: it takes a reference that destroy gives back. */
	if (!err)
		err = nsr_rule_legacy(info);
	return err;
}

void nsr_rule_destroy(const struct xt_tgdtor_param *par)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;

	if (info->flags & XT_SYSRQ_LEGACY)
		nsr_legacy_rule_put();
}
