// SPDX-License-Identifier: GPL-2.0
/*
 * The safe reboot (docs/PROTOCOL.md, "Safe reboot"): sync every disk
 * filesystem, freeze it, reboot — each step logged as it finishes, so the
 * output channel carries it to the client.
 *
 * Why not SysRq s, u, b: s and u only queue work for kworkers, and nothing
 * says when it is done; b does not wait for it. Under a real-time CPU hog
 * those kworkers never run at all. So:
 *
 * - The work runs in a kernel thread of our own, made at module load (no
 *   kthreadd, no memory needed later) at SCHED_FIFO 99: above every
 *   ordinary real-time task. sched_set_fifo() would give it only
 *   MAX_RT_PRIO / 2 (50), below a FIFO 98 hog.
 * - That alone is not enough: sync_filesystem() hands the writeback to the
 *   flusher kworkers and waits for them, and ext4's journal commits in its
 *   jbd2 thread, all SCHED_OTHER. So the request first does what SysRq n
 *   does (every real-time task becomes SCHED_OTHER; if kernel.sysrq allows
 *   it), right in the packet's softirq, before waking the thread. Then the
 *   workers share the CPUs with the former hog and the sync completes.
 * - Each mounted, writable, block-device filesystem of each type the
 *   kernel has registered (/proc/filesystems without "nodev": no NFS,
 *   FUSE or tmpfs) is synced with sync_filesystem() under s_umount, which
 *   iterate_supers_type() holds, then frozen with freeze_super(): the
 *   journal is flushed and the filesystem is consistent on disk, as a
 *   read-only remount leaves it (remounting is not exported to modules).
 *   A frozen filesystem blocks every later writer, which is what we want
 *   just before a reboot.
 * - A timer bounds it all (safe_reboot_wait): when it fires first, it
 *   reboots from its softirq, as SysRq b does, whatever the thread waits
 *   on (stuck storage) — or, with ONLY_IF_SYNCED, gives up: no reboot,
 *   and a thread that finishes later thaws what it froze.
 * - The restart waits, at most NSR_FLUSH_MAX_MS, until the output session
 *   and the consoles have the last line: an administrator should see why
 *   the machine rebooted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/console.h>
#include <linux/fs.h>
#include <linux/kmsg_dump.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysrq.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <uapi/linux/sched/types.h>
#include "nsr_output.h"
#include "nsr_rescue.h"
#include "nsr_sysrq.h"

#define NSR_WAIT_DEFAULT_MS	10000
#define NSR_WAIT_MIN_MS		100	/* less cannot sync anything */
#define NSR_WAIT_MAX_MS		600000	/* 10 min: a bound, not a hope */
#define NSR_RESCUE_MAX_SB	64	/* filesystems frozen at most */
#define NSR_FLUSH_MAX_MS	1000	/* the last words' head start */

static unsigned int safe_reboot_wait = NSR_WAIT_DEFAULT_MS;

static int nsr_wait_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;

	if (kstrtouint(val, 0, &ms) || ms < NSR_WAIT_MIN_MS ||
	    ms > NSR_WAIT_MAX_MS) {
		pr_err("safe_reboot_wait: refused \"%.*s\": give the longest a safe reboot may wait for sync and freeze, %u..%u ms\n",
		       (int)strcspn(val, "\n"), val, NSR_WAIT_MIN_MS,
		       NSR_WAIT_MAX_MS);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops nsr_wait_ops = {
	.set = nsr_wait_set,
	.get = param_get_uint,
};
module_param_cb(safe_reboot_wait, &nsr_wait_ops, &safe_reboot_wait, 0600);
MODULE_PARM_DESC(safe_reboot_wait,
		 "Longest a safe reboot waits for sync and freeze, ms (100..600000, default 10000)");

enum nsr_rescue_state {
	NSR_RESCUE_IDLE,
	NSR_RESCUE_RUNNING,
	NSR_RESCUE_REBOOTING,	/* claimed by the thread or the timer */
	NSR_RESCUE_GAVE_UP,	/* deadline with ONLY_IF_SYNCED */
};

/* The filesystems a run synced and holds an active reference to. */
struct nsr_sbs {
	struct super_block *sb[NSR_RESCUE_MAX_SB];
	bool frozen[NSR_RESCUE_MAX_SB];
	unsigned int n;
};

static atomic_t nsr_state = ATOMIC_INIT(NSR_RESCUE_IDLE);
static struct task_struct *nsr_thread;
static DECLARE_WAIT_QUEUE_HEAD(nsr_wq);
static bool nsr_requested;
static struct timer_list nsr_deadline;
static struct timer_list nsr_final;	/* the restart, once output is out */
static unsigned long nsr_final_by;	/* jiffies: restart even if it is not */
static u64 nsr_log_end;			/* the record after the last words */
static bool nsr_only_if_synced;
static unsigned int nsr_bound_ms;
static u64 nsr_started_ns;
static struct nsr_sbs nsr_sbs;		/* only the thread touches it */
static char nsr_fs_list[PAGE_SIZE];	/* /proc/filesystems, read by it */

/* What the thread is doing, for the deadline's message. */
static DEFINE_SPINLOCK(nsr_step_lock);
static char nsr_step[64];

static void nsr_set_step(const char *what, const struct super_block *sb)
{
	spin_lock_bh(&nsr_step_lock);
	if (sb)
		snprintf(nsr_step, sizeof(nsr_step), "%s of %s (%s)", what,
			 sb->s_id, sb->s_type->name);
	else
		strscpy(nsr_step, what, sizeof(nsr_step));
	spin_unlock_bh(&nsr_step_lock);
}

static u64 nsr_ms_since(u64 start_ns)
{
	return div_u64(ktime_get_ns() - start_ns, NSEC_PER_MSEC);
}

/* The sequence number the next log record will get. */
static u64 nsr_log_next_seq(void)
{
	struct kmsg_dump_iter iter;

	kmsg_dump_rewind(&iter);
	return iter.next_seq;
}

/*
 * Whether a console has not yet printed the records before @end. Since 6.12
 * the consoles may print from their own threads (always so on PREEMPT_RT),
 * which after SysRq n share the CPUs with the former hog: a restart at
 * once loses the last lines on a serial console (seen on 6.12-rt:
 * "freeze done" and "rebooting" missing, present in the output). No
 * flush is exported (pr_flush() is not; console_unlock() leaves it to
 * the threads), so this reads what pr_flush() reads: each console's
 * sequence number (unlocked, a hint: the wait is bounded) against the
 * log's end when the last words were logged. On 64-bit an nbcon
 * console's nbcon_seq is the full number; on 32-bit its low bits, hence
 * the wrapping comparison.
 */
static bool nsr_console_behind(u64 end)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct console *con;
	bool behind = false;
	int cookie;

	cookie = console_srcu_read_lock();
	for_each_console_srcu(con) {
		short flags = console_srcu_read_flags(con);
		unsigned long seq;

		if (!(flags & CON_ENABLED) || (flags & CON_SUSPENDED))
			continue;
		if (flags & CON_NBCON)
			seq = atomic_long_read(&ACCESS_PRIVATE(con, nbcon_seq));
		else
			seq = data_race(con->seq);
		if ((long)(seq - (unsigned long)end) < 0)
			behind = true;
	}
	console_srcu_read_unlock(cookie);
	return behind;
#else
	return false;	/* printk prints to the consoles itself */
#endif
}

/*
 * Restart as SysRq b does, once the output session has sent its last and
 * the consoles have printed it (an administrator on the serial console
 * sees why the machine rebooted), or at nsr_final_by.
 */
static void nsr_final_fired(struct timer_list *t)
{
	if ((nsr_output_busy() || nsr_console_behind(nsr_log_end)) &&
	    time_before(jiffies, nsr_final_by)) {
		mod_timer(&nsr_final, jiffies + 1);
		return;
	}
	emergency_restart();
}

/*
 * The end of it, from the thread or the deadline's softirq. The restart
 * itself runs from a timer that gives the output session (which reads this
 * line) and the consoles up to NSR_FLUSH_MAX_MS to send it: a timer, so
 * that neither caller sleeps, and bounded, so that a stuck sender or
 * console cannot hold the reboot.
 */
static void nsr_reboot(void)
{
	pr_emerg("safe reboot: rebooting %llu ms after the request\n",
		 nsr_ms_since(nsr_started_ns));
	nsr_log_end = nsr_log_next_seq();
	nsr_final_by = jiffies + msecs_to_jiffies(NSR_FLUSH_MAX_MS);
	mod_timer(&nsr_final, jiffies + 1);
}

bool nsr_rescue_final_line(const char *line, size_t len)
{
	static const char * const last[] = {
		"safe reboot: rebooting", "not rebooting (only if synced)",
		"safe reboot: over", "safe reboot: one is already running",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(last); i++)
		if (strnstr(line, last[i], len))
			return true;
	return false;
}

unsigned int nsr_rescue_wait_ms(void)
{
	return READ_ONCE(nsr_bound_ms);
}

static void nsr_deadline_fired(struct timer_list *t)
{
	bool give_up = READ_ONCE(nsr_only_if_synced);
	int to = give_up ? NSR_RESCUE_GAVE_UP : NSR_RESCUE_REBOOTING;

	if (atomic_cmpxchg(&nsr_state, NSR_RESCUE_RUNNING, to) !=
	    NSR_RESCUE_RUNNING)
		return;		/* the thread finished first */
	spin_lock(&nsr_step_lock);
	pr_warn("safe reboot: %s not done after %u ms, %s\n", nsr_step,
		nsr_bound_ms,
		give_up ? "not rebooting (only if synced)" :
			  "rebooting anyway");
	spin_unlock(&nsr_step_lock);
	if (!give_up)
		nsr_reboot();
}

/*
 * Claim the rescue: from idle, or from a run given up whose thread is
 * still stuck (stuck storage): the new request then joins that run, and
 * the thread reboots if it ever finishes, or the new deadline does.
 */
static bool nsr_claim(bool *joined)
{
	*joined = false;
	if (atomic_cmpxchg(&nsr_state, NSR_RESCUE_IDLE, NSR_RESCUE_RUNNING) ==
	    NSR_RESCUE_IDLE)
		return true;
	*joined = atomic_cmpxchg(&nsr_state, NSR_RESCUE_GAVE_UP,
				 NSR_RESCUE_RUNNING) == NSR_RESCUE_GAVE_UP;
	return *joined;
}

enum nsr_rescue_start nsr_rescue_start(bool only_if_synced)
{
	bool joined;

	if (!nsr_thread || !nsr_claim(&joined)) {
		pr_warn("safe reboot: one is already running: request ignored\n");
		return NSR_RESCUE_BUSY;
	}
	WRITE_ONCE(nsr_only_if_synced, only_if_synced);
	nsr_bound_ms = READ_ONCE(safe_reboot_wait);
	nsr_started_ns = ktime_get_ns();
	if (!joined)
		nsr_set_step("sync", NULL);
	pr_info("safe reboot: sync, freeze, then reboot, within %u ms%s\n",
		nsr_bound_ms, only_if_synced ? " or not at all" : "");
	/*
	 * SysRq n, here in softirq: a SCHED_FIFO 99 hog would keep even our
	 * thread off its CPU, and one below it would still starve the
	 * flusher and journal threads the sync waits for.
	 */
	if (nsr_sysrq_allowed('n'))
		handle_sysrq('n');
	else
		pr_warn("safe reboot: kernel.sysrq forbids n: real-time tasks keep their priority and may starve the sync\n");
	mod_timer(&nsr_deadline, jiffies + msecs_to_jiffies(nsr_bound_ms));
	if (joined) {
		spin_lock_bh(&nsr_step_lock);
		pr_info("safe reboot: joins the earlier run, still at its %s\n",
			nsr_step);
		spin_unlock_bh(&nsr_step_lock);
		return NSR_RESCUE_STARTED;
	}
	smp_store_release(&nsr_requested, true);
	wake_up(&nsr_wq);
	return NSR_RESCUE_STARTED;
}

/* iterate_supers_type() callback: s_umount is held (read). */
static void nsr_sync_one(struct super_block *sb, void *arg)
{
	struct nsr_sbs *sbs = arg;
	u64 start = ktime_get_ns();

	if (sb_rdonly(sb) || !sb->s_bdev)
		return;
	nsr_set_step("sync", sb);
	if (sbs->n < NSR_RESCUE_MAX_SB && atomic_inc_not_zero(&sb->s_active))
		sbs->sb[sbs->n++] = sb;
	sync_filesystem(sb);
	pr_info("safe reboot: synced %s (%s) in %llu ms\n", sb->s_id,
		sb->s_type->name, nsr_ms_since(start));
}

/* /proc/filesystems into nsr_fs_list; 0 or an error. */
static int nsr_read_fs_list(void)
{
	struct file *f = filp_open("/proc/filesystems", O_RDONLY, 0);
	size_t total = 0;
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	do {
		n = kernel_read(f, nsr_fs_list + total,
				sizeof(nsr_fs_list) - 1 - total, &pos);
		if (n > 0)
			total += n;
	} while (n > 0 && total < sizeof(nsr_fs_list) - 1);
	filp_close(f, NULL);
	nsr_fs_list[total] = '\0';
	return n < 0 ? n : 0;
}

/*
 * Sync every writable filesystem on a block device, type by type. A type
 * listed is registered, so get_fs_type() finds it without asking modprobe
 * (which a hung userspace would never answer).
 */
static int nsr_sync_all(struct nsr_sbs *sbs)
{
	char *rest = nsr_fs_list, *line;
	int err = nsr_read_fs_list();

	if (err)
		return err;
	while ((line = strsep(&rest, "\n"))) {
		struct file_system_type *type;

		if (!*line || str_has_prefix(line, "nodev"))
			continue;
		type = get_fs_type(skip_spaces(line));
		if (!type)
			continue;
		iterate_supers_type(type, nsr_sync_one, sbs);
		module_put(type->owner);
	}
	return 0;
}

/* freeze_super() as each kernel spells it (6.6: holder; 6.16: owner). */
static int nsr_freeze(struct super_block *sb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return freeze_super(sb, FREEZE_HOLDER_KERNEL, NULL);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return freeze_super(sb, FREEZE_HOLDER_KERNEL);
#else
	return freeze_super(sb);
#endif
}

static int nsr_thaw(struct super_block *sb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return thaw_super(sb, FREEZE_HOLDER_KERNEL, NULL);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return thaw_super(sb, FREEZE_HOLDER_KERNEL);
#else
	return thaw_super(sb);
#endif
}

/* Freeze each synced filesystem; how many failed. */
static unsigned int nsr_freeze_all(struct nsr_sbs *sbs)
{
	unsigned int i, failed = 0;

	for (i = 0; i < sbs->n; i++) {
		struct super_block *sb = sbs->sb[i];
		int err;

		nsr_set_step("freeze", sb);
		err = nsr_freeze(sb);
		sbs->frozen[i] = !err;
		if (err) {
			pr_warn("safe reboot: freezing %s (%s) failed: %d\n",
				sb->s_id, sb->s_type->name, err);
			failed++;
		}
	}
	return failed;
}

/* Undo a run that will not reboot: thaw, drop references. */
static void nsr_release(struct nsr_sbs *sbs)
{
	unsigned int i;

	for (i = 0; i < sbs->n; i++) {
		if (sbs->frozen[i])
			nsr_thaw(sbs->sb[i]);
		deactivate_super(sbs->sb[i]);
	}
	memset(sbs, 0, sizeof(*sbs));
}

/* The thread's part of one safe reboot. */
static void nsr_rescue_run(void)
{
	struct nsr_sbs *sbs = &nsr_sbs;
	u64 start = ktime_get_ns();
	unsigned int failed;
	int err;

	err = nsr_sync_all(sbs);
	if (err)
		pr_warn("safe reboot: cannot list filesystems (/proc/filesystems: %d): nothing synced\n",
			err);
	else
		pr_info("safe reboot: sync done in %llu ms (%u filesystems)\n",
			nsr_ms_since(start), sbs->n);
	start = ktime_get_ns();
	failed = nsr_freeze_all(sbs);
	if (!failed)
		pr_info("safe reboot: freeze done in %llu ms (journals flushed, consistent as read-only)\n",
			nsr_ms_since(start));
	if ((err || failed) && READ_ONCE(nsr_only_if_synced)) {
		if (atomic_cmpxchg(&nsr_state, NSR_RESCUE_RUNNING,
				   NSR_RESCUE_GAVE_UP) == NSR_RESCUE_RUNNING) {
			timer_delete_sync(&nsr_deadline);
			pr_warn("safe reboot: a step failed: not rebooting (only if synced)\n");
		}
	} else if (atomic_cmpxchg(&nsr_state, NSR_RESCUE_RUNNING,
				  NSR_RESCUE_REBOOTING) ==
		   NSR_RESCUE_RUNNING) {
		nsr_reboot();
		return;		/* the final timer restarts */
	}
	/* Given up (here or by the deadline): the server stays up. */
	nsr_release(sbs);
	pr_info("safe reboot: over, filesystems thawed, %llu ms after the request\n",
		nsr_ms_since(nsr_started_ns));
	atomic_set(&nsr_state, NSR_RESCUE_IDLE);
}

static int nsr_rescue_thread(void *unused)
{
	while (!kthread_should_stop()) {
		wait_event_idle(nsr_wq, smp_load_acquire(&nsr_requested) ||
					kthread_should_stop());
		if (!smp_load_acquire(&nsr_requested))
			continue;
		WRITE_ONCE(nsr_requested, false);
		nsr_rescue_run();
	}
	return 0;
}

int nsr_rescue_init(void)
{
	/* Above every ordinary real-time task (FIFO 1..98). */
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = MAX_RT_PRIO - 1,
	};
	struct task_struct *t;
	int err;

	timer_setup(&nsr_deadline, nsr_deadline_fired, 0);
	timer_setup(&nsr_final, nsr_final_fired, 0);
	t = kthread_create(nsr_rescue_thread, NULL, "nsr_rescue");
	if (IS_ERR(t))
		return PTR_ERR(t);
	err = sched_setattr_nocheck(t, &attr);
	if (err) {
		kthread_stop(t);
		return err;
	}
	nsr_thread = t;
	wake_up_process(t);
	return 0;
}

/*
 * A safe reboot that gave up may still have its thread stuck in a sync
 * (stuck storage): unloading waits for it, as umount would.
 */
void nsr_rescue_exit(void)
{
	if (nsr_thread)
		kthread_stop(nsr_thread);
	timer_delete_sync(&nsr_deadline);
	timer_delete_sync(&nsr_final);
}
