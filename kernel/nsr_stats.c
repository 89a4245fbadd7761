// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xt_SYSRQ: one "name count" line per verdict and per event,
 * summed over CPUs. Per-CPU counters, because a flood of rejected packets
 * must not make every CPU fight over one cache line.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include "nsr_stats.h"

DEFINE_PER_CPU(struct nsr_stats, nsr_stats);

/* Names as in docs/PROTOCOL.md's ladder, lower case. */
static const char *const nsr_verdict_names[NSR_VERDICT_COUNT] = {
	[NSR_ACCEPTED]		= "accepted",
	[NSR_NO_PASSWORD]	= "no_password",
	[NSR_TRUNCATED]		= "truncated",
	[NSR_BAD_MAGIC]		= "bad_magic",
	[NSR_BAD_VERSION]	= "bad_version",
	[NSR_BAD_TYPE]		= "bad_type",
	[NSR_BAD_KEY_COUNT]	= "bad_key_count",
	[NSR_BAD_LENGTH]	= "bad_length",
	[NSR_BAD_FLAGS]		= "bad_flags",
	[NSR_BAD_KEY_CHAR]	= "bad_key_char",
	[NSR_STALE]		= "stale",
	[NSR_FUTURE]		= "future",
	[NSR_REPLAY]		= "replay",
	[NSR_BAD_MAC]		= "bad_mac",
	[NSR_REFUSED_STALE]	= "refused_stale",
	[NSR_REFUSED_FUTURE]	= "refused_future",
	[NSR_REFUSED_REPLAY]	= "refused_replay",
	[NSR_BAD_FORMAT]	= "bad_format",
	[NSR_WRONG_BOOT]	= "wrong_boot",
	[NSR_REFUSED_BOOT]	= "refused_boot",
	[NSR_REPEATED]		= "repeated",
	[NSR_PROBE_ANSWERED]	= "probe_answered",
	[NSR_UNKNOWN_KEY]	= "unknown_key",
};

static const char *const nsr_event_names[NSR_EV_COUNT] = {
	[NSR_EV_MALFORMED]		= "malformed_udp",
	[NSR_EV_FRAGMENT]		= "fragment",
	[NSR_EV_OVERSIZE]		= "oversize",
	[NSR_EV_NOT_UNICAST]		= "not_unicast",
	[NSR_EV_NOT_OURS]		= "not_ours",
	[NSR_EV_ACK_SENT]		= "acks_sent",
	[NSR_EV_REFUSAL_SENT]		= "refusals_sent",
	[NSR_EV_CLOCK_SENT]		= "clocks_sent",
	[NSR_EV_PROBE_PLAIN]		= "probes_plain",
	[NSR_EV_PROBE_INFO]		= "probes_info",
	[NSR_EV_REPLY_FAILED]		= "replies_failed",
	[NSR_EV_KEY_EXECUTED]		= "keys_executed",
	[NSR_EV_KEY_REFUSED_RULE]	= "keys_refused_rule",
	[NSR_EV_KEY_REFUSED_SYSCTL]	= "keys_refused_sysctl",
	[NSR_EV_OUTPUT_MESSAGES]	= "output_messages",
	[NSR_EV_OUTPUT_BYTES]		= "output_bytes",
	[NSR_EV_OUTPUT_TRUNCATED]	= "output_truncated",
	[NSR_EV_OUTPUT_UNFINISHED]	= "output_unfinished",
	[NSR_EV_OUTPUT_BUSY]		= "output_busy",
};

const char *nsr_verdict_name(enum nsr_verdict v)
{
	return v < NSR_VERDICT_COUNT ? nsr_verdict_names[v] : "?";
}

static int nsr_stats_show(struct seq_file *m, void *v)
{
	u64 verdict[NSR_VERDICT_COUNT] = { 0 };
	u64 event[NSR_EV_COUNT] = { 0 };
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct nsr_stats *s = per_cpu_ptr(&nsr_stats, cpu);

		for (i = 0; i < NSR_VERDICT_COUNT; i++)
			verdict[i] += READ_ONCE(s->verdict[i]);
		for (i = 0; i < NSR_EV_COUNT; i++)
			event[i] += READ_ONCE(s->event[i]);
	}
	for (i = 0; i < NSR_VERDICT_COUNT; i++)
		seq_printf(m, "%s %llu\n", nsr_verdict_names[i], verdict[i]);
	for (i = 0; i < NSR_EV_COUNT; i++)
		seq_printf(m, "%s %llu\n", nsr_event_names[i], event[i]);
	return 0;
}

int nsr_stats_init(void)
{
	if (!proc_create_single("xt_SYSRQ", 0444, init_net.proc_net,
				nsr_stats_show))
		return -ENOMEM;
	return 0;
}

void nsr_stats_exit(void)
{
	remove_proc_entry("xt_SYSRQ", init_net.proc_net);
}
