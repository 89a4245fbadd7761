/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The safe reboot: sync every disk filesystem, freeze it (journal flushed,
 * as a read-only remount leaves it), then reboot — done by a real-time
 * kernel thread of our own, bounded by a timer that reboots (or gives up,
 * if so asked) whatever the thread is stuck on. See nsr_rescue.c.
 */
#ifndef NSR_RESCUE_H
#define NSR_RESCUE_H

#include <linux/types.h>

/* What nsr_rescue_start() did. */
enum nsr_rescue_start {
	NSR_RESCUE_STARTED,
	NSR_RESCUE_BUSY,	/* one is already running: nothing new */
};

/*
 * Start a safe reboot (any context, softirq included). @only_if_synced:
 * if a step has not finished within safe_reboot_wait, do not reboot.
 */
enum nsr_rescue_start nsr_rescue_start(bool only_if_synced);

/* The bound of the safe reboot last started, ms. */
unsigned int nsr_rescue_wait_ms(void);

/* Whether a log line (@len bytes) is a safe reboot's last. */
bool nsr_rescue_final_line(const char *line, size_t len);

int nsr_rescue_init(void);
void nsr_rescue_exit(void);

#endif /* NSR_RESCUE_H */
