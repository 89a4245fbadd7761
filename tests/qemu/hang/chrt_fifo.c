// SPDX-License-Identifier: GPL-2.0
/*
 * chrt_fifo PRIO PID...: make each PID SCHED_FIFO at priority PRIO, like
 * `chrt -f -p PRIO PID` (busybox has no chrt). The hang scenarios use it to
 * raise ksoftirqd above a real-time hog, the tuning that lets packets in.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct sched_param sp;
	int i, failed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: chrt_fifo PRIO PID...\n");
		return 2;
	}
	sp.sched_priority = atoi(argv[1]);
	for (i = 2; i < argc; i++) {
		if (sched_setscheduler(atoi(argv[i]), SCHED_FIFO, &sp)) {
			perror(argv[i]);
			failed = 1;
		}
	}
	return failed;
}
