// SPDX-License-Identifier: GPL-2.0
/*
 * xt_SYSRQ: the SYSRQ target. It finds a UDP payload (nsr_payload.c), has
 * the pure verifier judge it (nsr_verify.c, nsr_legacy.c) with the secret
 * of nsr_secret.c, answers (ack or refusal, nsr_reply.c) and runs the keys
 * the rule and kernel.sysrq allow (nsr_sysrq.c).
 *
 * Every packet that reaches the target is dropped (NF_DROP), valid or not:
 * it was addressed to the SysRq port, no socket should see it, and passing
 * it on would make the stack answer with an ICMP port unreachable, which
 * the protocol forbids for unauthenticated packets (no reply of any kind).
 *
 * The ack of a verified request is sent before its keys run, but it is
 * only queued: after 'b', 'o' or 'c' it may never leave the machine.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include "nsr_reply.h"
#include "nsr_secret.h"
#include "nsr_sysrq.h"

/* Shared by every rule, CPU and namespace, like the SysRq keys are. */
static struct nsr_state nsr_state;
static atomic64_t nsr_legacy_seqno;

static unsigned int tolerance = 300;
module_param(tolerance, uint, 0600);
MODULE_PARM_DESC(tolerance,
		 "Accepted clock difference in seconds (default 300)");

static bool debug;
module_param(debug, bool, 0600);
MODULE_PARM_DESC(debug, "Log rejected packets (rate-limited)");

static u64 nsr_tolerance_ms(void)
{
	return (u64)READ_ONCE(tolerance) * MSEC_PER_SEC;
}

static u64 nsr_now_ms(void)
{
	return div_u64(ktime_get_real_ns(), NSEC_PER_MSEC);
}

/* The refusal bucket's clock: monotonic, so no clock step refills it. */
static u64 nsr_mono_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

static bool nsr_is_v1(const struct nsr_pkt *p)
{
	static const u8 magic[] = { NSR_MAGIC_0, NSR_MAGIC_1, NSR_MAGIC_2,
				    NSR_MAGIC_3 };

	return p->len >= sizeof(magic) && !memcmp(p->data, magic,
						  sizeof(magic));
}

/* The source address as people write it: dotted IPv4 when mapped. */
static void nsr_log_accepted(const struct nsr_pkt *p, const char *format,
			     const u8 *keys, size_t n)
{
	if (ipv6_addr_v4mapped(&p->saddr))
		pr_info("%s request from %pI4 accepted, keys \"%.*s\"\n",
			format, &p->saddr.s6_addr32[3], (int)n, keys);
	else
		pr_info("%s request from %pI6c accepted, keys \"%.*s\"\n",
			format, &p->saddr, (int)n, keys);
}

static void nsr_log_rejected(const struct nsr_pkt *p, enum nsr_verdict v)
{
	if (v == NSR_NO_PASSWORD)
		pr_warn_once("no password set: dropping every packet; set /sys/module/xt_SYSRQ/parameters/passwd\n");
	if (!READ_ONCE(debug) || !net_ratelimit())
		return;
	if (ipv6_addr_v4mapped(&p->saddr))
		pr_info("dropped %zu bytes from %pI4: %s\n", p->len,
			&p->saddr.s6_addr32[3], nsr_verdict_name(v));
	else
		pr_info("dropped %zu bytes from %pI6c: %s\n", p->len,
			&p->saddr, nsr_verdict_name(v));
}

static u8 nsr_refusal_reason(enum nsr_verdict v)
{
	switch (v) {
	case NSR_REFUSED_STALE:
		return NSR_REASON_STALE;
	case NSR_REFUSED_FUTURE:
		return NSR_REASON_FUTURE;
	default:
		return NSR_REASON_REPLAY;
	}
}

/* The ack of an accepted request, or the refusal of a refused one. */
static void nsr_answer(const struct sk_buff *skb,
		       const struct xt_action_param *par,
		       const struct nsr_pkt *p, const struct nsr_mac_key *key,
		       enum nsr_verdict v, const struct nsr_request *req,
		       const u8 *status, u64 now)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	u8 msg[NSR_MAX_MSG_LEN];
	size_t len;

	if (!req->ack_wanted || (info->flags & XT_SYSRQ_NO_ACK))
		return;
	if (v == NSR_ACCEPTED) {
		len = nsr_build_ack(msg, req, status, p->daddr.s6_addr, key);
		if (nsr_reply(skb, par, p, msg, len))
			nsr_count_event(NSR_EV_ACK_SENT);
	} else {
		len = nsr_build_refusal(msg, req, nsr_refusal_reason(v), now,
					p->daddr.s6_addr, key);
		if (nsr_reply(skb, par, p, msg, len))
			nsr_count_event(NSR_EV_REFUSAL_SENT);
	}
}

static bool nsr_answerable(enum nsr_verdict v)
{
	return v == NSR_ACCEPTED || v == NSR_REFUSED_STALE ||
	       v == NSR_REFUSED_FUTURE || v == NSR_REFUSED_REPLAY;
}

static void nsr_handle_v1(const struct sk_buff *skb,
			  const struct xt_action_param *par,
			  const struct nsr_pkt *p)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	u8 status[NSR_MAX_KEYS];
	struct nsr_request req;
	struct nsr_secret *s;
	enum nsr_verdict v;
	const struct nsr_clock clock = {
		.now = nsr_now_ms(),
		.tolerance = nsr_tolerance_ms(),
		.mono = nsr_mono_ms(),
	};

	rcu_read_lock();
	s = rcu_dereference(nsr_secret);
	v = nsr_verify_request(p->data, p->len, p->daddr.s6_addr,
			       s ? &s->mac : NULL, &clock, &nsr_state, &req);
	nsr_count_verdict(v);
	if (v == NSR_ACCEPTED)
		nsr_judge_keys(info, req.keys, req.nkeys, status);
	if (nsr_answerable(v))
		nsr_answer(skb, par, p, &s->mac, v, &req, status, clock.now);
	rcu_read_unlock();

	if (v != NSR_ACCEPTED) {
		nsr_log_rejected(p, v);
		return;
	}
	nsr_log_accepted(p, "v1", req.keys, req.nkeys);
	nsr_run_keys(req.keys, status, req.nkeys);
}

/* The legacy digest covers the destination as text: %pI4 or full %pI6. */
static int nsr_legacy_dst(const struct nsr_pkt *p, char *buf, size_t size)
{
	if (ipv6_addr_v4mapped(&p->daddr))
		return snprintf(buf, size, "%pI4", &p->daddr.s6_addr32[3]);
	return snprintf(buf, size, "%pI6", &p->daddr);
}

static void nsr_handle_legacy(const struct xt_action_param *par,
			      const struct nsr_pkt *p)
{
	struct nsr_legacy_request req;
	char dst[sizeof("0000:0000:0000:0000:0000:0000:0000:0000")];
	u8 status[NSR_MAX_KEYS];
	struct nsr_secret *s;
	enum nsr_verdict v;
	int dlen = nsr_legacy_dst(p, dst, sizeof(dst));

	rcu_read_lock();
	s = rcu_dereference(nsr_secret);
	v = nsr_verify_legacy(p->data, p->len, dst, dlen,
			      s ? &s->legacy : NULL, &nsr_legacy_seqno, &req);
	rcu_read_unlock();
	nsr_count_verdict(v);
	if (v != NSR_ACCEPTED) {
		nsr_log_rejected(p, v);
		return;
	}
	nsr_log_accepted(p, "legacy", req.keys, req.nkeys);
	/* The verifier caps legacy keys at NSR_MAX_KEYS, as v1's. */
	nsr_judge_keys(par->targinfo, req.keys, req.nkeys, status);
	nsr_run_keys(req.keys, status, req.nkeys);
}

static unsigned int sysrq_tg(struct sk_buff *skb,
			     const struct xt_action_param *par)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	bool legacy = info->flags & XT_SYSRQ_LEGACY;
	u8 buf[NSR_LEGACY_MAX_LEN];
	enum nsr_event why;
	struct nsr_pkt p;

	BUILD_BUG_ON(NSR_LEGACY_MAX_LEN < NSR_MAX_MSG_LEN);
	if (!nsr_udp_payload(skb, xt_family(par), &p, buf,
			     legacy ? NSR_LEGACY_MAX_LEN : NSR_MAX_MSG_LEN,
			     &why)) {
		nsr_count_event(why);
		return NF_DROP;
	}
	if (legacy && !nsr_is_v1(&p))
		nsr_handle_legacy(par, &p);
	else
		nsr_handle_v1(skb, par, &p);
	return NF_DROP;
}

static bool nsr_rule_is_udp(const struct xt_tgchk_param *par)
{
	if (par->family == NFPROTO_IPV4) {
		const struct ipt_entry *e = par->entryinfo;

		return e->ip.proto == IPPROTO_UDP &&
		       !(e->ip.invflags & XT_INV_PROTO);
	} else {
		const struct ip6t_entry *e = par->entryinfo;

		return e->ipv6.proto == IPPROTO_UDP &&
		       !(e->ipv6.invflags & XT_INV_PROTO);
	}
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

static int sysrq_tg_check(const struct xt_tgchk_param *par)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;

	/*
	 * SysRq acts on the whole machine and the replay state is global: a
	 * rule in another namespace (one an unprivileged user can create
	 * with a user namespace) must not reach it.
	 */
	if (!net_eq(par->net, &init_net)) {
		pr_info_ratelimited("SYSRQ target: only valid in the initial network namespace\n");
		return -EPERM;
	}
	if (!nsr_rule_is_udp(par)) {
		pr_info_ratelimited("SYSRQ target: only valid for UDP: add -p udp to the rule\n");
		return -EINVAL;
	}
	if (!nsr_info_ok(info)) {
		pr_info_ratelimited("SYSRQ target: invalid options (empty key set or unknown flags); is libxt_SYSRQ.so this module's version?\n");
		return -EINVAL;
	}
	if ((info->flags & XT_SYSRQ_LEGACY) && !nsr_legacy_available()) {
		pr_info_ratelimited("SYSRQ target: --sysrq-legacy needs the kernel's sha1, which did not load\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static struct xt_target sysrq_tg_reg[] __read_mostly = {
	{
		.name		= "SYSRQ",
		.revision	= XT_SYSRQ_REVISION,
		.family		= NFPROTO_IPV4,
		.hooks		= 1 << NF_INET_LOCAL_IN,
		.target		= sysrq_tg,
		.targetsize	= sizeof(struct xt_sysrq_tginfo),
		.checkentry	= sysrq_tg_check,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SYSRQ",
		.revision	= XT_SYSRQ_REVISION,
		.family		= NFPROTO_IPV6,
		.hooks		= 1 << NF_INET_LOCAL_IN,
		.target		= sysrq_tg,
		.targetsize	= sizeof(struct xt_sysrq_tginfo),
		.checkentry	= sysrq_tg_check,
		.me		= THIS_MODULE,
	},
};

static int __init sysrq_tg_init(void)
{
	int err;

	/* A packet captured before this load is a replay after it. */
	atomic64_set(&nsr_state.last_accepted, nsr_now_ms());
	nsr_bucket_init(&nsr_state.refusals, NSR_BUCKET_TOKENS, nsr_mono_ms());
	atomic64_set(&nsr_legacy_seqno, ktime_get_real_seconds());

	err = nsr_crypto_init();
	if (err)
		goto out_secret;
	err = nsr_stats_init();
	if (err)
		goto out_crypto;
	err = xt_register_targets(sysrq_tg_reg, ARRAY_SIZE(sysrq_tg_reg));
	if (err)
		goto out_stats;
	if (!rcu_access_pointer(nsr_secret))
		pr_info("loaded without a password: the SYSRQ target drops everything until passwd is set\n");
	return 0;

out_stats:
	nsr_stats_exit();
out_crypto:
	nsr_crypto_exit();
out_secret:
	nsr_secret_exit();
	return err;
}

static void __exit sysrq_tg_exit(void)
{
	xt_unregister_targets(sysrq_tg_reg, ARRAY_SIZE(sysrq_tg_reg));
	nsr_stats_exit();
	nsr_crypto_exit();
	nsr_secret_exit();
}

module_init(sysrq_tg_init);
module_exit(sysrq_tg_exit);
MODULE_DESCRIPTION("Xtables: magic SysRq over authenticated UDP (netsysrq)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("ipt_SYSRQ");
MODULE_ALIAS("ip6t_SYSRQ");
