// SPDX-License-Identifier: GPL-2.0
/*
 * rt_hog: starve userspace the way a runaway real-time task does. One child
 * per online CPU pins itself to that CPU, becomes SCHED_FIFO priority 99 and
 * spins forever. With kernel.sched_rt_runtime_us = -1 the scheduler never
 * throttles it, so no SCHED_OTHER task (shells, sshd, kworkers, ksoftirqd)
 * runs on that CPU again. Each child says so on stdout before it spins.
 * Usage: rt_hog [PRIO] (default 99).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void hog(int cpu, int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("rt_hog: sched_setaffinity");
		exit(1);
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("rt_hog: sched_setscheduler");
		exit(1);
	}
	printf("NSR-HOG cpu=%d pid=%d SCHED_FIFO %d spinning\n", cpu, getpid(),
	       prio);
	fflush(stdout);
	for (;;)
		;	/* never yields: nothing of lower priority runs here */
}

int main(int argc, char **argv)
{
	int prio = argc > 1 ? atoi(argv[1]) : 99;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long cpu;

	/* The parent stays SCHED_OTHER, so it forks every child first. */
	for (cpu = cpus - 1; cpu >= 0; cpu--) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("rt_hog: fork");
			return 1;
		}
		if (pid == 0)
			hog((int)cpu, prio);
	}
	return 0;
}
