// SPDX-License-Identifier: GPL-2.0
/*
 * xt_SYSRQ: the SYSRQ target. It finds a UDP payload (nsr_payload.c), has
 * the pure verifier judge it (nsr_verify.c, nsr_legacy.c) with the key set
 * and the module-wide replay state of nsr_keys.c, answers (ack, refusal or
 * clock answer, with the info probe's facts of nsr_info.c; nsr_reply.c)
 * and runs the keys the rule and kernel.sysrq allow (nsr_sysrq.c). Which
 * rules it accepts: nsr_rule.c.
 *
 * Every packet that is ours — it starts with the magic "NSRQ", or, on a
 * --sysrq-legacy rule, has the legacy format's shape — is dropped
 * (NF_DROP), valid or not: no socket should see it, and no ICMP error
 * should answer it. Anything else goes back to the chain (XT_CONTINUE), so
 * a rule that matches too much (no --dport) cannot swallow DNS or NTP.
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
#include "nsr_info.h"
#include "nsr_keys.h"
#include "nsr_legacy_secret.h"
#include "nsr_output.h"
#include "nsr_output_msg.h"
#include "nsr_reply.h"
#include "nsr_rescue.h"
#include "nsr_rule.h"
#include "nsr_secret.h"
#include "nsr_sysrq.h"
#include "nsr_version.h"

/* Shared by every rule, CPU and namespace, like the SysRq keys are. */
static atomic64_t nsr_legacy_seqno;

static unsigned int tolerance = NSR_TOLERANCE_DEFAULT_S;
module_param(tolerance, uint, 0600);
MODULE_PARM_DESC(tolerance,
		 "How old a request may be, in seconds (default 60)");

static bool debug;
module_param(debug, bool, 0600);
MODULE_PARM_DESC(debug, "Log rejected packets (rate-limited)");

static u64 nsr_tolerance_ms(void)
{
	return (u64)READ_ONCE(tolerance) * MSEC_PER_SEC;
}

static bool nsr_has_magic(const struct nsr_pkt *p)
{
	static const u8 magic[] = { NSR_MAGIC_0, NSR_MAGIC_1, NSR_MAGIC_2,
				    NSR_MAGIC_3 };

	return p->len >= sizeof(magic) && !memcmp(p->data, magic,
						  sizeof(magic));
}

/*
 * The source address as people write it (dotted IPv4 when mapped), and
 * which key made the request: "key 8f3a01c2", "password" (v2's key id 0)
 * or the legacy format's plaintext password.
 */
static void nsr_log_accepted(const struct nsr_pkt *p, const char *format,
			     const u8 *keys, size_t n, const char *by)
{
	if (ipv6_addr_v4mapped(&p->saddr))
		pr_info("%s request from %pI4 accepted, keys \"%.*s\", %s\n",
			format, &p->saddr.s6_addr32[3], (int)n, keys, by);
	else
		pr_info("%s request from %pI6c accepted, keys \"%.*s\", %s\n",
			format, &p->saddr, (int)n, keys, by);
}

static void nsr_log_rejected(const struct nsr_pkt *p, enum nsr_verdict v)
{
	if (v == NSR_NO_PASSWORD)
		pr_warn_once("no password and no server key set: dropping every netsysrq packet; set /sys/module/xt_SYSRQ/parameters/passwd or keys\n");
	if (!READ_ONCE(debug) || !net_ratelimit())
		return;
	if (ipv6_addr_v4mapped(&p->saddr))
		pr_info("rejected %zu bytes from %pI4: %s\n", p->len,
			&p->saddr.s6_addr32[3], nsr_verdict_name(v));
	else
		pr_info("rejected %zu bytes from %pI6c: %s\n", p->len,
			&p->saddr, nsr_verdict_name(v));
}

static enum nsr_event nsr_sent_event(enum nsr_verdict v)
{
	switch (v) {
	case NSR_ACCEPTED:
	case NSR_REPEATED:
		return NSR_EV_ACK_SENT;
	case NSR_PROBE_ANSWERED:
		return NSR_EV_CLOCK_SENT;
	default:
		return NSR_EV_REFUSAL_SENT;
	}
}

/* A probe answered: an info probe gets the facts, counted apart. */
static const u8 *nsr_probe_facts(const struct xt_action_param *par,
				 const struct nsr_request *req,
				 u8 facts[NSR_INFO_LEN])
{
	if (req->nkeys != NSR_INFO_LEN) {
		nsr_count_event(NSR_EV_PROBE_PLAIN);
		return NULL;
	}
	nsr_count_event(NSR_EV_PROBE_INFO);
	nsr_info_build(facts, par->targinfo, READ_ONCE(tolerance));
	return facts;
}

/*
 * The answer to verdict @v, if it gets one: a --sysrq-no-ack rule answers
 * probes only (docs/PROTOCOL.md, "Client behaviour", fire and forget).
 */
static void nsr_answer(const struct sk_buff *skb,
		       const struct xt_action_param *par,
		       const struct nsr_pkt *p, const struct nsr_state *state,
		       enum nsr_verdict v, const struct nsr_request *req,
		       u64 now)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	u8 msg[NSR_MAX_MSG_LEN], facts[NSR_INFO_LEN];
	const u8 *body = NULL;
	size_t len;

	if (v == NSR_PROBE_ANSWERED)
		body = nsr_probe_facts(par, req, facts);
	else if (info->flags & XT_SYSRQ_NO_ACK)
		return;
	len = nsr_build_reply(msg, v, req, state, now, body);
	if (len && nsr_reply(skb, par, p, msg, len))
		nsr_count_event(nsr_sent_event(v));
}

/* "key 8f3a01c2" or "password", for the log line. */
static void nsr_key_name(u32 key_id, char *buf, size_t size)
{
	if (key_id == NSR_PASSWORD_KEY_ID)
		strscpy(buf, "password", size);
	else
		snprintf(buf, size, "key %08x", key_id);
}

/* The verifier's judge: the rule's key set and kernel.sysrq. */
static void nsr_judge(const void *info, const u8 *keys, unsigned int n,
		      u8 *status)
{
	nsr_judge_keys(info, keys, n, status);
}

/*
 * For an accepted request with OUTPUT_WANTED on a rule that answers: the
 * output session, or why there is none (the ack's output flags).
 */
static u8 nsr_claim_output(const struct sk_buff *skb,
			   const struct xt_action_param *par,
			   const struct nsr_pkt *p,
			   const struct nsr_request *req)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	struct nsr_dest dest;

	if (!req->output_wanted || (info->flags & XT_SYSRQ_NO_ACK))
		return 0;
	nsr_dest_of(&dest, skb, par, p);
	return nsr_output_claim(req->key, req->addr, p->data, &dest);
}

/*
 * A safe reboot's b (docs/PROTOCOL.md, "Safe reboot"), if the rule and
 * kernel.sysrq let b run: the rescue thread's sync, freeze, reboot.
 */
static bool nsr_safe_reboot(const struct nsr_request *req)
{
	if (req->status[0] != NSR_STATUS_EXECUTED) {
		nsr_run_keys(req->keys, req->status, req->nkeys); /* counted */
		return false;
	}
	nsr_count_event(NSR_EV_KEY_EXECUTED);
	nsr_rescue_start(req->only_if_synced);
	return true;	/* started, or its "already running" line logged */
}

static void nsr_handle_v2(const struct sk_buff *skb,
			  const struct xt_action_param *par,
			  const struct nsr_pkt *p)
{
	const struct nsr_judge judge = { .fn = nsr_judge,
					 .ctx = par->targinfo };
	struct nsr_clock clock = {
		.tolerance = nsr_tolerance_ms(),
		.mono = nsr_mono_ms(),
	};
	const struct nsr_keys *keys;
	struct nsr_state *state;
	struct nsr_request req;
	enum nsr_verdict v;
	char by[sizeof("key 8f3a01c2")];
	bool safe = false;

	rcu_read_lock();
	keys = rcu_dereference(nsr_keys);
	state = rcu_dereference(nsr_replay);
	if (!state)	/* only before module init has made one */
		keys = NULL;
	if (keys)
		clock.now = nsr_state_now(state, ktime_get_boottime_ns());
	v = nsr_verify_request(p->data, p->len, p->daddr.s6_addr, keys,
			       &clock, state, &judge, &req);
	nsr_count_verdict(v);
	if (v == NSR_ACCEPTED)
		req.ack_flags = nsr_claim_output(skb, par, p, &req);
	if (keys)
		nsr_answer(skb, par, p, state, v, &req, clock.now);
	rcu_read_unlock();	/* req.key points into the key set: unused now */

	if (v != NSR_ACCEPTED) {
		nsr_log_rejected(p, v);
		return;
	}
	nsr_key_name(req.key_id, by, sizeof(by));
	nsr_log_accepted(p, "v2", req.keys, req.nkeys, by);
	if (req.ack_flags & NSR_ACK_FLAG_OUTPUT_FOLLOWS)
		nsr_output_mark();
	if (req.safe_reboot)
		safe = nsr_safe_reboot(&req);
	else
		nsr_run_keys(req.keys, req.status, req.nkeys);
	if (req.ack_flags & NSR_ACK_FLAG_OUTPUT_FOLLOWS) {
		if (safe)	/* its steps are logged later, by its thread */
			nsr_output_follow_safe_reboot(nsr_rescue_wait_ms());
		nsr_output_start(req.keys, req.status, req.nkeys);
	}
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
	enum nsr_verdict v;
	int dlen = nsr_legacy_dst(p, dst, sizeof(dst));

	rcu_read_lock();
	v = nsr_verify_legacy(p->data, p->len, dst, dlen,
			      rcu_dereference(nsr_legacy_secret),
			      &nsr_legacy_seqno, &req);
	rcu_read_unlock();
	nsr_count_verdict(v);
	if (v != NSR_ACCEPTED) {
		nsr_log_rejected(p, v);
		return;
	}
	nsr_log_accepted(p, "legacy", req.keys, req.nkeys, "password");
	/* The verifier caps legacy keys at NSR_MAX_KEYS, as v1's. */
	nsr_judge_keys(par->targinfo, req.keys, req.nkeys, status);
	nsr_run_keys(req.keys, status, req.nkeys);
}

/* Judges one datagram; whether it was one of ours. */
static bool nsr_handle(const struct sk_buff *skb,
		       const struct xt_action_param *par,
		       const struct nsr_pkt *p, bool legacy)
{
	bool ours = nsr_has_magic(p);

	if (legacy && !ours) {
		ours = nsr_legacy_shaped(p->data, p->len);
		nsr_handle_legacy(par, p);
	} else {
		nsr_handle_v2(skb, par, p);
	}
	if (!ours)
		nsr_count_event(NSR_EV_NOT_OURS);
	return ours;
}

static unsigned int sysrq_tg(struct sk_buff *skb,
			     const struct xt_action_param *par)
{
	const struct xt_sysrq_tginfo *info = par->targinfo;
	bool legacy = info->flags & XT_SYSRQ_LEGACY;
	size_t max = legacy ? NSR_LEGACY_MAX_LEN : NSR_MAX_MSG_LEN;
	u8 buf[NSR_LEGACY_MAX_LEN];
	enum nsr_event why;
	struct nsr_pkt p;
	bool ours = false;

	BUILD_BUG_ON(NSR_LEGACY_MAX_LEN < NSR_MAX_MSG_LEN);
	/* Fragments, broadcasts, oversize: never a request of ours. */
	if (!nsr_udp_payload(skb, xt_family(par), &p, buf, max, &why)) {
		nsr_count_event(why);
		return XT_CONTINUE;
	}
	/* Each datagram GRO merged into this skb, as if it came alone. */
	do {
		ours |= nsr_handle(skb, par, &p, legacy);
	} while (nsr_udp_next(skb, &p, buf, max));
	return ours ? NF_DROP : XT_CONTINUE;
}

static struct xt_target sysrq_tg_reg[] __read_mostly = {
	{
		.name		= "SYSRQ",
		.revision	= XT_SYSRQ_REVISION,
		.family		= NFPROTO_IPV4,
		.hooks		= 1 << NF_INET_LOCAL_IN,
		.target		= sysrq_tg,
		.targetsize	= sizeof(struct xt_sysrq_tginfo),
		.checkentry	= nsr_rule_check,
		.destroy	= nsr_rule_destroy,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SYSRQ",
		.revision	= XT_SYSRQ_REVISION,
		.family		= NFPROTO_IPV6,
		.hooks		= 1 << NF_INET_LOCAL_IN,
		.target		= sysrq_tg,
		.targetsize	= sizeof(struct xt_sysrq_tginfo),
		.checkentry	= nsr_rule_check,
		.destroy	= nsr_rule_destroy,
		.me		= THIS_MODULE,
	},
};

static int __init sysrq_tg_init(void)
{
	int err;

	/*
	 * The legacy format's counter starts at the wall clock (what its
	 * clients send). The v2 replay state is made here, unless a passwd=
	 * parameter, set before init runs, made one already.
	 */
	atomic64_set(&nsr_legacy_seqno, ktime_get_real_seconds());

	err = nsr_replay_init();
	if (err)
		goto out_secret;
	err = nsr_crypto_init();
	if (err)
		goto out_secret;
	err = nsr_output_init();
	if (err)
		goto out_crypto;
	err = nsr_stats_init();
	if (err)
		goto out_crypto;
	err = nsr_rescue_init();
	if (err)
		goto out_stats;
	err = xt_register_targets(sysrq_tg_reg, ARRAY_SIZE(sysrq_tg_reg));
	if (err)
		goto out_rescue;
	if (!rcu_access_pointer(nsr_keys))
		pr_info("loaded without a password or server keys: the SYSRQ target drops every netsysrq packet until passwd or keys is set\n");
	return 0;

out_rescue:
	nsr_rescue_exit();
out_stats:
	nsr_stats_exit();
out_crypto:
	nsr_crypto_exit();
out_secret:
	nsr_output_exit();	/* also a buffer output_max= made at load */
	nsr_secret_exit();
	return err;
}

static void __exit sysrq_tg_exit(void)
{
	xt_unregister_targets(sysrq_tg_reg, ARRAY_SIZE(sysrq_tg_reg));
	/* No rule is left, so no packet can start a session now. */
	nsr_output_exit();
	nsr_rescue_exit();
	nsr_stats_exit();
	nsr_crypto_exit();
	nsr_secret_exit();
}

module_init(sysrq_tg_init);
module_exit(sysrq_tg_exit);
MODULE_DESCRIPTION("Xtables: magic SysRq over authenticated UDP (netsysrq)");
MODULE_LICENSE("GPL");
MODULE_VERSION(NSR_MODULE_VERSION);
MODULE_ALIAS("ipt_SYSRQ");
MODULE_ALIAS("ip6t_SYSRQ");
