/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stdin runners (vector_runner.c, output_runner.c) share: hex in
 * and out, and the loop that reads one command a line, splits it on
 * spaces and hands it to the command its first token names. Hex "-"
 * stands for empty.
 */
#ifndef LINE_RUNNER_H
#define LINE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

/* The longest input line, newline included. */
#define RUNNER_LINE_MAX		8192
/* The most tokens a line may have, its command letter included. */
#define RUNNER_TOKENS_MAX	16

/* A command: its first token, how many tokens it takes, what runs it. */
struct runner_cmd {
	const char *name;
	int ntokens;
	/* @t: the line's tokens, t[0] the command; nonzero: bad input. */
	int (*run)(char **t);
};

/*
 * The bytes of hex @s ("-": none) into @out, at most @max; their count in
 * *@len. -1 on odd length, a non-hex digit or more than @max bytes.
 */
int unhex(const char *s, uint8_t *out, size_t max, size_t *len);

/* @n bytes as lowercase hex, "-" when @n is 0; no newline. */
void puthex(const uint8_t *b, size_t n);

/*
 * Runs stdin line by line through @cmds (@ncmds of them), flushing stdout
 * after each line. A line no command takes, or one whose command fails,
 * ends the run: "<prog>: bad input line N" on stderr and 2 returned.
 * Returns 0 at the end of the input.
 */
int runner_main(const char *prog, const struct runner_cmd *cmds,
		size_t ncmds);

#endif /* LINE_RUNNER_H */
