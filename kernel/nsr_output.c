// SPDX-License-Identifier: GPL-2.0
/*
 * The output session (docs/PROTOCOL.md, "Output"): one accepted request's
 * log text, read back and sent as sealed output messages.
 *
 * Reading: the kernel log's reader (kmsg_dump_rewind() for where the log
 * ends before the keys run, kmsg_dump_get_line() for every record after,
 * as dmesg shows them), not a console: consoles filter by log level and
 * print asynchronously; the log holds every record synchronously. Records
 * other CPUs logged meanwhile stay in, as the log has them; records the
 * ring buffer overwrote before they were read are marked as the kernel's
 * consoles mark them ("** N printk messages dropped **").
 *
 * Bounds: the text buffer (output_max KiB) is allocated at load and when
 * the parameter is written, never in the packet path, so a machine short
 * of memory still gets its 'm' output. One session at a time: a second
 * request gets OUTPUT_BUSY. Messages leave paced by a timer, at most 64 a
 * second, the first at once from the packet path.
 *
 * Ownership: the lock guards busy, dying and the buffer. Whoever set busy
 * (the packet path, then the timer it arms) owns the session's fields
 * alone until it clears busy; the buffer is only replaced while not busy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kmsg_dump.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <net/net_namespace.h>
#include "nsr_output.h"
#include "nsr_rescue.h"
#include "nsr_output_msg.h"
#include "nsr_stats.h"

#define NSR_OUT_MAX_KIB_DEFAULT	64
#define NSR_OUT_MAX_KIB_LIMIT	1024
#define NSR_OUT_WAIT_MS_DEFAULT	5000
#define NSR_OUT_WAIT_MS_LIMIT	60000
#define NSR_OUT_PER_SEC		64
/* Jiffies between messages: at most NSR_OUT_PER_SEC a second. */
#define NSR_OUT_INTERVAL	DIV_ROUND_UP(HZ, NSR_OUT_PER_SEC)
/* One log record as text, prefix included (records are under 1 KiB). */
#define NSR_OUT_LINE_MAX	2048

static const char nsr_sync_done[] = "Emergency Sync complete";
static const char nsr_remount_done[] = "Emergency Remount complete";

struct nsr_output {
	spinlock_t lock;
	bool busy;		/* a session is in flight */
	bool dying;		/* module unloading: no new session */
	bool ready;		/* nsr_output_init() ran */
	u8 *text;		/* output_max KiB, or NULL: output off */
	size_t cap;
	struct timer_list timer;
	/* The session, owned by whoever set busy. */
	struct nsr_output_seal seal;
	struct nsr_dest dest;	/* holds a reference on dest.net */
	struct kmsg_dump_iter iter;
	size_t len;		/* text read so far */
	size_t sent;		/* text sent so far */
	unsigned long deadline;	/* jiffies: stop waiting for completions */
	u16 index;
	u8 await_sync;		/* completion lines still awaited */
	u8 await_remount;
	bool await_safe;	/* a safe reboot's last line (nsr_rescue.c) */
	unsigned int safe_ms;	/* its bound, ms */
	bool collecting;	/* still reading the log */
	bool truncated;
	u8 line[NSR_OUT_LINE_MAX];
	u8 msg[NSR_OUT_MAX_LEN];
};

static void nsr_output_tick(struct timer_list *t);

static struct nsr_output nsr_out = {
	.lock = __SPIN_LOCK_UNLOCKED(nsr_out.lock),
	.timer = __TIMER_INITIALIZER(nsr_output_tick, 0),
};

static unsigned int output_max = NSR_OUT_MAX_KIB_DEFAULT;
static unsigned int output_wait = NSR_OUT_WAIT_MS_DEFAULT;

/* Replaces the text buffer with one of @kib KiB (process context). */
static int nsr_output_resize(unsigned int kib)
{
	struct nsr_output *o = &nsr_out;
	bool usable = !o->ready || nsr_output_crypto_ok();
	u8 *buf = NULL, *old;

	if (kib && usable) {
		buf = kvzalloc((size_t)kib * 1024, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	spin_lock_bh(&o->lock);
	if (o->busy) {
		spin_unlock_bh(&o->lock);
		kvfree(buf);
		pr_warn("output_max: an output is being sent; unchanged, try again\n");
		return -EBUSY;
	}
	old = o->text;
	o->text = buf;
	o->cap = buf ? (size_t)kib * 1024 : 0;
	WRITE_ONCE(output_max, kib);
	spin_unlock_bh(&o->lock);
	kvfree(old);
	return 0;
}

static int nsr_output_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int kib;

	if (kstrtouint(val, 0, &kib) || kib > NSR_OUT_MAX_KIB_LIMIT) {
		pr_warn("output_max: a size in KiB from 0 (off) to %u; unchanged\n",
			NSR_OUT_MAX_KIB_LIMIT);
		return -EINVAL;
	}
	return nsr_output_resize(kib);
}

static const struct kernel_param_ops nsr_output_max_ops = {
	.set = nsr_output_max_set,
	.get = param_get_uint,
};
module_param_cb(output_max, &nsr_output_max_ops, &output_max, 0600);
MODULE_PARM_DESC(output_max,
		 "Output per request, KiB (default 64, 0 off, at most 1024)");

static int nsr_output_wait_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;

	if (kstrtouint(val, 0, &ms) || ms > NSR_OUT_WAIT_MS_LIMIT) {
		pr_warn("output_wait: milliseconds from 0 to %u; unchanged\n",
			NSR_OUT_WAIT_MS_LIMIT);
		return -EINVAL;
	}
	WRITE_ONCE(output_wait, ms);
	return 0;
}

static const struct kernel_param_ops nsr_output_wait_ops = {
	.set = nsr_output_wait_set,
	.get = param_get_uint,
};
module_param_cb(output_wait, &nsr_output_wait_ops, &output_wait, 0600);
MODULE_PARM_DESC(output_wait,
		 "How long to wait for 's'/'u' to complete, ms (default 5000)");

bool nsr_output_capable(void)
{
	return nsr_output_crypto_ok() && READ_ONCE(output_max);
}

u8 nsr_output_claim(const struct nsr_mac_key *key, const u8 *addr,
		    const u8 *request, const struct nsr_dest *dest)
{
	struct nsr_output *o = &nsr_out;
	u8 flag = 0;

	if (!nsr_output_crypto_ok())
		return 0;
	spin_lock_bh(&o->lock);
	if (o->busy && !o->dying)
		flag = NSR_ACK_FLAG_OUTPUT_BUSY;
	else if (!o->busy && !o->dying && o->text)
		flag = NSR_ACK_FLAG_OUTPUT_FOLLOWS;
	if (flag == NSR_ACK_FLAG_OUTPUT_FOLLOWS)
		o->busy = true;
	spin_unlock_bh(&o->lock);
	if (flag == NSR_ACK_FLAG_OUTPUT_BUSY)
		nsr_count_event(NSR_EV_OUTPUT_BUSY);
	if (flag != NSR_ACK_FLAG_OUTPUT_FOLLOWS)
		return flag;

	nsr_output_seal_init(&o->seal, key, addr, request);
	o->dest = *dest;
	get_net(o->dest.net);
	o->len = 0;
	o->sent = 0;
	o->index = 0;
	o->truncated = false;
	return flag;
}

void nsr_output_mark(void)
{
	struct nsr_output *o = &nsr_out;

	kmsg_dump_rewind(&o->iter);
	/* Only what is logged from now on. */
	o->iter.cur_seq = o->iter.next_seq;
}

static void nsr_output_append(struct nsr_output *o, const void *s, size_t l)
{
	size_t room = o->cap - o->len;

	if (l > room) {
		l = room;
		o->truncated = true;
	}
	memcpy(o->text + o->len, s, l);
	o->len += l;
}

/* A completion line that was awaited is no longer. */
static void nsr_output_notice(struct nsr_output *o, size_t l)
{
	const char *line = (const char *)o->line;

	if (o->await_sync && strnstr(line, nsr_sync_done, l))
		o->await_sync--;
	if (o->await_remount && strnstr(line, nsr_remount_done, l))
		o->await_remount--;
	if (o->await_safe && nsr_rescue_final_line(line, l))
		o->await_safe = false;
}

/* Reads every record logged since the last read, as dmesg shows them. */
static void nsr_output_collect(struct nsr_output *o)
{
	u64 want = o->iter.cur_seq;
	size_t l;

	while (!o->truncated &&
	       kmsg_dump_get_line(&o->iter, false, (char *)o->line,
				  sizeof(o->line), &l)) {
		/* The reader skips records overwritten before it came. */
		if (o->iter.cur_seq - 1 > want) {
			char mark[48];
			int n = scnprintf(mark, sizeof(mark),
					  "** %llu printk messages dropped **\n",
					  o->iter.cur_seq - 1 - want);

			nsr_output_append(o, mark, n);
		}
		want = o->iter.cur_seq;
		nsr_output_notice(o, l);
		nsr_output_append(o, o->line, l);
	}
	if (o->truncated ||
	    (!o->await_sync && !o->await_remount && !o->await_safe) ||
	    time_after_eq(jiffies, o->deadline))
		o->collecting = false;
}

/* Ends the session: the key wiped, the namespace let go, the slot free. */
static void nsr_output_release(struct nsr_output *o)
{
	nsr_output_seal_wipe(&o->seal);
	o->await_safe = false;
	put_net(o->dest.net);
	o->dest.net = NULL;
	spin_lock_bh(&o->lock);
	o->busy = false;
	spin_unlock_bh(&o->lock);
}

static u8 nsr_output_last_flags(const struct nsr_output *o)
{
	u8 flags = NSR_OUT_FLAG_LAST;

	if (o->truncated) {
		flags |= NSR_OUT_FLAG_TRUNCATED;
		nsr_count_event(NSR_EV_OUTPUT_TRUNCATED);
	}
	if (o->await_sync || o->await_remount || o->await_safe) {
		flags |= NSR_OUT_FLAG_UNFINISHED;
		nsr_count_event(NSR_EV_OUTPUT_UNFINISHED);
	}
	return flags;
}

/*
 * One step: send the next message if a full one is ready, or the last one
 * once reading is over; then the next tick, or the end.
 */
static void nsr_output_step(struct nsr_output *o)
{
	size_t m = min_t(size_t, o->len - o->sent, NSR_OUT_TEXT_MAX);
	bool last = !o->collecting && o->sent + m == o->len;
	size_t len;

	if (m == NSR_OUT_TEXT_MAX || last) {
		len = nsr_output_build(o->msg, &o->seal, o->index,
				       last ? nsr_output_last_flags(o) : 0,
				       o->text + o->sent, m);
		if (len && nsr_send(&o->dest, o->msg, len)) {
			nsr_count_event(NSR_EV_OUTPUT_MESSAGES);
			nsr_count_event_add(NSR_EV_OUTPUT_BYTES, m);
		}
		o->sent += m;
		o->index++;
	}
	if (last)
		nsr_output_release(o);
	else
		mod_timer(&o->timer, jiffies + NSR_OUT_INTERVAL);
}

static void nsr_output_tick(struct timer_list *t)
{
	struct nsr_output *o = container_of(t, struct nsr_output, timer);

	if (o->collecting)
		nsr_output_collect(o);
	nsr_output_step(o);
}

void nsr_output_start(const u8 *keys, const u8 *status, size_t n)
{
	struct nsr_output *o = &nsr_out;
	size_t i;

	o->await_sync = 0;
	o->await_remount = 0;
	for (i = 0; i < n; i++) {
		if (status[i] != NSR_STATUS_EXECUTED)
			continue;
		if (keys[i] == 's')
			o->await_sync++;
		else if (keys[i] == 'u')
			o->await_remount++;
	}
	/* A safe reboot's steps come from its thread, within its bound. */
	o->deadline = jiffies + msecs_to_jiffies(o->await_safe ?
		max(READ_ONCE(output_wait), o->safe_ms + 1000) :
		READ_ONCE(output_wait));
	o->collecting = true;
	nsr_output_collect(o);
	nsr_output_step(o);
}

void nsr_output_follow_safe_reboot(unsigned int bound_ms)
{
	nsr_out.await_safe = true;
	nsr_out.safe_ms = bound_ms;
}

bool nsr_output_busy(void)
{
	return READ_ONCE(nsr_out.busy);
}

int nsr_output_init(void)
{
	struct nsr_output *o = &nsr_out;
	unsigned int kib = READ_ONCE(output_max);

	BUILD_BUG_ON(NSR_OUT_MAX_KIB_LIMIT * 1024 / NSR_OUT_TEXT_MAX >= 0xffff);
	nsr_output_crypto_init();
	o->ready = true;
	if (!nsr_output_crypto_ok())
		return nsr_output_resize(kib);	/* frees a load-time buffer */
	if (!o->text && kib)
		return nsr_output_resize(kib);
	return 0;
}

void nsr_output_exit(void)
{
	struct nsr_output *o = &nsr_out;
	bool busy;

	spin_lock_bh(&o->lock);
	o->dying = true;
	spin_unlock_bh(&o->lock);
	/* No callback runs after this, and none can be armed again. */
	timer_shutdown_sync(&o->timer);
	spin_lock_bh(&o->lock);
	busy = o->busy;
	spin_unlock_bh(&o->lock);
	if (busy)
		nsr_output_release(o);
	kvfree(o->text);
	o->text = NULL;
	o->cap = 0;
}
