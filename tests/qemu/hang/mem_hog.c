// SPDX-License-Identifier: GPL-2.0
/*
 * mem_hog: allocate and touch anonymous memory, 4 MiB at a time, until the
 * OOM killer ends it. The guest has no swap, so every page it touches is
 * taken from RAM for good; run a few of these in respawn loops and the
 * kernel spends its time reclaiming and OOM-killing.
 */
#include <stddef.h>
#include <sys/mman.h>

#define CHUNK	(4UL << 20)
#define PAGE	4096UL

int main(void)
{
	for (;;) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t i;

		if (p == MAP_FAILED)
			continue;	/* keep asking: pressure is the point */
		for (i = 0; i < CHUNK; i += PAGE)
			p[i] = 1;	/* fault the page in */
	}
}
