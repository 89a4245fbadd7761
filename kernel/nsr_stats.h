/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counters of every verdict and of the packet-level outcomes,
 * readable without debug in /proc/net/xt_SYSRQ (initial network namespace).
 */
#ifndef NSR_STATS_H
#define NSR_STATS_H

#include <linux/percpu.h>
#include "nsr_proto.h"

/* Outcomes outside the verifier's verdicts. */
enum nsr_event {
	NSR_EV_MALFORMED,	/* no UDP header, or its length disagrees */
	NSR_EV_FRAGMENT,	/* an IP fragment: never reassembled here */
	NSR_EV_OVERSIZE,	/* payload longer than any request */
	NSR_EV_NOT_UNICAST,	/* broadcast, multicast, or a spoofed local source */
	NSR_EV_NOT_OURS,	/* no magic (nor legacy shape): passed on */
	NSR_EV_ACK_SENT,
	NSR_EV_REFUSAL_SENT,
	NSR_EV_CLOCK_SENT,	/* answers to probes */
	NSR_EV_PROBE_PLAIN,	/* authentic probes: clock only */
	NSR_EV_PROBE_INFO,	/* authentic info probes (--check) */
	NSR_EV_REPLY_FAILED,	/* no route or no memory for a reply */
	NSR_EV_KEY_EXECUTED,
	NSR_EV_KEY_REFUSED_RULE,
	NSR_EV_KEY_REFUSED_SYSCTL,
	NSR_EV_OUTPUT_MESSAGES,	/* output messages sent */
	NSR_EV_OUTPUT_BYTES,	/* output text bytes in them */
	NSR_EV_OUTPUT_TRUNCATED, /* outputs cut at output_max */
	NSR_EV_OUTPUT_UNFINISHED, /* a completion line never came */
	NSR_EV_OUTPUT_BUSY,	/* asked while another was being sent */
	NSR_EV_COUNT
};

struct nsr_stats {
	u64 verdict[NSR_VERDICT_COUNT];
	u64 event[NSR_EV_COUNT];
};

DECLARE_PER_CPU(struct nsr_stats, nsr_stats);

static inline void nsr_count_verdict(enum nsr_verdict v)
{
	this_cpu_inc(nsr_stats.verdict[v]);
}

static inline void nsr_count_event(enum nsr_event e)
{
	this_cpu_inc(nsr_stats.event[e]);
}

static inline void nsr_count_event_add(enum nsr_event e, u64 n)
{
	this_cpu_add(nsr_stats.event[e], n);
}

const char *nsr_verdict_name(enum nsr_verdict v);
int nsr_stats_init(void);
void nsr_stats_exit(void);

#endif /* NSR_STATS_H */
