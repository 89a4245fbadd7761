// SPDX-License-Identifier: GPL-2.0
/*
 * writer DIR MAX SECONDS: what a busy server does just before it hangs.
 * Creates DIR/f00000, DIR/f00001... with known content (disk_image.ts
 * rebuilds it from the index alone) until MAX files or SECONDS have passed,
 * without fsync: the data sits in the page cache, as most programs leave
 * it. Prints "NSR-WROTE N" when it stops; N files were closed without error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE	32768

/* File i's size: 1..32 KiB, spread so that sizes differ file to file. */
static size_t file_size(long i)
{
	return 1024 + (size_t)((i * 7919) % (MAX_SIZE - 1024));
}

/* File i's bytes: "nsr file <i> byte <offset>\n" lines, cut at its size. */
static size_t file_content(long i, char *buf)
{
	size_t size = file_size(i), len = 0;

	while (len < size) {
		int n = snprintf(buf + len, MAX_SIZE + 64 - len,
				 "nsr file %ld byte %zu\n", i, len);
		len += (size_t)n;
	}
	return size;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_file(const char *dir, long i, char *buf)
{
	size_t size = file_content(i, buf);
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/f%05ld", dir, i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	static char buf[MAX_SIZE + 64];
	long max, i;
	double end;

	if (argc != 4) {
		fprintf(stderr, "usage: writer DIR MAX SECONDS\n");
		return 2;
	}
	max = atol(argv[2]);
	end = now() + atof(argv[3]);
	for (i = 0; i < max && now() < end; i++) {
		if (write_file(argv[1], i, buf)) {
			perror("writer");
			break;
		}
	}
	printf("NSR-WROTE %ld\n", i);
	return 0;
}
